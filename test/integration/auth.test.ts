// The owner, sessions and API tokens, told as a person (or a script, or an attacker) meets them:
// a fresh device is claimed by its first visitor, logins are throttled, tokens work until revoked,
// the CLI changes things under a running Loop, and /ws and /mqtt check who is knocking.
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { frameText } from '../../core/util/text.js';
import { claim, login, makeToken, own, OWNER_PASSWORD, raw, sessionFrom, setupCode } from '../helpers/auth.js';
import { startTestLoop, type TestLoop } from '../helpers/loop.js';
import { runCli as cli } from '../helpers/process.js';
import { until, withDeadline } from '../helpers/wait.js';

type Opened =
  { opened: true; ws: WebSocket; messages: Array<Record<string, unknown>>; closed: Promise<number> } | { opened: false; status: number };

/** Opens a WebSocket with the given headers; answers what a client sees (the upgrade's status, or the socket). */
function openWs(url: string, headers: Record<string, string> = {}, protocol?: string): Promise<Opened> {
  return withDeadline(
    new Promise<Opened>((resolve, reject) => {
      const ws = new WebSocket(url, protocol ? [protocol] : [], { headers });
      const messages: Array<Record<string, unknown>> = [];
      ws.on('message', (d) => messages.push(JSON.parse(frameText(d)) as Record<string, unknown>));
      const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
      ws.once('open', () => resolve({ opened: true, ws, messages, closed }));
      ws.once('unexpected-response', (_req, res) => resolve({ opened: false, status: res.statusCode ?? 0 }));
      ws.once('error', (e) => reject(e));
    }),
    5000,
    `WebSocket ${url}`,
  );
}

const waitFor = async (o: Opened, type: string): Promise<Record<string, unknown>> => {
  if (!o.opened) throw new Error('not open');
  let hit: Record<string, unknown> | undefined;
  await until(() => !!(hit = o.messages.find((m) => m.type === type)), 5000, `a ${type} message`);
  return hit as Record<string, unknown>;
};

