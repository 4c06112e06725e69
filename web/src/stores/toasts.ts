// Messages for the person: what went wrong in plain words (web/src/errors.ts), the technical words
// behind "Details". They leave by themselves (errors stay longer), and at most three are shown.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { explain } from '../errors.js';

export interface Toast {
  id: number;
  level: 'error' | 'info';
  text: string;
  /** The server's own words, behind "Details"; null when there is nothing more to say. */
  detail: string | null;
  /** Its words come from an error code (not a bare bridge/event error, which has none). */
  coded: boolean;
}

/** At most this many on screen; the oldest goes first. */
const MAX = 3;
/** How long a toast stays: long enough to read an error twice, an info once. */
export const TOAST_MS: Record<Toast['level'], number> = { error: 10_000, info: 5000 };

export const useToasts = defineStore('toasts', () => {
  const items = ref<Toast[]>([]);
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  let next = 1;

  function show(level: Toast['level'], text: string, detail: string | null, coded: boolean): void {
    // One failure can arrive twice (the command's answer and the bridge/event error that names the
    // action too): words already on screen, or contained in words on screen, are shown once, in
    // the words of the one that came with a code.
    const words = detail ?? text;
    const same = items.value.find((t) => (t.detail ?? t.text).includes(words) || words.includes(t.detail ?? t.text));
    if (same) {
      if (coded && !same.coded) items.value = items.value.map((t) => (t === same ? { ...t, text, detail, coded } : t));
      return;
    }
    const id = next++;
    const kept = [...items.value, { id, level, text, detail, coded }];
    for (const gone of kept.slice(0, Math.max(0, kept.length - MAX))) dismiss(gone.id);
    items.value = kept.slice(-MAX);
    timers.set(
      id,
      setTimeout(() => dismiss(id), TOAST_MS[level]),
    );
  }

  /** A failure by its code (core/protocol's error codes, or the page's) and the technical message. */
  function error(code: string | null | undefined, message: string | null | undefined, subject?: string): void {
    const plain = explain(code, message);
    show('error', subject ? `${subject}: ${plain.text}` : plain.text, plain.detail, !!code);
  }

  /** Plain words the page wrote itself. */
  function info(text: string): void {
    show('info', text, null, true);
  }

  function dismiss(id: number): void {
    clearTimeout(timers.get(id));
    timers.delete(id);
    items.value = items.value.filter((t) => t.id !== id);
  }
  return { items, error, info, dismiss };
});
