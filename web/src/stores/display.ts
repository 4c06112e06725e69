// The screen's brightness, power and schedule (display_changed; core/protocol/display.ts). Until the display
// plugin runs (bridge/info), the controls are not shown.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { DisplayState, RequestFor } from '../../../core/protocol/index.js';
import { useLive } from './live.js';
import { useSystem } from './system.js';

export const useDisplay = defineStore('display', () => {
  const live = useLive();
  const system = useSystem();
  const state = ref<DisplayState | null>(null);
  const available = computed(() => system.running('display'));
  const brightness = computed(() => state.value?.brightness ?? null);

  live.conn.subscribe('dashboard');
  live.conn.on('display_changed', (d) => (state.value = d));

  const setBrightness = (value: number) => live.command('display', 'brightness', { brightness: value });
  /** The schedule as a whole (display/schedule); throws LiveError when refused, for the view to say why. */
  const setSchedule = (schedule: RequestFor<'display', 'schedule'>) => live.conn.command('display', 'schedule', schedule);
  return { state, available, brightness, setBrightness, setSchedule };
});
