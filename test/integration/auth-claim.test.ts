// Claiming a device as its owner would, and as a neighbour on the LAN would try: the setup code
// from the device's screen is the proof of presence, the claim ends everything made while the
// device was open, and a damaged auth file locks the device instead of opening it (issue 18).
import { expect } from 'chai';
import { mkdirSync, readFileSync, writeFileSync, existsSync, statSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';
import { claim, own, OWNER_PASSWORD, raw, sessionFrom, setupCode } from '../helpers/auth.js';
import { startLoopProcess, startTestLoop, tempDir, type LoopProcess, type TestLoop } from '../helpers/loop.js';
import { skipBecause } from '../helpers/skip.js';
import { runCli as cli } from '../helpers/process.js';
import { until } from '../helpers/wait.js';

const onboard = (base: string, body: Record<string, unknown>) =>
  raw('POST', `${base}/api/auth/onboard`, { headers: own(base), body: JSON.stringify(body) });
const modeOf = async (base: string) => ((await raw('GET', `${base}/api/auth/status`)).json?.data as { mode: string }).mode;

/** A data dir whose auth/owner.json holds `text`, as a truncated write or a bad edit would leave it. */
function dataDirWith(file: string, text: string): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'auth'), { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'auth', file), text, { mode: 0o600 });
  return dir;
}

const OWNER = JSON.stringify({ password_hash: 'scrypt$16384$8$1$c2FsdA$aGFzaA', changed_at: '2026-01-01T00:00:00.000Z' });

