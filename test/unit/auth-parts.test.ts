// The small pieces of trust, table-tested: back-off, cookies and bearer headers, host names,
// password hashing, and the strings that come from outside (file names, log lines).
import { expect } from 'chai';
import { bearerOf, readCookie, sessionCookie } from '../../core/auth/cookie.js';
import { checkOwnerPassword, Gate, hashOwnerPassword, passwordProblem } from '../../core/auth/password.js';
import { DeviceSecret, normaliseCode, randomSecretText, SETUP_CODE, showCode, UNAMBIGUOUS } from '../../core/auth/device-secret.js';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tokenNameProblem } from '../../core/auth/service.js';
import { NO_SECRETS, screenAss } from '../../plugins/player/idle-screen.js';
import { Throttle } from '../../core/auth/throttle.js';
import { hostnameOf, HostAllowlist } from '../../core/http/guard-hosts.js';
import { escapeControls } from '../../core/log.js';
import { displayName, NAME_MAX } from '../../plugins/media/slug.js';

describe('auth parts', () => {
  it('login back-off: five free tries, then 1 s, 2 s, 4 s... per address; success forgets', () => {
    let now = 0;
    const t = new Throttle({ free: 5, baseMs: 1000, maxMs: 8000, forgetMs: 60_000, maxAddresses: 2 }, () => now);
    for (let i = 0; i < 4; i++) t.failed('a');
    expect(t.waitMs('a')).to.equal(0);
    t.failed('a');
    expect(t.waitMs('a')).to.equal(1000);
    expect(t.waitMs('b'), 'another address is not punished').to.equal(0);
    now = 1000;
    t.failed('a');
    expect(t.waitMs('a')).to.equal(2000);
    for (let i = 0; i < 10; i++) t.failed('a');
    expect(t.waitMs('a'), 'capped').to.equal(8000);
    t.succeeded('a');
    expect(t.waitMs('a')).to.equal(0);
    for (const x of ['x', 'y', 'z']) for (let i = 0; i < 6; i++) t.failed(x);
    expect(t.waitMs('x'), 'memory is bounded: the oldest address is forgotten').to.equal(0);
    expect(t.waitMs('z')).to.be.greaterThan(0);
  });

  it('reads the session cookie and bearer tokens, and writes the cookie with its attributes', () => {
    expect(readCookie('a=1; loop_session=abc; b=2')).to.equal('abc');
    expect(readCookie('xloop_session=abc')).to.equal(null);
    expect(readCookie(undefined)).to.equal(null);
    expect(bearerOf('Bearer loop_abcdefghijklmnop')).to.equal('loop_abcdefghijklmnop');
    expect(bearerOf('Basic dXNlcjpwYXNz')).to.equal(null);
    expect(bearerOf('Bearer short')).to.equal(null);
    expect(sessionCookie('v', 60, true)).to.equal('loop_session=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure');
  });

  it("host names from Host headers, and the device's own names", () => {
    expect(hostnameOf('Loop.Local:8080')).to.equal('loop.local');
    expect(hostnameOf('[::1]:80')).to.equal('::1');
    expect(hostnameOf('example.com.')).to.equal('example.com');
    expect(hostnameOf('')).to.equal(null);
    const hosts = new HostAllowlist(['my-loop.lan']);
    for (const ok of ['localhost:8080', '127.0.0.1', '[::1]:8080', 'MY-LOOP.lan:80']) expect(hosts.allows(ok), ok).to.equal(true);
    for (const bad of ['evil.example', 'localhost.evil.example', '127.0.0.1.nip.io', undefined])
      expect(hosts.allows(bad), String(bad)).to.equal(false);
  });

  it('hashes off the event loop; a wrong password and a missing owner both fail', async () => {
    expect(passwordProblem('short')).to.match(/at least 8/);
    expect(passwordProblem('x'.repeat(300))).to.match(/at most/);
    expect(passwordProblem('long enough')).to.equal(null);
    const h = await hashOwnerPassword('long enough');
    expect(h).to.match(/^scrypt\$16384\$/);
    expect(await checkOwnerPassword('long enough', h)).to.equal(true);
    expect(await checkOwnerPassword('long enougH', h)).to.equal(false);
    expect(await checkOwnerPassword('long enough', null), 'no owner: the dummy hash never matches').to.equal(false);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await Promise.all([1, 2, 3, 4].map(() => checkOwnerPassword('guess', h)));
    clearInterval(timer);
    expect(ticks, 'timers kept firing while scrypt ran').to.be.greaterThan(0);
  });

  it('the gate runs at most `limit` at once and refuses past its queue', async () => {
    const g = new Gate(2, 1);
    let running = 0;
    let peak = 0;
    const release: Array<() => void> = [];
    const job = () =>
      g.run(
        () =>
          new Promise<void>((r) => {
            running++;
            peak = Math.max(peak, running);
            release.push(() => {
              running--;
              r();
            });
          }),
      );
    const jobs = [job(), job(), job()];
    const fourth = await job().then(
      () => 'ran',
      (e: Error) => e.message,
    );
    expect(fourth).to.equal('busy');
    while (release.length || running) {
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(jobs);
    expect(peak).to.equal(2);
  });

  it('token names are printable text', () => {
    expect(tokenNameProblem('Home Assistant')).to.equal(null);
    expect(tokenNameProblem('a\nb')).to.match(/printable/);
    expect(tokenNameProblem('')).to.match(/non-empty/);
    expect(tokenNameProblem('x'.repeat(65))).to.match(/at most/);
  });

  it('file names keep printable characters only, at a sane length', () => {
    expect(displayName('holiday\u202egpj.exe')).to.equal('holidaygpj.exe');
    expect(displayName('a\u200bb\u2028c\u0085d.png')).to.equal('abcd.png');
    expect(displayName('  lots   of  space .gif ')).to.equal('lots of space .gif');
    expect(displayName('<img src=x onerror=alert(1)>.png'), 'markup stays text: the page renders it as text').to.equal(
      '<img src=x onerror=alert(1)>.png',
    );
    expect(Array.from(displayName('🎉'.repeat(500))).length).to.equal(NAME_MAX);
    expect(displayName('\u0000\u0001')).to.equal('upload');
  });

  it('log lines escape control characters, so a name cannot forge a line', () => {
    expect(escapeControls('evil.png\n12:00:00.000 INFO [auth] owner logged in')).to.equal(
      'evil.png\\n12:00:00.000 INFO [auth] owner logged in',
    );
    expect(escapeControls('\u001b[31mred')).to.equal('\\u001b[31mred');
    expect(escapeControls('plain name.jpg')).to.equal('plain name.jpg');
  });

  it('device secrets: drawn from an alphabet without look-alikes, typed loosely, shown in two groups', () => {
    const many = Array.from({ length: 200 }, () => randomSecretText(8));
    expect(many.every((c) => c.length === 8 && [...c].every((ch) => UNAMBIGUOUS.includes(ch)))).to.equal(true);
    expect(new Set(many).size, 'random').to.equal(200);
    expect(UNAMBIGUOUS).not.to.match(/[01OIL]/);
    expect(normaliseCode(' ab2c-d3ef ')).to.equal('AB2CD3EF');
    expect(showCode('AB2CD3EF')).to.equal('AB2C-D3EF');
  });

  it('device secrets: calls at the same moment in one process (the idle card and the claim at a first start) agree on one value', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'loop-secret-'));
    try {
      // They once shared one temp name (`.new-<pid>`): one's cleanup removed it under the other (ENOENT).
      const values = await Promise.all(Array.from({ length: 8 }, () => new DeviceSecret(dataDir, SETUP_CODE).ensure()));
      expect(new Set(values).size).to.equal(1);
      expect(
        readdirSync(join(dataDir, 'auth')).filter((f) => f.includes('.new-')),
        'no temp file left',
      ).to.deep.equal([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('the idle card: secrets only when given, in large type, escaped like the rest', () => {
    const text = 'The loop is empty\nAdd media at http://loop.local';
    expect(screenAss(text, NO_SECRETS)).not.to.match(/Setup code|WiFi password/);
    const card = screenAss(text, { setupCode: 'AB2CD3EF', hotspotPassword: 'p{w}\\ord123' });
    expect(card).to.include('{\\fs100\\b1}\\NAB2C-D3EF');
    expect(card).to.include('{\\fs84\\b1}\\Np\\{w\\}\\\\ord123');
  });
});
