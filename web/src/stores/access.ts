// Who may use this device: the API tokens (for Home Assistant, scripts) and the owner password,
// over the auth REST routes (core/auth/routes.ts; shapes from core/protocol/auth.ts). A new token's
// secret is held only until the person leaves the view; it is never asked for again.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { NewToken, TokenInfo } from '../../../core/protocol/index.js';
import { useLive } from './live.js';

export const useAccess = defineStore('access', () => {
  const live = useLive();
  const tokens = ref<TokenInfo[] | null>(null);
  /** The token just made, with its secret: shown once. */
  const fresh = ref<NewToken | null>(null);

  async function load(): Promise<void> {
    tokens.value = await live.conn.rest<TokenInfo[]>('GET', '/api/auth/tokens');
  }
  async function create(name: string): Promise<void> {
    fresh.value = await live.conn.rest<NewToken>('POST', '/api/auth/tokens', { name });
    await load();
  }
  async function revoke(id: string): Promise<void> {
    await live.conn.rest('DELETE', `/api/auth/tokens/${encodeURIComponent(id)}`);
    if (fresh.value?.id === id) fresh.value = null;
    await load();
  }
  /** Changes the owner password; every other session ends (this one gets a new cookie). */
  async function changePassword(current: string, password: string): Promise<void> {
    await live.conn.rest('POST', '/api/auth/password', { current, password });
  }
  function forgetFresh(): void {
    fresh.value = null;
  }

  return { tokens, fresh, load, create, revoke, changePassword, forgetFresh };
});
