// Walks the OpenAPI document and knocks on every route as four strangers would: no credentials,
// the owner's cookie from a foreign page, a text/plain "simple" request, a rebinding Host. Each
// must be refused, so a route added later cannot forget the guard.
import { expect } from 'chai';
import { claim, own, raw } from '../helpers/auth.js';
import { startTestLoop, type TestLoop } from '../helpers/loop.js';

const PUBLIC = new Set(['GET /api/health', 'GET /api/auth/status', 'POST /api/auth/login', 'POST /api/auth/logout']);
const STATE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Routes the document hides, that need the same protection. */
const HIDDEN = [
  ['GET', '/api/docs/json'],
  ['GET', '/api/docs'],
  ['GET', '/media/files/clips/x.mp4'],
  ['GET', '/media/files/thumbs/x.jpg'],
] as const;

describe('auth: every route in the OpenAPI document refuses strangers', function () {
  this.timeout(120_000);
  let loop: TestLoop;
  let cookie: string;
  let routes: Array<{ method: string; path: string }>;

  before(async () => {
    loop = await startTestLoop({
      auth: { mode: 'on' },
      plugins: ['system', 'player', 'loop', 'media'],
      player: { vo: 'null', ao: 'null', idle_screen: false },
    });
    cookie = await claim(loop);
    const doc = await raw('GET', `${loop.http}/api/docs/json`, { headers: { cookie } });
    expect(doc.status).to.equal(200);
    const paths = (doc.json as { paths: Record<string, Record<string, unknown>> }).paths;
    routes = Object.entries(paths).flatMap(([p, ops]) =>
      Object.keys(ops)
        .filter((m) => m !== 'parameters')
        .map((m) => ({
          method: m.toUpperCase(),
          // {slug} → a name no item has: the guard must answer before any handler looks it up.
          path: p.replace(/\{[^}]+\}/g, 'abc123'),
          key: `${m.toUpperCase()} ${p}`,
        })),
    );
    routes.push(...HIDDEN.map(([method, path]) => ({ method, path })));
  });
  after(async () => loop?.stop());

  const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    raw(method, `${loop.http}${path}`, { headers, ...(body !== undefined ? { body } : {}) });

  it("the document lists every plugin's routes (so the walk below is not vacuous)", () => {
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(routes.length).to.be.greaterThan(35);
    for (const k of [
      'POST /api/system/restart',
      'POST /api/playback/next',
      'POST /api/media',
      'DELETE /api/media/abc123',
      'POST /api/media/abc123/activate',
      'PUT /api/loop',
      'POST /api/auth/tokens',
      'POST /api/actions/abc123/abc123',
    ]) {
      expect(keys).to.include(k);
    }
  });

  it('without credentials: 401 everywhere but health, status, login and logout', async () => {
    const wrong: string[] = [];
    for (const r of routes) {
      const json: Record<string, string> = STATE.has(r.method) ? { 'content-type': 'application/json' } : {};
      const a = await send(r.method, r.path, json, STATE.has(r.method) ? '{}' : undefined);
      const publicRoute = [...PUBLIC].some((p) => p === `${r.method} ${r.path}`);
      if (publicRoute ? a.status === 401 : a.status !== 401) wrong.push(`${r.method} ${r.path} → ${a.status}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it("from a foreign page, even carrying the owner's cookie: 403 everywhere", async () => {
    const wrong: string[] = [];
    for (const r of routes) {
      const a = await send(
        r.method,
        r.path,
        { origin: 'http://127.0.0.1:1', cookie, 'content-type': 'application/json' },
        STATE.has(r.method) ? '{}' : undefined,
      );
      if (a.status !== 403) wrong.push(`${r.method} ${r.path} → ${a.status}`);
      const form = await send(
        r.method,
        r.path,
        { origin: 'null', cookie, 'content-type': 'text/plain' },
        STATE.has(r.method) ? 'x' : undefined,
      );
      if (form.status !== 403) wrong.push(`${r.method} ${r.path} (Origin: null) → ${form.status}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it('a simple request (text/plain or an empty text body) from the own page: 415 on every state-changing route', async () => {
    const wrong: string[] = [];
    for (const r of routes.filter((x) => STATE.has(x.method))) {
      for (const body of ['{}', '']) {
        const a = await send(r.method, r.path, { origin: loop.http, cookie, 'content-type': 'text/plain' }, body);
        if (a.status !== 415) wrong.push(`${r.method} ${r.path} ${JSON.stringify(body)} → ${a.status}`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it("a rebinding Host with the owner's cookie: 421 everywhere", async () => {
    const port = new URL(loop.http).port;
    const wrong: string[] = [];
    for (const r of routes) {
      const a = await send(
        r.method,
        r.path,
        { host: `rebind.example:${port}`, origin: `http://rebind.example:${port}`, cookie, 'content-type': 'application/json' },
        STATE.has(r.method) ? '{}' : undefined,
      );
      if (a.status !== 421) wrong.push(`${r.method} ${r.path} → ${a.status}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it('the owner on the own page passes the guard on every read (no 401/403/415/421)', async () => {
    const wrong: string[] = [];
    for (const r of routes.filter((x) => x.method === 'GET')) {
      const a = await send(r.method, r.path, own(loop.http, cookie));
      if ([401, 403, 415, 421].includes(a.status)) wrong.push(`${r.method} ${r.path} → ${a.status}`);
    }
    expect(wrong).to.deep.equal([]);
  });
});
