// The screen's brightness and power (display_changed). The display plugin arrives in its own issue:
// until it runs (bridge/info), the controls are not shown.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useLive } from './live.js';
import { useSystem } from './system.js';

export const useDisplay = defineStore('display', () => {
  const live = useLive();
  const system = useSystem();
  const state = ref<Record<string, unknown> | null>(null);
  const available = computed(() => system.running('display'));
  const brightness = computed(() => (typeof state.value?.brightness === 'number' ? state.value.brightness : null));

  live.conn.subscribe('dashboard');
  live.conn.on('display_changed', (d) => (state.value = d));

  const setBrightness = (value: number) => live.command('display/brightness', { brightness: value });
  return { state, available, brightness, setBrightness };
});
