// The loop queue (loop_updated, from the socket or the REST poll, in the contract's shape). A drag
// is applied at once and rolled back, with the server's reason, when the loop refuses it.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { LoopItem, LoopState, RequestFor } from '../../../core/protocol/index.js';
import type { LiveError } from '../live/connection.js';
import { useLive } from './live.js';
import { useToasts } from './toasts.js';

export const useLoop = defineStore('loop', () => {
  const live = useLive();
  const toasts = useToasts();
  const state = ref<LoopState | null>(null);
  const items = computed<LoopItem[]>(() => state.value?.items ?? []);
  const active = computed(() => state.value?.active ?? null);
  const slugs = computed(() => items.value.map((i) => i.slug));

  live.conn.subscribe('dashboard');
  live.conn.on('loop_updated', (d) => (state.value = d));

  /** Puts the queue in this order now; back as it was if the loop refuses. */
  async function reorder(order: string[]): Promise<void> {
    const before = state.value;
    if (!before) return;
    const bySlug = new Map(before.items.map((i) => [i.slug, i]));
    state.value = { ...before, items: order.map((s) => bySlug.get(s)).filter((i): i is LoopItem => !!i) };
    const ok = await live.conn.command('loop', 'reorder', { loop: order }).then(
      () => true,
      (err: LiveError) => {
        toasts.error(err.code, err.message, 'The new order was not kept');
        return false;
      },
    );
    // Roll back only if nothing newer arrived meanwhile (an event is the server's truth).
    if (!ok && state.value?.items.map((i) => i.slug).join() === order.join()) state.value = before;
  }

  async function move(from: number, to: number): Promise<void> {
    const order = [...slugs.value];
    if (to < 0 || to >= order.length || from === to) return;
    const [s] = order.splice(from, 1);
    if (s === undefined) return;
    order.splice(to, 0, s);
    await reorder(order);
  }

  const remove = (slug: string) => live.command('loop', 'remove', { slug });
  const add = (slug: string) => live.command('loop', 'add', { slug });
  const activate = (slug: string) => live.command('loop', 'activate', { slug });
  const setItem = (slug: string, patch: Omit<RequestFor<'loop', 'item'>, 'slug'>) => live.command('loop', 'item', { slug, ...patch });

  return { state, items, active, slugs, reorder, move, remove, add, activate, setItem };
});
