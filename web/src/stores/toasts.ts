// Messages for the person: the server's own words when it refuses a command or reports an error.
import { defineStore } from 'pinia';
import { ref } from 'vue';

export interface Toast {
  id: number;
  level: 'error' | 'info';
  text: string;
}

/** At most this many on screen; the oldest goes first. */
const MAX = 4;

export const useToasts = defineStore('toasts', () => {
  const items = ref<Toast[]>([]);
  let next = 1;
  function push(text: string, level: Toast['level'] = 'error'): void {
    // One failure can arrive twice (the command's answer and the bridge/event error that names the
    // action too): words already on screen, or contained in words on screen, are shown once.
    if (items.value.some((t) => t.text.includes(text) || text.includes(t.text))) return;
    items.value = [...items.value, { id: next++, level, text }].slice(-MAX);
  }
  function dismiss(id: number): void {
    items.value = items.value.filter((t) => t.id !== id);
  }
  return { items, push, dismiss };
});
