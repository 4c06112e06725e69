// The owner's settings (system/settings, system/update_settings; core/protocol/settings.ts) and the
// loop's defaults (loop/settings), for the Settings view. Read when the view opens and after a save.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { OwnerSettingsPatch, OwnerSettingsReport, RequestFor } from '../../../core/protocol/index.js';
import { useLive } from './live.js';
import { useSystem } from './system.js';

/** Home Assistant as the page can tell it: its plugin's state, and Home Assistant's own birth/last will. */
export type HaConnection = 'off' | 'starting' | 'failed' | 'online' | 'offline' | 'unknown';

export const useSettings = defineStore('settings', () => {
  const live = useLive();
  const system = useSystem();
  const report = ref<OwnerSettingsReport | null>(null);
  // A change from another phone (or MQTT) arrives on the `system` room the system store joined.
  live.conn.on('settings_changed', (r) => (report.value = r));

  async function load(): Promise<void> {
    report.value = await live.conn.command('system', 'settings');
  }
  /** Stores a change; resolves with the new report, throws LiveError (the view says why) when refused. */
  async function save(patch: OwnerSettingsPatch): Promise<void> {
    report.value = await live.conn.command('system', 'update_settings', patch);
  }
  const saveLoopDefaults = (patch: RequestFor<'loop', 'settings'>) => live.conn.command('loop', 'settings', patch);

  const restartPending = computed(() => Object.values(report.value?.settings ?? {}).some((s) => s.restart_pending));

  const homeAssistant = computed<HaConnection>(() => {
    const plugin = system.info?.plugins.find((p) => p.id === 'homeassistant');
    if (!plugin) return 'off';
    if (plugin.state === 'failed' || plugin.state === 'skipped') return 'failed';
    if (plugin.state !== 'running') return 'starting';
    const seen = plugin.detail?.home_assistant;
    return seen === 'online' || seen === 'offline' ? seen : 'unknown';
  });

  return { report, load, save, saveLoopDefaults, restartPending, homeAssistant };
});
