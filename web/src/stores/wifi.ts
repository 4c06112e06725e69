// WiFi (the `wifi` room) and its commands. The wifi plugin arrives in its own issue: until it runs
// (bridge/info), the view says so and nothing here is invented.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { WifiState } from '../../../core/protocol/index.js';
import { useLive } from './live.js';
import { useSystem } from './system.js';

export interface Network { ssid: string; signal: number | null; secured: boolean; in_use?: boolean }

/** Scan results as the wifi plugin publishes them: `{networks: [...]}` (the first version's shape) or a list. */
function networksOf(data: unknown): Network[] {
  const list = Array.isArray(data) ? data : (data as { networks?: unknown } | null)?.networks;
  if (!Array.isArray(list)) return [];
  return list.flatMap((n: unknown): Network[] => {
    const o = n as Record<string, unknown>;
    if (typeof o?.ssid !== 'string') return [];
    return [{ ssid: o.ssid, signal: typeof o.signal === 'number' ? o.signal : null, secured: o.secured === true || (typeof o.security === 'string' && o.security !== ''), in_use: o.in_use === true }];
  });
}

export const useWifi = defineStore('wifi', () => {
  const live = useLive();
  const system = useSystem();
  const state = ref<WifiState | null>(null);
  const networks = ref<Network[]>([]);
  const available = computed(() => system.running('wifi'));

  live.conn.subscribe('wifi');
  live.conn.on('wifi_status_changed', (s) => (state.value = s));
  live.conn.on('wifi_networks', (d) => (networks.value = networksOf(d)));

  async function scan(): Promise<void> {
    const data = await live.command('wifi/scan');
    if (data !== null) networks.value = networksOf(data);
  }
  const connect = (ssid: string, password: string) => live.command('wifi/connect', password ? { ssid, password } : { ssid });
  const forget = (ssid: string) => live.command('wifi/forget', { ssid });
  const hotspot = (enable: boolean) => live.command('wifi/hotspot', { enable });

  return { state, networks, available, scan, connect, forget, hotspot };
});
