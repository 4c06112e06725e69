// The page's one live connection as a store: its status for the indicator, and `command`, which
// runs a plugin action (socket or REST; plugin, action, payload and answer typed from
// core/protocol) and turns a refusal into a toast in plain words (web/src/errors.ts), the server's behind "Details".
import { defineStore } from 'pinia';
import { computed, markRaw, ref } from 'vue';
import { createBrowserConnection } from '../live/browser.js';
import type { ActionName, AnswerFor, BuiltinPlugin, CommandArgs } from '../live/commands.js';
import { LiveError, type LiveStatus } from '../live/connection.js';
import { useAuth } from './auth.js';
import { useToasts } from './toasts.js';

export const useLive = defineStore('live', () => {
  const auth = useAuth();
  const toasts = useToasts();
  const conn = markRaw(createBrowserConnection(() => void auth.loggedOut()));
  const status = ref<LiveStatus>(conn.status);
  conn.onStatus((s) => (status.value = s));
  // Whether what the page shows is current: the socket is live, or polls keep reaching the server
  // (two in a row: see LiveStatus.pollsOk). Otherwise the views say "last known" and hold their controls.
  const reachable = computed(() => status.value.state === 'live' || (status.value.polling && status.value.pollsOk >= 2));
  // Errors the server reports to every page (bridge/event level error, bad input): no code, so
  // plain words say only that something failed; the server's words are the detail.
  conn.on('error', (data, msg) => toasts.error(msg.code, msg.message ?? data?.message ?? null));

  /** Runs a plugin's action (typed from core/protocol); resolves with the answer, or null after showing why it failed. */
  async function command<P extends BuiltinPlugin, A extends ActionName<P>>(
    plugin: P,
    action: A,
    ...args: CommandArgs<P, A>
  ): Promise<AnswerFor<P, A> | null> {
    try {
      return await conn.command(plugin, action, ...args);
    } catch (err) {
      if (err instanceof LiveError) toasts.error(err.code, err.message);
      else toasts.error('internal', err instanceof Error ? err.message : String(err));
      return null;
    }
  }

  return { conn, status, reachable, command };
});