describe('auth: claiming needs the code on the screen, ends the open window, and fails closed', function () {
  this.timeout(60_000);
  let loop: TestLoop | undefined;
  let proc: LoopProcess | undefined;
  afterEach(async () => {
    await loop?.stop();
    await proc?.stop();
    loop = undefined;
    proc = undefined;
  });

  it('a claim without the code, or with a wrong one, is refused and changes nothing; the right one (typed loosely) claims, and the code changes', async () => {
    loop = await startTestLoop({ auth: { mode: 'on' } });
    const b = loop.http;
    const code = setupCode(loop.dataDir);
    expect(code).to.match(/^[A-HJKMNP-Z2-9]{8}$/);
    expect(statSync(join(loop.dataDir, 'auth', 'setup-code')).mode & 0o777, 'the code is 0600').to.equal(0o600);

    const none = await onboard(b, { password: OWNER_PASSWORD });
    expect(none.status, none.text).to.equal(403);
    expect(none.json?.message).to.match(/setup code/);
    const wrong = await onboard(b, { password: OWNER_PASSWORD, code: code === 'AAAAAAAA' ? 'BBBBBBBB' : 'AAAAAAAA' });
    expect(wrong.status).to.equal(403);
    expect(sessionFrom(wrong)).to.equal(null);
    expect(await modeOf(b), 'still unclaimed').to.equal('onboarding');
    expect(existsSync(join(loop.dataDir, 'auth', 'owner.json')), 'no owner written').to.equal(false);

    const typed = `${code.slice(0, 4).toLowerCase()}-${code.slice(4).toLowerCase()}`;
    const right = await onboard(b, { password: OWNER_PASSWORD, code: typed });
    expect(right.status, right.text).to.equal(200);
    expect(await modeOf(b)).to.equal('on');
    expect(setupCode(loop.dataDir), 'the code seen on the screen is spent').to.not.equal(code);
  });

  it('guessing the code is throttled with the login throttle: the sixth wrong code waits, even before the right one', async () => {
    loop = await startTestLoop({ auth: { mode: 'on' } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await onboard(loop.http, { password: OWNER_PASSWORD, code: `WRONG${i}` })).status);
    expect(statuses).to.deep.equal([403, 403, 403, 403, 403, 429]);
    const right = await onboard(loop.http, { password: OWNER_PASSWORD, code: setupCode(loop.dataDir) });
    expect(right.status).to.equal(429);
    expect(await modeOf(loop.http)).to.equal('onboarding');
  });

  it('a token made while the device was open answers 401 after the claim; token and password routes refuse before it', async () => {
    loop = await startTestLoop({ auth: { mode: 'on' } });
    const b = loop.http;
    const minted = await raw('POST', `${b}/api/auth/tokens`, { headers: own(b), body: JSON.stringify({ name: 'planted' }) });
    expect(minted.status, 'no token routes while unclaimed').to.equal(409);
    expect((await raw('GET', `${b}/api/auth/tokens`, { headers: own(b) })).status).to.equal(409);
    const pw = await raw('POST', `${b}/api/auth/password`, { headers: own(b), body: JSON.stringify({ password: 'a second way in' }) });
    expect(pw.status, 'no code-less claim through the password route').to.equal(409);
    expect(await modeOf(b)).to.equal('onboarding');

    // A token that exists at claim time (made on the device while it was open) is revoked by the claim.
    const made = await cli(loop.dataDir, ['token', 'create', 'early']);
    expect(made.code, made.out).to.equal(0);
    const early = made.out.trim().split('\n').pop() as string;
    await until(
      async () => (await raw('GET', `${b}/api/auth/status`, { headers: { authorization: `Bearer ${early}` } })).status === 200,
      5000,
      'the token file reloaded',
    );
    await claim(loop);
    const after = await raw('GET', `${b}/api/dashboard`, { headers: { authorization: `Bearer ${early}` } });
    expect(after.status, 'the early token is dead').to.equal(401);
    expect(JSON.parse(readFileSync(join(loop.dataDir, 'auth', 'tokens.json'), 'utf8'))).to.deep.equal([]);
  });

  for (const [name, text] of [
    ['empty', ''],
    ['truncated', OWNER.slice(0, 30)],
    ['garbage', '\u0000\u0001garbage'],
    ['wrong-typed', JSON.stringify({ password_hash: 42 })],
    ['null', 'null'],
    ['a list', '[]'],
  ] as const) {
    it(`owner.json ${name}: the device is locked: 503 with the way back, no onboarding, status says locked`, async () => {
      const dir = dataDirWith('owner.json', text);
      loop = await startTestLoop({ auth: { mode: 'on' } }, { dataDir: dir });
      const b = loop.http;
      expect(await modeOf(b)).to.equal('locked');
      expect(loop.runtime.bridgeInfo().auth?.mode).to.equal('locked');
      const api = await raw('GET', `${b}/api/dashboard`);
      expect(api.status, 'not open').to.equal(503);
      // In-process (mocha is the script, root the user) the way back is the plain `loop` command.
      expect(api.json?.message)
        .to.include(join(dir, 'auth', 'owner.json'))
        .and.include('`loop passwd --owner`');
      const take = await onboard(b, { password: 'the neighbour was here', code: 'AAAAAAAA' });
      expect(take.status, 'onboarding refused').to.equal(503);
      const log = await raw('POST', `${b}/api/auth/login`, { headers: own(b), body: JSON.stringify({ password: OWNER_PASSWORD }) });
      expect(log.status).to.equal(503);
      expect(readFileSync(join(dir, 'auth', 'owner.json'), 'utf8'), 'the file is left for repair').to.equal(text);
    });
  }

  it('a damaged tokens or sessions file locks too (it is never silently read as "none")', async () => {
    for (const file of ['tokens.json', 'sessions.json']) {
      const dir = dataDirWith(file, '[{"id": 1');
      writeFileSync(join(dir, 'auth', 'owner.json'), OWNER, { mode: 0o600 });
      loop = await startTestLoop({ auth: { mode: 'on' } }, { dataDir: dir });
      expect(await modeOf(loop.http), file).to.equal('locked');
      expect((await raw('GET', `${loop.http}/api/dashboard`)).json?.message).to.include(file);
      await loop.stop();
      loop = undefined;
    }
  });

  it('the process logs the locked file and the way back; `loop passwd --owner` repairs it while Loop runs', async () => {
    const dir = dataDirWith('owner.json', '{"password_ha');
    proc = await startLoopProcess({ dataDir: dir, config: { auth: { mode: 'on' } } });
    // The exact line for this process: its own bin/loop.js and config file (as root, without sudo -u).
    expect(proc.output())
      .to.match(/auth is locked/)
      .and.include(join(dir, 'auth', 'owner.json'))
      .and.include(`\`${join(packageRoot, 'bin', 'loop.js')} passwd --owner --config `);
    const fixed = await cli(dir, ['passwd', '--owner'], 'a new start, thanks\n');
    expect(fixed.code, fixed.out).to.equal(0);
    const p = proc;
    await until(async () => (await modeOf(p.http)) === 'on', 5000, 'unlocked after the repair');
    const cookie = await raw('POST', `${p.http}/api/auth/login`, {
      headers: own(p.http),
      body: JSON.stringify({ password: 'a new start, thanks' }),
    });
    expect(cookie.status).to.equal(200);
  });

  it('an owner.json damaged while Loop runs locks it at once (no return to onboarding)', async () => {
    loop = await startTestLoop({ auth: { mode: 'on' } });
    const cookie = await claim(loop);
    writeFileSync(join(loop.dataDir, 'auth', 'owner.json'), '');
    const l = loop;
    await until(async () => (await modeOf(l.http)) === 'locked', 5000, 'locked');
    expect((await raw('GET', `${l.http}/api/dashboard`, { headers: { cookie } })).status, 'not even a session gets in').to.equal(503);
  });

  it('the claim is logged with the address, the code never is (not even a wrong one typed)', async () => {
    proc = await startLoopProcess({ config: { auth: { mode: 'on' } } });
    const code = setupCode(proc.dataDir);
    const target = { http: proc.http, dataDir: proc.dataDir };
    expect((await onboard(proc.http, { password: OWNER_PASSWORD, code: 'TYPO2345' })).status).to.equal(403);
    await claim(target);
    const p = proc;
    await until(() => p.output().includes('device claimed'), 5000, 'the claim in the log');
    expect(proc.output()).to.match(/device claimed.*127\.0\.0\.1|127\.0\.0\.1.*device claimed/);
    expect(proc.output()).not.to.include(code).and.not.include('TYPO2345').and.not.include(setupCode(proc.dataDir));
  });

  it('auth.claim_code: false is the explicit opt-out: warned at start, and the first visitor claims without a code', async () => {
    proc = await startLoopProcess({ config: { auth: { mode: 'on', claim_code: false } } });
    expect(proc.output()).to.match(/WARN.*auth\.claim_code is false/);
    const status = (await raw('GET', `${proc.http}/api/auth/status`)).json?.data as { mode: string; claim_code: boolean };
    expect(status).to.deep.include({ mode: 'onboarding', claim_code: false });
    expect((await onboard(proc.http, { password: OWNER_PASSWORD })).status).to.equal(200);
    expect(existsSync(join(proc.dataDir, 'auth', 'setup-code')), 'no code is made when none is asked').to.equal(false);
  });

  it('`loop setup-code` prints the code the claim accepts; run as root, the CLI leaves files to the data dir owner', async function () {
    if (process.getuid?.() !== 0) skipBecause(this, 'needs root (chown)');
    const dir = tempDir();
    const nobody = 65534;
    chownSync(dir, nobody, nobody);
    const shown = await cli(dir, ['setup-code']);
    expect(shown.code, shown.out).to.equal(0);
    const code = setupCode(dir);
    expect(shown.out).to.include(`${code.slice(0, 4)}-${code.slice(4)}`);
    const hotspot = readFileSync(join(dir, 'auth', 'hotspot-password'), 'utf8').trim();
    expect(shown.out, 'the hotspot password, for a device without a screen').to.include(`network "LOOP-Setup", password ${hotspot}`);
    const pw = await cli(dir, ['passwd', '--owner'], 'set by root, as sudo\n');
    expect(pw.code, pw.out).to.equal(0);
    const tok = await cli(dir, ['token', 'create', 'ha']);
    expect(tok.code, tok.out).to.equal(0);
    for (const f of ['auth', 'auth/owner.json', 'auth/sessions.json', 'auth/tokens.json', 'auth/setup-code', 'auth/hotspot-password']) {
      const st = statSync(join(dir, f));
      expect([st.uid, st.gid], f).to.deep.equal([nobody, nobody]);
    }
    expect(statSync(join(dir, 'auth', 'owner.json')).mode & 0o777).to.equal(0o600);
  });
});