describe('auth: the owner, sessions and API tokens', function () {
  this.timeout(60_000);
  let loop: TestLoop;
  afterEach(async () => loop?.stop());

  it('a fresh device is open and says so; the first visitor claims it, and a second cannot', async () => {
    loop = await startTestLoop({ auth: { mode: 'on' } });
    const b = loop.http;
    const before = await raw('GET', `${b}/api/auth/status`);
    expect((before.json?.data as Record<string, unknown>).mode).to.equal('onboarding');
    expect((await raw('GET', `${b}/api/dashboard`)).status, 'open until claimed').to.equal(200);
    const info = loop.runtime.bridgeInfo();
    expect(info.auth?.mode).to.equal('onboarding');

    const weak = await raw('POST', `${b}/api/auth/onboard`, { headers: own(b), body: JSON.stringify({ password: 'short' }) });
    expect(weak.status).to.equal(400);
    const cookie = await claim(loop);
    expect(loop.runtime.bridgeInfo().auth?.mode).to.equal('on');
    const second = await raw('POST', `${b}/api/auth/onboard`, { headers: own(b), body: JSON.stringify({ password: 'mine now, thanks' }) });
    expect(second.status, 'a second visitor cannot re-claim').to.equal(401);
    const again = await raw('POST', `${b}/api/auth/onboard`, {
      headers: own(b, cookie),
      body: JSON.stringify({ password: 'mine now, thanks' }),
    });
    expect(again.status, 'not even the owner: it is a password change').to.equal(409);

    expect((await raw('GET', `${b}/api/dashboard`)).status).to.equal(401);
    // The page's state document (its polling fallback) holds the same as the dashboard: login only.
    expect((await raw('GET', `${b}/api/state`)).status).to.equal(401);
    expect((await raw('GET', `${b}/api/dashboard`, { headers: { cookie } })).status).to.equal(200);
    const status = await raw('GET', `${b}/api/auth/status`);
    expect(status.json?.data).to.deep.equal({ mode: 'on', claim_code: true, logged_in: false });
    expect((await raw('GET', `${b}/api/auth/status`, { headers: { cookie } })).json?.data).to.deep.equal({
      mode: 'on',
      claim_code: true,
      logged_in: true,
    });
  });

  it('the session cookie is HttpOnly, SameSite=Strict, Path=/, expires, and is not Secure over plain http', async () => {
    loop = await startTestLoop({ auth: { mode: 'on' } });
    const a = await raw('POST', `${loop.http}/api/auth/onboard`, {
      headers: own(loop.http),
      body: JSON.stringify({ password: OWNER_PASSWORD, code: setupCode(loop.dataDir) }),
    });
    const set = String(a.headers['set-cookie']);
    expect(set).to.match(/^loop_session=[A-Za-z0-9_-]{43};/);
    expect(set)
      .to.include('HttpOnly')
      .and.include('SameSite=Strict')
      .and.include('Path=/')
      .and.match(/Max-Age=\d+/);
    expect(set).not.to.include('Secure');
  });

  it('a wrong password is refused, the right one logs in, and logout ends that session', async () => {
    loop = await startTestLoop({ auth: { mode: 'on' } });
    const b = loop.http;
    await claim(loop);
    const wrong = await raw('POST', `${b}/api/auth/login`, { headers: own(b), body: JSON.stringify({ password: 'not it at all' }) });
    expect(wrong.status).to.equal(401);
    expect(sessionFrom(wrong)).to.equal(null);
    const cookie = await login(b);
    expect((await raw('GET', `${b}/api/system`, { headers: { cookie } })).status).to.equal(200);
    const out = await raw('POST', `${b}/api/auth/logout`, { headers: own(b, cookie) });
    expect(out.status).to.equal(200);
    expect(String(out.headers['set-cookie'])).to.match(/loop_session=;.*Max-Age=0/);
    expect((await raw('GET', `${b}/api/system`, { headers: { cookie } })).status, 'the old cookie is dead').to.equal(401);
  });

  it('brute force: after five wrong passwords the address must wait (429 with Retry-After), even with the right one', async () => {
    loop = await startTestLoop({ auth: { mode: 'on' } });
    const b = loop.http;
    await claim(loop);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push(
        (await raw('POST', `${b}/api/auth/login`, { headers: own(b), body: JSON.stringify({ password: `guess number ${i}` }) })).status,
      );
    }
    expect(statuses.slice(0, 5)).to.deep.equal([401, 401, 401, 401, 401]);
    expect(statuses[5]).to.equal(429);
    const right = await raw('POST', `${b}/api/auth/login`, { headers: own(b), body: JSON.stringify({ password: OWNER_PASSWORD }) });
    expect(right.status).to.equal(429);
    expect(Number(right.headers['retry-after'])).to.be.greaterThan(0);
    expect(sessionFrom(right)).to.equal(null);
  });

  it('a token works without Origin (a script), a revoked one does not, and the list never shows a secret', async () => {
    loop = await startTestLoop({ auth: { mode: 'on' } });
    const b = loop.http;
    const cookie = await claim(loop);
    const { id, token } = await makeToken(b, cookie, 'Home Assistant');
    expect(token).to.match(/^loop_[A-Za-z0-9_-]{43}$/);
    const bearer = { authorization: `Bearer ${token}` };
    expect((await raw('GET', `${b}/api/dashboard`, { headers: bearer })).status).to.equal(200);
    const post = await raw('POST', `${b}/api/actions/system/health`, {
      headers: { ...bearer, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(post.status, post.text).to.equal(200);
    expect(
      (await raw('POST', `${b}/api/actions/system/health`, { headers: { cookie, 'content-type': 'application/json' }, body: '{}' })).status,
      'a cookie without Origin is not enough for a change',
    ).to.equal(403);
    const list = await raw('GET', `${b}/api/auth/tokens`, { headers: { cookie } });
    expect(list.text).not.to.include(token);
    expect((list.json?.data as Array<Record<string, unknown>>)[0]).to.include({ id, name: 'Home Assistant' });
    // A token drives Loop; it does not manage who gets in (a leaked one cannot outlive its revocation).
    const json = { ...bearer, 'content-type': 'application/json' };
    const mint = await raw('POST', `${b}/api/auth/tokens`, { headers: json, body: JSON.stringify({ name: 'mine now' }) });
    expect(mint.status, mint.text).to.equal(403);
    expect(mint.json?.message).to.match(/log in as the owner/);
    expect((await raw('GET', `${b}/api/auth/tokens`, { headers: bearer })).status).to.equal(403);
    expect((await raw('DELETE', `${b}/api/auth/tokens/${id}`, { headers: bearer })).status).to.equal(403);
    const pw = await raw('POST', `${b}/api/auth/password`, {
      headers: json,
      body: JSON.stringify({ current: OWNER_PASSWORD, password: 'taken over by a script' }),
    });
    expect(pw.status, pw.text).to.equal(403);
    expect((await raw('GET', `${b}/api/auth/tokens`, { headers: { cookie } })).json?.data, 'still one token').to.have.length(1);
    expect((await raw('DELETE', `${b}/api/auth/tokens/${id}`, { headers: own(b, cookie) })).status).to.equal(200);
    expect((await raw('GET', `${b}/api/dashboard`, { headers: bearer })).status).to.equal(401);
    expect(
      (await raw('GET', `${b}/api/dashboard`, { headers: { authorization: 'Bearer loop_not-a-real-token-at-all-000000000' } })).status,
    ).to.equal(401);
  });

  it('changing the password ends every other session', async () => {
    loop = await startTestLoop({ auth: { mode: 'on' } });
    const b = loop.http;
    const phone = await claim(loop);
    const laptop = await login(b);
    const wrong = await raw('POST', `${b}/api/auth/password`, {
      headers: own(b, laptop),
      body: JSON.stringify({ current: 'nope nope nope', password: 'a whole new one' }),
    });
    expect(wrong.status).to.equal(403);
    const changed = await raw('POST', `${b}/api/auth/password`, {
      headers: own(b, laptop),
      body: JSON.stringify({ current: OWNER_PASSWORD, password: 'a whole new one' }),
    });
    expect(changed.status).to.equal(200);
    const fresh = sessionFrom(changed);
    expect((await raw('GET', `${b}/api/system`, { headers: { cookie: phone } })).status).to.equal(401);
    expect((await raw('GET', `${b}/api/system`, { headers: { cookie: fresh as string } })).status).to.equal(200);
    await login(b, 'a whole new one');
  });

  it('the CLI makes and revokes tokens and resets the owner password while Loop runs', async () => {
    loop = await startTestLoop({ auth: { mode: 'on' } });
    const b = loop.http;
    const cookie = await claim(loop);
    const made = await cli(loop.dataDir, ['token', 'create', 'node-red']);
    expect(made.code, made.out).to.equal(0);
    const token = /loop_[A-Za-z0-9_-]{43}/.exec(made.out)?.[0] as string;
    await until(
      async () => (await raw('GET', `${b}/api/dashboard`, { headers: { authorization: `Bearer ${token}` } })).status === 200,
      5000,
      'the CLI token to work',
    );
    const list = await cli(loop.dataDir, ['token', 'list']);
    expect(list.out).to.include('"node-red"').and.not.include(token);
    const id = list.out.split(/\s+/)[0] as string;
    expect((await cli(loop.dataDir, ['token', 'revoke', id])).code).to.equal(0);
    await until(
      async () => (await raw('GET', `${b}/api/dashboard`, { headers: { authorization: `Bearer ${token}` } })).status === 401,
      5000,
      'the revoked token to stop working',
    );

    const reset = await cli(loop.dataDir, ['passwd', '--owner'], 'forgot it, new one\n');
    expect(reset.code, reset.out).to.equal(0);
    await until(async () => (await raw('GET', `${b}/api/system`, { headers: { cookie } })).status === 401, 5000, 'the old session to end');
    await login(b, 'forgot it, new one');
    expect((await cli(loop.dataDir, ['passwd', '--owner'], 'short\n')).code, 'too short').to.not.equal(0);
  });

  it('sessions and tokens survive a restart; the files are 0600 in 0700 folders and hold only digests', async () => {
    loop = await startTestLoop({ auth: { mode: 'on' }, plugins: ['system', 'loop'] });
    const dataDir = loop.dataDir;
    const cookie = await claim(loop);
    const { token } = await makeToken(loop.http, cookie);
    const mode = await raw('POST', `${loop.http}/api/playback/loop-mode`, {
      headers: own(loop.http, cookie),
      body: JSON.stringify({ loop_mode: 'one' }),
    });
    expect(mode.status, mode.text).to.equal(200);
    await loop.stop();
    loop = await startTestLoop({ auth: { mode: 'on' }, plugins: ['system', 'loop'] }, { dataDir });
    expect((await raw('GET', `${loop.http}/api/system`, { headers: { cookie } })).status).to.equal(200);
    expect((await raw('GET', `${loop.http}/api/system`, { headers: { authorization: `Bearer ${token}` } })).status).to.equal(200);
    expect(statSync(dataDir).mode & 0o777).to.equal(0o700);
    const authDir = join(dataDir, 'auth');
    expect(statSync(authDir).mode & 0o777).to.equal(0o700);
    for (const f of readdirSync(authDir)) {
      expect(statSync(join(authDir, f)).mode & 0o777, f).to.equal(0o600);
      const text = readFileSync(join(authDir, f), 'utf8');
      expect(text).not.to.include(token.slice(5)).and.not.include(cookie.split('=')[1]).and.not.include(OWNER_PASSWORD);
    }
    const state = readdirSync(join(dataDir, 'state'));
    expect(state.length).to.be.greaterThan(0);
    for (const f of state) expect(statSync(join(dataDir, 'state', f)).mode & 0o777, f).to.equal(0o600);
  });

  it("a Host that is not one of the device's names is 421 for the API (DNS rebinding), a redirect home for page visits; configured names and localhost work", async () => {
    loop = await startTestLoop({ auth: { mode: 'off' }, http: { allowed_hosts: ['loop.example.lan'] } });
    const b = loop.http;
    const port = new URL(b).port;
    expect((await raw('GET', `${b}/api/dashboard`, { headers: { host: `attacker.example:${port}` } })).status).to.equal(421);
    expect((await raw('GET', `${b}/api/health`, { headers: { host: `attacker.example:${port}` } })).status).to.equal(421);
    expect((await raw('GET', `${b}/api/dashboard`, { headers: { host: `loop.example.lan:${port}` } })).status).to.equal(200);
    // A page visit under a foreign name (a captive-portal probe) is sent to the device's address.
    const probe = await raw('GET', `${b}/generate_204`, { headers: { host: 'connectivitycheck.gstatic.com' } });
    expect(probe.status).to.equal(302);
    expect(probe.headers.location).to.equal(`http://127.0.0.1:${port}/`);
    expect((await raw('POST', `${b}/`, { headers: { host: `attacker.example:${port}` } })).status).to.equal(421);
    expect((await raw('GET', `${b}/api/dashboard`, { headers: { host: `localhost:${port}` } })).status).to.equal(200);
    const ws = await openWs(`${loop.ws}`, { host: `attacker.example:${port}` });
    expect(ws.opened ? 101 : ws.status).to.equal(421);
  });

  it('cors_origins: a listed origin may use the owner\'s cookie; "*" never carries credentials, only a token', async () => {
    loop = await startTestLoop({ auth: { mode: 'on' }, http: { cors_origins: ['http://panel.example', '*'] } });
    const b = loop.http;
    const cookie = await claim(loop);
    const { token } = await makeToken(b, cookie);
    const listed = await raw('GET', `${b}/api/system`, { headers: { origin: 'http://panel.example', cookie } });
    expect(listed.status).to.equal(200);
    expect(listed.headers['access-control-allow-origin']).to.equal('http://panel.example');
    expect(listed.headers['access-control-allow-credentials']).to.equal('true');
    const any = await raw('GET', `${b}/api/system`, { headers: { origin: 'http://anyone.example', cookie } });
    expect(any.status, 'the cookie does not count from an unlisted origin').to.equal(401);
    expect(any.headers['access-control-allow-credentials']).to.equal(undefined);
    const post = await raw('POST', `${b}/api/actions/system/health`, {
      headers: { origin: 'http://anyone.example', cookie, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(post.status).to.equal(401);
    const withToken = await raw('POST', `${b}/api/actions/system/health`, {
      headers: { origin: 'http://anyone.example', authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(withToken.status).to.equal(200);
    const ws = await openWs(loop.ws, { origin: 'http://anyone.example', cookie });
    if (!ws.opened) throw new Error('refused');
    ws.ws.send(JSON.stringify({ type: 'subscribe', room: 'system' }));
    expect(await withDeadline(ws.closed, 3000, 'close'), 'the cookie does not open /ws from "*"').to.equal(4401);
  });

  it("only JSON bodies: text/plain, forms and empty text bodies are 415 even from the device's own page", async () => {
    loop = await startTestLoop({ auth: { mode: 'on' } });
    const b = loop.http;
    const cookie = await claim(loop);
    for (const [type, body] of [
      ['text/plain', '{}'],
      ['text/plain', ''],
      ['application/x-www-form-urlencoded', 'a=b'],
      ['multipart/form-data; boundary=x', '--x--'],
    ] as const) {
      const a = await raw('POST', `${b}/api/actions/system/health`, { headers: { origin: b, cookie, 'content-type': type }, body });
      expect(a.status, `${type} ${JSON.stringify(body)}`).to.equal(415);
    }
    expect((await raw('POST', `${b}/api/actions/system/health`, { headers: own(b, cookie), body: '{}' })).status).to.equal(200);
  });

  it('the page gets a strict CSP, nosniff, no framing and a Referrer-Policy; secrets of the device need a login', async () => {
    loop = await startTestLoop({ auth: { mode: 'on' } });
    const b = loop.http;
    await claim(loop);
    const page = await raw('GET', `${b}/`);
    expect(page.status).to.equal(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp)
      .to.include("default-src 'self'")
      .and.include("frame-ancestors 'none'")
      .and.include("script-src 'self'")
      .and.not.include('unsafe-inline');
    expect(page.headers['x-content-type-options']).to.equal('nosniff');
    expect(page.headers['referrer-policy']).to.equal('same-origin');
    expect(page.text).not.to.match(/<script(?![^>]*\bsrc=)|<style|\son\w+=/i);
    for (const path of ['/api/docs/json', '/api/docs', '/api/system', '/api/dashboard', '/api/nope', '/media/files/clips/x.mp4']) {
      const a = await raw('GET', `${b}${path}`);
      expect(a.status, path).to.equal(401);
      expect(a.text, path).not.to.include(loop.dataDir);
    }
    const health = await raw('GET', `${b}/api/health`);
    expect(Object.keys(health.json ?? {}).sort()).to.deep.equal(['mqtt_connected', 'status', 'uptime', 'version']);
  });

  describe('/ws and /mqtt upgrades', () => {
    it('the own page with a session gets in at once; a token as first message gets in; nothing or a bad token closes with 4401', async () => {
      loop = await startTestLoop({ auth: { mode: 'on' }, gateway: { auth_timeout_ms: 1000 } });
      const b = loop.http;
      const cookie = await claim(loop);
      const { token } = await makeToken(b, cookie);

      const page = await openWs(loop.ws, { origin: b, cookie });
      await waitFor(page, 'initial_dashboard');

      const script = await openWs(loop.ws);
      if (!script.opened) throw new Error('refused');
      expect(script.messages).to.deep.equal([]);
      script.ws.send(JSON.stringify({ type: 'auth', data: { token } }));
      await waitFor(script, 'auth_response');
      await waitFor(script, 'initial_dashboard');

      const bad = await openWs(loop.ws);
      if (!bad.opened) throw new Error('refused');
      bad.ws.send(JSON.stringify({ type: 'auth', data: { token: 'loop_wrong' } }));
      expect(await withDeadline(bad.closed, 3000, 'close')).to.equal(4401);
      expect(bad.messages.some((m) => m.type === 'initial_dashboard')).to.equal(false);

      const cookieNoOrigin = await openWs(loop.ws, { cookie });
      if (!cookieNoOrigin.opened) throw new Error('refused');
      cookieNoOrigin.ws.send(JSON.stringify({ type: 'subscribe', room: 'dashboard' }));
      expect(await withDeadline(cookieNoOrigin.closed, 3000, 'close'), 'a cookie without Origin is not a browser: token needed').to.equal(
        4401,
      );

      const silent = await openWs(loop.ws);
      if (!silent.opened) throw new Error('refused');
      expect(await withDeadline(silent.closed, 8000, 'auth timeout close')).to.equal(4401);
      for (const o of [page, script]) if (o.opened) o.ws.close();
    });

    it('sockets end with what let them in: claiming the device (1012), logout and a revoked token (4401)', async () => {
      loop = await startTestLoop({ auth: { mode: 'on' } });
      const b = loop.http;
      const early = await openWs(loop.ws);
      await waitFor(early, 'initial_dashboard');
      if (!early.opened) throw new Error('refused');
      const cookie = await claim(loop);
      expect(await withDeadline(early.closed, 3000, 'close of a socket from before the claim')).to.equal(1012);

      const { id, token } = await makeToken(b, cookie);
      const page = await openWs(loop.ws, { origin: b, cookie });
      const script = await openWs(loop.ws);
      if (!page.opened || !script.opened) throw new Error('refused');
      script.ws.send(JSON.stringify({ type: 'auth', data: { token } }));
      await waitFor(script, 'initial_dashboard');
      await waitFor(page, 'initial_dashboard');

      expect((await raw('DELETE', `${b}/api/auth/tokens/${id}`, { headers: own(b, cookie) })).status).to.equal(200);
      expect(await withDeadline(script.closed, 3000, "close of the revoked token's socket")).to.equal(4401);
      expect(page.ws.readyState, "the page's socket stays").to.equal(WebSocket.OPEN);
      await raw('POST', `${b}/api/auth/logout`, { headers: own(b, cookie) });
      expect(await withDeadline(page.closed, 3000, "close of the logged-out page's socket")).to.equal(4401);
    });

    it('a foreign Origin is refused at upgrade on /ws and /mqtt, with or without a session', async () => {
      loop = await startTestLoop({ auth: { mode: 'on' } });
      const b = loop.http;
      const cookie = await claim(loop);
      const mqttUrl = loop.ws.replace(/\/ws$/, '/mqtt');
      for (const url of [loop.ws, mqttUrl]) {
        const o = await openWs(url, { origin: 'http://evil.example', cookie }, url.endsWith('/mqtt') ? 'mqtt' : undefined);
        expect(o.opened ? 101 : o.status, url).to.equal(403);
      }
      const mine = await openWs(mqttUrl, { origin: b }, 'mqtt');
      expect(mine.opened, 'the own page reaches the broker (which checks its own credentials)').to.equal(true);
      const tool = await openWs(mqttUrl, {}, 'mqtt');
      expect(tool.opened, 'a tool without Origin reaches the broker').to.equal(true);
      for (const o of [mine, tool]) if (o.opened) o.ws.close();
    });

    it('silent sockets cannot crowd out the page: past the small pending limit they get 503, the page still connects', async () => {
      loop = await startTestLoop({
        auth: { mode: 'on' },
        gateway: { max_connections: 4, max_unauthenticated: 8, auth_timeout_ms: 60_000 },
      });
      const b = loop.http;
      const cookie = await claim(loop);
      const silent: Opened[] = [];
      for (let i = 0; i < 8; i++) silent.push(await openWs(loop.ws));
      expect(silent.map((o) => (o.opened ? 101 : o.status))).to.deep.equal(new Array(8).fill(101));
      const ninth = await openWs(loop.ws);
      expect(ninth.opened ? 101 : ninth.status).to.equal(503);
      const page = await openWs(loop.ws, { origin: b, cookie });
      await waitFor(page, 'initial_dashboard');
      for (const o of [...silent, page]) if (o.opened) o.ws.terminate();
    });

    it("with auth off the first version's protocol is unchanged, and foreign pages are still refused", async () => {
      loop = await startTestLoop({ auth: { mode: 'off' } });
      const b = loop.http;
      expect((await raw('GET', `${b}/api/auth/status`)).json?.data).to.deep.equal({ mode: 'off', claim_code: true, logged_in: true });
      const ws = await openWs(loop.ws);
      const first = await waitFor(ws, 'connection');
      expect(first.status).to.equal('connected');
      await waitFor(ws, 'initial_dashboard');
      const json = { 'content-type': 'application/json' };
      expect(
        (await raw('POST', `${b}/api/actions/system/health`, { headers: json, body: '{}' })).status,
        'a script without Origin or token',
      ).to.equal(200);
      expect(
        (await raw('POST', `${b}/api/actions/system/health`, { headers: { ...json, origin: 'http://evil.example' }, body: '{}' })).status,
      ).to.equal(403);
      const evil = await openWs(loop.ws, { origin: 'http://evil.example' });
      expect(evil.opened ? 101 : evil.status).to.equal(403);
      expect(loop.runtime.bridgeInfo().auth?.mode).to.equal('off');
      if (ws.opened) ws.ws.close();
    });
  });
});
