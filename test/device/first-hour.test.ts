// The device test bed: a Debian 13 guest (systemd, NetworkManager, avahi, 512 MB) boots under
// QEMU, runs the real install.sh from this checkout and a household's first hour
// (scenarios/first-hour.sh); each scenario here asserts on the line the guest wrote for it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { packageRoot } from '../../core/paths.js';
import { skipBecause } from '../helpers/skip.js';

interface ScenarioResult {
  scenario: string;
  ok: boolean;
  detail: string;
  figures: Record<string, number>;
}

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const RUN = join(packageRoot, 'test', 'device', 'run.sh');

/** The mean colour of a binary PPM (P6, 8-bit), as QEMU's screendump writes it. */
function meanColour(ppm: Buffer): [number, number, number] {
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 64).toString('latin1'));
  if (!header) throw new Error('not a P6 PPM');
  const pixels = ppm.subarray(header[0].length);
  const sums = [0, 0, 0];
  for (let i = 0; i + 2 < pixels.length; i += 3) for (let c = 0; c < 3; c++) sums[c]! += pixels[i + c]!;
  const count = pixels.length / 3;
  return [sums[0]! / count, sums[1]! / count, sums[2]! / count];
}

describe('the device test bed: a household first hour on Debian 13 in 512 MB', function () {
  // Image build (cached), a TCG boot, npm ci and Loop's start in a guest ~20x slower than the host.
  this.timeout(40 * 60_000);
  const results = new Map<string, ScenarioResult>();
  let why = '';
  let guestLog = '';
  let outDir = '';

  before(async function () {
    // Opt-in until one run with every fix passes whole and the hotspot scenarios join it (issue 20);
    // a run costs ~17 min of CI.
    if (process.env.LOOP_DEVICE !== '1') return void (why = 'the device test bed runs with LOOP_DEVICE=1 (npm run test:device)');
    const missing = ['qemu-system-x86_64', 'qemu-img', 'mmdebstrap', 'mke2fs'].filter(
      (cmd) => !has(cmd) && !existsSync(`/usr/sbin/${cmd}`),
    );
    if (missing.length) return void (why = `${missing.join(', ')} missing (.ci/run installs them)`);
    const out = mkdtempSync(join(tmpdir(), 'loop-device-'));
    outDir = out;
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn('bash', [RUN, 'test/device/scenarios/first-hour.sh', out], { stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('error', () => resolve(null));
      child.on('exit', (status) => resolve(status));
    });
    guestLog = existsSync(join(out, 'guest.log')) ? readFileSync(join(out, 'guest.log'), 'utf8') : '';
    console.log(`      device: run.sh exit ${code} after ${Math.round((Date.now() - started) / 1000)} s; output in ${out}`);
    const lines = existsSync(join(out, 'results.jsonl')) ? readFileSync(join(out, 'results.jsonl'), 'utf8').split('\n') : [];
    for (const line of lines.filter(Boolean)) {
      const parsed = JSON.parse(line) as ScenarioResult;
      results.set(parsed.scenario, parsed);
    }
  });

  const expectScenario = (ctx: Mocha.Context, name: string): ScenarioResult => {
    if (why) skipBecause(ctx, why);
    const found = results.get(name);
    expect(found, `the guest wrote no result for "${name}"; its log ends:\n${guestLog.slice(-2000)}`).to.not.equal(undefined);
    expect(found!.ok, `${name}: ${found!.detail}`).to.equal(true);
    if (Object.keys(found!.figures).length) console.log(`      ${name}: ${JSON.stringify(found!.figures)}`);
    return found!;
  };

  it('install.sh installs Loop on a fresh Debian 13 with its packages and npm ci', function () {
    expectScenario(this, 'install');
  });
  it('the service starts as the loop user and reaches READY (Type=notify)', function () {
    expectScenario(this, 'ready');
  });
  it('the screen shows the idle card, and the owner claims the device with its setup code only', function () {
    expectScenario(this, 'screen_idle');
    expectScenario(this, 'claim');
  });
  it('the first uploaded clip plays on the DRM display: the screen shows its colour', function () {
    expectScenario(this, 'first_clip');
    const [red, green, blue] = meanColour(readFileSync(join(outDir, 'playing.ppm')));
    expect(red, `mean colour ${red},${green},${blue}`).to.be.above(120);
    expect(Math.max(green, blue), `mean colour ${red},${green},${blue}`).to.be.below(90);
  });
  it('systemd restarts Loop after a kill -9', function () {
    expectScenario(this, 'kill9');
  });
  it('the watchdog replaces a Loop stopped for longer than WatchdogSec', function () {
    expectScenario(this, 'watchdog');
  });
  it('avahi announces the device with _http._tcp', function () {
    expectScenario(this, 'avahi');
  });
  it('Loop and mpv fit in 512 MB (RSS recorded)', function () {
    const rss = expectScenario(this, 'rss');
    expect(rss.figures.loop_rss_kib).to.be.within(1, 200 * 1024);
  });
  it('running install.sh again upgrades in place and keeps the config and the data', function () {
    expectScenario(this, 'upgrade');
  });
  it('--uninstall leaves only the config and data; --purge removes those and the user', function () {
    expectScenario(this, 'uninstall');
    expectScenario(this, 'purge');
  });
});
