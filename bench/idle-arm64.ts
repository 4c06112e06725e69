// Idle RSS on arm64, the Pi's architecture, beside x86-64 in the same run. The arm64 figures come
// from a qemu-system-aarch64 guest (TCG, cortex-a53, 2 vCPUs, 512 MB) running Debian 13's own arm64
// kernel and nodejs 20.19 (test/device/arm64/build-image.sh, cached); VmRSS is read in the guest
// from its own /proc, not the emulator's. The x86-64 figures come from this host's node 20, from
// the same staged copy of Loop (test/device/arm64/stage-app.sh: what install.sh stages, with
// `npm ci --omit=dev`) and the same script (test/device/arm64/idle-trio.sh), one process at a time:
// bare `node -e`, Loop with the system plugin, Loop with config/default.yaml's plugins minus the
// player (the guest has no mpv), and on the host also the default plugins with the player, whose
// arm64 figure is then estimated (x86-64 figure x the arm64/x86-64 ratio without the player).
//
// Each process is read BENCH_IDLE_SETTLE_SECONDS after "up" (default 20, as bench/idle.ts) and
// again BENCH_IDLE_LATE_SECONDS after it (default 60: V8's memory reducer may still be shrinking
// the heap at 20 s, more so on a loaded host).
// BENCH_ARM64_TIMEOUT_SECONDS: the guest's whole run (default 3600: TCG starts Loop in minutes).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { fmt, freePort, packageRoot, ratio, table } from './lib.js';

const SETTLE = Number(process.env.BENCH_IDLE_SETTLE_SECONDS ?? 20);
const LATE = Math.max(SETTLE, Number(process.env.BENCH_IDLE_LATE_SECONDS ?? 60));
const GUEST_TIMEOUT_S = Number(process.env.BENCH_ARM64_TIMEOUT_SECONDS ?? 3600);
const scripts = join(packageRoot, 'test', 'device', 'arm64');

/** One RESULT line of idle-trio.sh: kB for memory, bytes for the heap. */
type Figures = Record<string, number>;

interface Case {
  name: string;
  plugins: string;
  what: string;
  hostOnly?: boolean;
}

