// Whether this page must log in (issue 12's API): GET /api/auth/status; a server without that
// route (404) has no authentication, which is mode "off". The password is never stored.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

export type AuthMode = 'off' | 'onboarding' | 'on' | 'locked';
interface Status {
  mode: AuthMode;
  /** Claiming asks for the setup code shown on the device's screen. */
  claim_code?: boolean;
  logged_in: boolean;
}
interface Env<T> {
  success?: boolean;
  data?: T;
  message?: string;
}

async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json().catch(() => null)) as Env<T> | null;
  if (!res.ok || !json || json.success === false) throw new Error(json?.message ?? `HTTP ${res.status}`);
  return json.data as T;
}

export const useAuth = defineStore('auth', () => {
  const mode = ref<AuthMode>('off');
  const loggedIn = ref(true);
  const checked = ref(false);
  const claimCode = ref(true);
  // Locked (a damaged auth file on the device): the login view says so and how to repair it.
  const needsLogin = computed(() => mode.value === 'onboarding' || mode.value === 'locked' || (mode.value === 'on' && !loggedIn.value));

  /** Asks the server; resolves false when it could not be asked. */
  async function check(): Promise<boolean> {
    let reached = false;
    try {
      const res = await fetch('/api/auth/status', { credentials: 'same-origin', headers: { accept: 'application/json' } });
      reached = res.status === 404 || res.ok;
      if (res.status === 404) {
        mode.value = 'off';
        loggedIn.value = true;
      } else if (res.ok) {
        const json = (await res.json()) as Env<Status>;
        mode.value = json.data?.mode ?? 'off';
        claimCode.value = json.data?.claim_code ?? true;
        loggedIn.value = json.data?.logged_in ?? false;
      }
    } catch {
      // Unreachable: keep what we knew; the live connection shows the state of the link.
    }
    checked.value = true;
    return reached;
  }

  /** A REST 401 or a socket closed with 4401. It may be an old session just replaced (a password
   * change ends every session but renews this page's cookie), so the server is asked first. */
  async function loggedOut(): Promise<void> {
    if (await check()) return;
    if (mode.value === 'off') mode.value = 'on';
    loggedIn.value = false;
  }

  /** Logs in; while onboarding, claims the device with the code from its screen. */
  async function login(password: string, code = ''): Promise<void> {
    if (mode.value === 'onboarding') await post('/api/auth/onboard', claimCode.value ? { password, code } : { password });
    else await post('/api/auth/login', { password });
    await check();
  }

  async function logout(): Promise<void> {
    await post('/api/auth/logout', {});
    await check();
  }

  return { mode, loggedIn, checked, claimCode, needsLogin, check, loggedOut, login, logout };
});
