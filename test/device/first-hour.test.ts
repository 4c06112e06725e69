// The device test bed: a Debian 13 guest (systemd, NetworkManager on mac80211_hwsim radios, avahi,
// 512 MB) boots under QEMU, runs the real install.sh from this checkout and a household's first
// hour (scenarios/first-hour.sh, wifi-steps.sh, convert-rss.sh); each scenario here asserts on the
// line the guest wrote for it.
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
  /** The host's load average when the line was written (the guest's own is figures.load1). */
  host_load?: string;
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
  // Image build (cached), a TCG boot, npm ci and Loop's start in a guest ~20x slower than the host:
  // 17 min on a quiet 2-core host, over 40 at load 15 (run.sh gives up after 80).
  this.timeout(90 * 60_000);
  const results = new Map<string, ScenarioResult>();
  let why = '';
  let guestLog = '';
  let outDir = '';

  before(async function () {
    // Opt-in (issue 20): a run costs 17 min on a quiet 2-core machine and over 40 at load 15
    // (docs/performance.md); .ci/run runs it as its own stage with LOOP_CI_DEVICE=1.
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
      try {
        const parsed = JSON.parse(line) as ScenarioResult;
        results.set(parsed.scenario, parsed);
      } catch {
        // One garbled line costs its own scenario (reported as missing), not every other one.
        console.log(`      device: not JSON, left out: ${line.slice(0, 200)}`);
      }
    }
  });

  const expectScenario = (ctx: Mocha.Context, name: string): ScenarioResult => {
    if (why) skipBecause(ctx, why);
    const found = results.get(name);
    expect(found, `the guest wrote no result for "${name}"; its log ends:\n${guestLog.slice(-2000)}`).to.not.equal(undefined);
    expect(found!.ok, `${name}: ${found!.detail}`).to.equal(true);
    if (Object.keys(found!.figures).length)
      console.log(`      ${name}: ${JSON.stringify(found!.figures)}, host load ${found!.host_load ?? '?'}`);
    return found!;
  };

  it('the guest boots to multi-user (figure: boot time)', function () {
    expectScenario(this, 'boot');
  });
  it('install.sh installs Loop on a fresh Debian 13 with its packages and npm ci', function () {
    expectScenario(this, 'install');
  });
  it('the service starts as the loop user and reaches READY (Type=notify)', function () {
    expectScenario(this, 'ready');
  });
  it('the screen shows the idle card', function () {
    expectScenario(this, 'screen_idle');
  });
  it('no known network and no cable: the hotspot comes up on the WiFi radio', function () {
    expectScenario(this, 'hotspot');
  });
  it("a phone joins the hotspot with the screen's password and gets an address by DHCP", function () {
    expectScenario(this, 'phone_join');
  });
  it('on the hotspot every name is the device (captive DNS) and the page answers the phone', function () {
    const found = expectScenario(this, 'captive_page');
    expect(found.figures.hotspot_to_page_s).to.be.above(0);
  });
  it('the owner claims the device from the phone with its setup code only', function () {
    expectScenario(this, 'claim');
  });
  it("the phone's scan lists the home network", function () {
    expectScenario(this, 'wifi_scan');
  });
  it('a wrong WiFi password is said plainly, nothing is saved, and the hotspot returns', function () {
    expectScenario(this, 'wifi_wrong_password');
  });
  it('the right password joins the home network: Loop answers there and the hotspot is gone', function () {
    expectScenario(this, 'wifi_connect');
  });
  it('the home network gone: the hotspot returns after fallback_seconds; back: Loop rejoins it', function () {
    const fallback = expectScenario(this, 'wifi_fallback');
    expect(fallback.figures.lost_to_hotspot_s, 'not before fallback_seconds (15 s)').to.be.at.least(15);
    expectScenario(this, 'wifi_rejoin');
  });
  it('avahi: loop-dev.local with _http._tcp and _mqtt._tcp, seen from the home network and the device', function () {
    expectScenario(this, 'avahi_ns');
    expectScenario(this, 'avahi');
  });
  it('the first uploaded clip plays on the DRM display: the screen shows its colour', function () {
    expectScenario(this, 'first_clip');
    const [red, green, blue] = meanColour(readFileSync(join(outDir, 'playing.ppm')));
    expect(red, `mean colour ${red},${green},${blue}`).to.be.above(120);
    expect(Math.max(green, blue), `mean colour ${red},${green},${blue}`).to.be.below(90);
  });
  it('Loop, mpv and a 1080p conversion fit in 512 MB with no OOM kill (RSS recorded)', function () {
    expectScenario(this, 'rss_idle');
    const rss = expectScenario(this, 'rss');
    expect(rss.figures.loop_rss_kib).to.be.within(1, 200 * 1024);
    expect(rss.figures.mpv_rss_kib).to.be.above(0);
    expect(rss.figures.ffmpeg_rss_kib, 'the conversion ran').to.be.above(0);
  });
  it('systemd restarts Loop after a kill -9', function () {
    expectScenario(this, 'kill9');
  });
  it('the watchdog replaces a Loop stopped for longer than WatchdogSec', function () {
    expectScenario(this, 'watchdog');
  });
  it('running install.sh again upgrades in place and keeps the config and the data', function () {
    expectScenario(this, 'upgrade');
  });
  it('--uninstall leaves only the config and data; --purge removes those and the user', function () {
    expectScenario(this, 'uninstall');
    expectScenario(this, 'purge');
  });
});