function missingTools(): string[] {
  const tools = ['qemu-system-aarch64', 'mmdebstrap', 'cpio', 'gzip', 'npm'];
  return tools.filter((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
}

function cases(): Case[] {
  const config = parse(readFileSync(join(packageRoot, 'config', 'default.yaml'), 'utf8')) as { plugins: string[] };
  const all = config.plugins;
  const list = (names: string[]): string => `[${names.join(',')}]`;
  return [
    { name: 'bare', plugins: 'bare', what: 'bare node -e (baseline)' },
    { name: 'system', plugins: '[system]', what: 'Loop, system plugin only' },
    {
      name: 'no-player',
      plugins: list(all.filter((p) => p !== 'player')),
      what: `Loop, default plugins minus the player (${all.length - 1})`,
    },
    { name: 'defaults', plugins: list(all), what: `Loop, default plugins (${all.length}, player with mpv)`, hostOnly: true },
  ];
}

/** The RESULT lines of idle-trio.sh, keyed by `case@at_s`. */
function parseResults(output: string): Map<string, Figures> {
  const results = new Map<string, Figures>();
  for (const line of output.split('\n')) {
    const match = /^RESULT case=(\S+) (.*)$/.exec(line.trim());
    if (!match) continue;
    const figures: Figures = {};
    for (const pair of (match[2] ?? '').split(' ')) {
      const [key, value] = pair.split('=');
      if (key) figures[key] = Number(value);
    }
    results.set(`${match[1]}@${figures.at_s}`, figures);
  }
  return results;
}

/** Runs a command to its end, its output teed to `logFile`; lines matching `show` are printed as they come. */
function runLogged(cmd: string, args: string[], env: NodeJS.ProcessEnv, logFile: string, timeoutS: number, show: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(logFile);
    let out = '';
    let partial = '';
    const onData = (data: Buffer): void => {
      const text = data.toString();
      out += text;
      log.write(text);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (show.test(line)) console.log(`    ${line.trim()}`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} did not finish within ${timeoutS} s (log: ${logFile})`));
    }, timeoutS * 1000);
    child.once('error', reject);
    child.once('exit', () => {
      clearTimeout(timer);
      log.end();
      resolve(out);
    });
  });
}

/** The 1-minute load average, sampled every 5 s while `work` runs: [min, max]. */
async function underLoad<T>(work: () => Promise<T>): Promise<[T, string]> {
  const samples = [loadavg()[0] ?? NaN];
  const timer = setInterval(() => samples.push(loadavg()[0] ?? NaN), 5000);
  try {
    const result = await work();
    samples.push(loadavg()[0] ?? NaN);
    return [result, `${Math.min(...samples).toFixed(1)}-${Math.max(...samples).toFixed(1)}`];
  } finally {
    clearInterval(timer);
  }
}

const mib = (kb: number | undefined): number => (kb ?? NaN) / 1024;
const heapMib = (bytes: number | undefined): number => (bytes ?? NaN) / 2 ** 20;
/** What VmRSS holds beyond anonymous memory: file pages, or shared memory when the files are on a RAM file system. */
const fileAndShmem = (f: Figures | undefined): number => mib((f?.file_kb ?? NaN) + (f?.shmem_kb ?? 0));

function report(all: Case[], host: Map<string, Figures>, guest: Map<string, Figures>): void {
  const rows = all.flatMap((c) =>
    [SETTLE, LATE].map((at) => ({ c, at, x86: host.get(`${c.name}@${at}`), arm: guest.get(`${c.name}@${at}`) })),
  );
  table([
    [
      '',
      'x86-64 VmRSS MiB',
      'arm64 VmRSS MiB',
      'arm64/x86-64',
      'anon x86/arm',
      'file x86/arm',
      'heap used/total x86',
      'heap used/total arm',
      'up s x86/arm',
    ],
    ...rows.map(({ c, at, x86, arm }) => [
      `${c.what}, +${at} s`,
      fmt(mib(x86?.vmrss_kb)),
      c.hostOnly ? '(not run)' : fmt(mib(arm?.vmrss_kb)),
      c.hostOnly ? '' : ratio(mib(arm?.vmrss_kb), mib(x86?.vmrss_kb)),
      `${fmt(mib(x86?.anon_kb))} / ${fmt(mib(arm?.anon_kb))}`,
      `${fmt(fileAndShmem(x86))} / ${fmt(fileAndShmem(arm))}`,
      `${fmt(heapMib(x86?.heap_used))} / ${fmt(heapMib(x86?.heap_total))}`,
      `${fmt(heapMib(arm?.heap_used))} / ${fmt(heapMib(arm?.heap_total))}`,
      `${fmt(x86?.up_s ?? NaN)} / ${fmt(arm?.up_s ?? NaN)}`,
    ]),
  ]);
  for (const at of [SETTLE, LATE]) {
    const noPlayerRatio = mib(guest.get(`no-player@${at}`)?.vmrss_kb) / mib(host.get(`no-player@${at}`)?.vmrss_kb);
    const withPlayerX86 = mib(host.get(`defaults@${at}`)?.vmrss_kb);
    console.log(
      `ESTIMATE (not measured), +${at} s: default plugins with the player on arm64 ~ ${fmt(withPlayerX86 * noPlayerRatio)} MiB ` +
        `(x86-64 ${fmt(withPlayerX86)} MiB x ${Number.isFinite(noPlayerRatio) ? noPlayerRatio.toFixed(2) : 'n/a'}, the arm64/x86-64 ratio without the player)`,
    );
  }
}

export default async function run(): Promise<void> {
  const missing = missingTools();
  if (missing.length) {
    console.log(`(skipped: ${missing.join(', ')} missing; apt-get install qemu-system-arm mmdebstrap cpio)`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'loop-idle-arm64-'));
  let failed = false;
  try {
    const [kernel, rootCpio] = execFileSync('bash', [join(scripts, 'build-image.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    })
      .trim()
      .split('\n')
      .slice(-2);
    const stage = join(work, 'stage');
    execFileSync('bash', [join(scripts, 'stage-app.sh'), stage], { stdio: ['ignore', 'inherit', 'inherit'] });
    const all = cases();
    const settle = { IDLE_SETTLE_SECONDS: String(SETTLE), IDLE_LATE_SECONDS: String(LATE) };
    console.log(`read ${SETTLE} s and ${LATE} s after "up" (BENCH_IDLE_SETTLE_SECONDS, BENCH_IDLE_LATE_SECONDS); one process at a time`);

    // x86-64: this host's node, the staged Loop, the same script.
    const hostTmp = join(work, 'host-tmp');
    const hostEnv = {
      ...process.env,
      ...settle,
      LOOP_APP: join(stage, 'opt', 'loop'),
      IDLE_TMP: hostTmp,
      IDLE_HTTP_PORT: String(await freePort()),
      IDLE_MQTT_PORT: String(await freePort()),
      IDLE_CASES: all.map((c) => `${c.name}=${c.plugins}`).join(' '),
    };
    console.log(`  x86-64 host, node ${process.version}:`);
    const [hostOut, hostLoad] = await underLoad(() =>
      runLogged('sh', [join(stage, 'bench', 'idle-trio.sh')], hostEnv, join(work, 'host.log'), 1800, /^(RESULT|FAIL)/),
    );
    const host = parseResults(hostOut);

    // arm64: the guest runs the same script from its initramfs, with the run's settings.
    const guestCases = all.filter((c) => !c.hostOnly);
    writeFileSync(
      join(stage, 'bench', 'run.env'),
      `export LOOP_APP=/opt/loop IDLE_TMP=/tmp IDLE_HTTP_PORT=8080 IDLE_MQTT_PORT=1883 IDLE_SETTLE_SECONDS=${SETTLE} IDLE_LATE_SECONDS=${LATE}\n` +
        `export IDLE_CASES="${guestCases.map((c) => `${c.name}=${c.plugins}`).join(' ')}"\n`,
    );
    rmSync(hostTmp, { recursive: true, force: true });
    const initrd = join(work, 'initrd.cpio.gz');
    // The kernel unpacks concatenated archives in turn: the cached Debian root, then this run's Loop.
    execFileSync('sh', [
      '-c',
      `cat "$1" > "$3" && cd "$2" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -1 >> "$3"`,
      'sh',
      rootCpio ?? '',
      stage,
      initrd,
    ]);
    console.log(`  arm64 guest (qemu-system-aarch64 TCG, cortex-a53, 2 vCPUs, 512 MB; serial log ${join(work, 'guest.log')}):`);
    const started = Date.now();
    const qemuArgs = [
      ...['-M', 'virt', '-cpu', 'cortex-a53', '-smp', '2', '-m', '512', '-accel', 'tcg,thread=multi'],
      ...['-kernel', kernel ?? '', '-initrd', initrd],
      // ramfs, not the default tmpfs root: tmpfs would stop at half the RAM, short of node + Loop.
      ...['-append', 'console=ttyAMA0 rootfstype=ramfs panic=-1 quiet'],
      ...['-no-reboot', '-nic', 'none', '-display', 'none', '-monitor', 'none', '-serial', 'stdio'],
    ];
    const [guestOut, guestLoad] = await underLoad(() =>
      runLogged('qemu-system-aarch64', qemuArgs, process.env, join(work, 'guest.log'), GUEST_TIMEOUT_S, /^(RESULT|FAIL|GUEST)/),
    );
    const guest = parseResults(guestOut);
    console.log(
      `  (guest ran ${((Date.now() - started) / 1000).toFixed(0)} s; host load, 1 min: ${hostLoad} during x86-64, ${guestLoad} during arm64)`,
    );

    report(all, host, guest);
    const missingCases = [
      ...all.filter((c) => !host.has(`${c.name}@${LATE}`)),
      ...guestCases.filter((c) => !guest.has(`${c.name}@${LATE}`)),
    ];
    if (missingCases.length) throw new Error(`no figures for ${missingCases.map((c) => c.name).join(', ')}: see ${work}/*.log`);
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    // A failed run keeps its logs (host.log, guest.log) for a look; the staged copy goes either way.
    for (const big of failed ? ['stage', 'initrd.cpio.gz'] : ['']) rmSync(join(work, big), { recursive: true, force: true });
  }
}
