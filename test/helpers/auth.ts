// Requests as a browser or an attacker would send them: any Host, Origin, Cookie or body type
// (node:http, because fetch may not set Host), and claiming (with the setup code from the data dir)
// and logging in as the owner of a test Loop.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown> | null;
}

export function raw(
  method: string,
  url: string,
  opts: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawAnswer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method,
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        headers: { ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}), ...opts.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let json: Record<string, unknown> | null = null;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = null;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** `loop_session=...` from a Set-Cookie answer (null when none). */
export function sessionFrom(a: RawAnswer): string | null {
  const set = ([] as string[]).concat(a.headers['set-cookie'] ?? []);
  const c = set.find((s) => s.startsWith('loop_session='));
  const value = c?.split(';')[0] ?? null;
  return value && value !== 'loop_session=' ? value : null;
}

/** Headers of the device's own page: its Origin, a JSON body, and the session when given. */
export const own = (base: string, cookie?: string | null): Record<string, string> => ({
  origin: base,
  'content-type': 'application/json',
  ...(cookie ? { cookie } : {}),
});

export const OWNER_PASSWORD = 'correct horse battery';

/** The setup code the device's screen shows, read where Loop keeps it (<data dir>/auth/setup-code). */
export const setupCode = (dataDir: string): string => readFileSync(join(dataDir, 'auth', 'setup-code'), 'utf8').trim();

/** Claims a fresh device (onboarding, with the code from its screen) and answers the session cookie. */
export async function claim(loop: { http: string; dataDir: string }, password = OWNER_PASSWORD): Promise<string> {
  const base = loop.http;
  const body = JSON.stringify({ password, code: setupCode(loop.dataDir) });
  const a = await raw('POST', `${base}/api/auth/onboard`, { headers: own(base), body });
  const c = sessionFrom(a);
  if (a.status !== 200 || !c) throw new Error(`onboarding failed: ${a.status} ${a.text}`);
  return c;
}

export async function login(base: string, password = OWNER_PASSWORD): Promise<string> {
  const a = await raw('POST', `${base}/api/auth/login`, { headers: own(base), body: JSON.stringify({ password }) });
  const c = sessionFrom(a);
  if (a.status !== 200 || !c) throw new Error(`login failed: ${a.status} ${a.text}`);
  return c;
}

export async function makeToken(base: string, cookie: string, name = 'test'): Promise<{ id: string; token: string }> {
  const a = await raw('POST', `${base}/api/auth/tokens`, { headers: own(base, cookie), body: JSON.stringify({ name }) });
  if (a.status !== 200) throw new Error(`token: ${a.status} ${a.text}`);
  return (a.json as { data: { id: string; token: string } }).data;
}
