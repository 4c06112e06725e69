// The loop queue (loop_updated; the dashboard's slug list while polling). A drag is applied at
// once and rolled back, with the server's reason, when the loop refuses it.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { Dashboard, LoopItem, LoopState } from '../../../core/protocol/index.js';
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
  live.conn.on('loop_updated', (d) => {
    const { loop: _legacy, ...rest } = d;
    state.value = rest;
  });
  const applyDashboard = (d: Dashboard): void => {
    // The summary has the order and the active item; per-item settings are kept from what we knew.
    const known = new Map(items.value.map((i) => [i.slug, i]));
    const next = d.loop.map((slug) => known.get(slug) ?? { slug, repeat: null, duration: null });
    if (state.value) state.value = { ...state.value, items: next, active: d.active, current_index: d.status.player.loop_index };
    else
      state.value = {
        items: next,
        active: d.active,
        current_index: d.status.player.loop_index,
        mode: d.status.player.loop_mode,
        repeat: 1,
        image_duration: 10,
        shuffle: false,
        order: d.loop,
        cue: 0,
        updated_at: new Date(d.last_updated * 1000).toISOString(),
      };
  };
  live.conn.on('dashboard_update', applyDashboard);
  live.conn.on('initial_dashboard', applyDashboard);

  /** Puts the queue in this order now; back as it was if the loop refuses. */
  async function reorder(order: string[]): Promise<void> {
    const before = state.value;
    if (!before) return;
    const bySlug = new Map(before.items.map((i) => [i.slug, i]));
    state.value = { ...before, items: order.map((s) => bySlug.get(s)).filter((i): i is LoopItem => !!i) };
    const ok = await live.conn.request('loop/reorder', { loop: order }).then(
      () => true,
      (err: Error) => {
        toasts.push(`The new order was not kept: ${err.message}`);
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

  const remove = (slug: string) => live.command('loop/remove', { slug });
  const add = (slug: string) => live.command('loop/add', { slug });
  const activate = (slug: string) => live.command('loop/activate', { slug });
  const setItem = (slug: string, patch: { repeat?: number | null; duration?: number | null }) =>
    live.command('loop/item', { slug, ...patch });

  return { state, items, active, slugs, reorder, move, remove, add, activate, setItem };
});
