// Health, version and plugins (bridge/info), availability, and recent notifications and errors:
// the `system` room (or the REST poll while the socket is down), plus error events sent to every page.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { BridgeEvent, BridgeInfo, SystemState } from '../../../core/protocol/index.js';
import { useLive } from './live.js';

/** Notifications kept for the System view. */
const KEEP = 30;

export const useSystem = defineStore('system', () => {
  const live = useLive();
  const health = ref<SystemState | null>(null);
  const info = ref<BridgeInfo | null>(null);
  const online = ref<boolean | null>(null);
  const notifications = ref<BridgeEvent[]>([]);

  live.conn.subscribe('system');
  live.conn.on('system_status_changed', (s) => (health.value = s));
  live.conn.on('bridge_info', (i) => (info.value = i));
  live.conn.on('bridge_state', (s) => (online.value = s.state === 'online'));
  const note = (e: BridgeEvent | undefined, msg: { message?: string }): void => {
    const ev: BridgeEvent = e ?? {
      type: 'error',
      level: 'error',
      message: msg.message ?? 'error',
      source: 'gateway',
      timestamp: new Date().toISOString(),
    };
    notifications.value = [ev, ...notifications.value].slice(0, KEEP);
  };
  live.conn.on('notification', note);
  live.conn.on('error', note);

  /** A plugin's state from bridge/info: 'running', 'failed', ... or 'absent'. */
  const pluginState = (id: string): string => info.value?.plugins.find((p) => p.id === id)?.state ?? 'absent';
  const running = (id: string): boolean => pluginState(id) === 'running';
  const known = computed(() => info.value !== null);

  async function restart(): Promise<boolean> {
    return (await live.command('system', 'restart')) !== null;
  }

  return { health, info, online, notifications, known, pluginState, running, restart };
});
