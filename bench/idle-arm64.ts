// Idle RSS on arm64, the Pi's architecture, beside x86-64 in the same run. The arm64 figures come
// from a qemu-system-aarch64 guest (TCG, cortex-a53, 2 vCPUs, 512 MB) running Debian 13's own arm64
// kernel and nodejs 20.19 (test/device/arm64/build-image.sh, cached); VmRSS is read in the guest
// from its own /proc, not the emulator's. Two x86-64 references on this host: its own node 20
// (nodejs.org's build), and Debian 13's amd64 nodejs 20.19 in a chroot (the same build as the
// guest's, so that the ratio is the architecture's alone; needs root for the chroot).
// All three run the same staged copy of Loop (test/device/arm64/stage-app.sh: what install.sh
// stages, with `npm ci --omit=dev`) and the same script (test/device/arm64/idle-trio.sh), one
// process at a time: bare `node -e`, Loop with the system plugin, Loop with config/default.yaml's
// plugins minus the player (no mpv in the guest), and on the host also the default plugins with
// the player, whose arm64 figure is then estimated.
//
// Each process is read BENCH_IDLE_SETTLE_SECONDS after "up" (default 20, as bench/idle.ts) and
// again BENCH_IDLE_LATE_SECONDS after it (default 60: V8's memory reducer may still be shrinking
// the heap at 20 s, more so on a loaded host), then right after a full GC (the floor: live objects). BENCH_ARM64_TIMEOUT_SECONDS: the guest's whole run
// (default 3600; TCG starts Loop in minutes).
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseResults, report, type Case, type Platform } from './idle-arm64-report.js';
import { freePort, packageRoot } from './lib.js';

const SETTLE = Number(process.env.BENCH_IDLE_SETTLE_SECONDS ?? 20);
const LATE = Math.max(SETTLE, Number(process.env.BENCH_IDLE_LATE_SECONDS ?? 60));
const GUEST_TIMEOUT_S = Number(process.env.BENCH_ARM64_TIMEOUT_SECONDS ?? 3600);
const scripts = join(packageRoot, 'test', 'device', 'arm64');
const SHOW = /^(RESULT|FAIL|GUEST)/;

function has(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
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

/** idle-trio.sh's settings for a run of `list`, as environment variables. */
function trioEnv(list: Case[], app: string, tmp: string, ports: [number, number]): Record<string, string> {
  return {
    LOOP_APP: app,
    IDLE_TMP: tmp,
    IDLE_HTTP_PORT: String(ports[0]),
    IDLE_MQTT_PORT: String(ports[1]),
    IDLE_SETTLE_SECONDS: String(SETTLE),
    IDLE_LATE_SECONDS: String(LATE),
    IDLE_CASES: list.map((c) => `${c.name}=${c.plugins}`).join(' '),
  };
}

/** Runs a command to its end, its output teed to `logFile`; lines matching SHOW are printed as they come. */
function runLogged(cmd: string, args: string[], env: NodeJS.ProcessEnv, logFile: string, timeoutS: number): Promise<string> {
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
      for (const line of lines) if (SHOW.test(line.trim())) console.log(`    ${line.trim()}`);
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

/** Runs `work`, sampling the 1-minute load average every 5 s, and prints its range when done. */
async function underLoad<T>(what: string, work: () => Promise<T>): Promise<T> {
  const samples = [loadavg()[0] ?? NaN];
  const timer = setInterval(() => samples.push(loadavg()[0] ?? NaN), 5000);
  const started = Date.now();
  try {
    return await work();
  } finally {
    clearInterval(timer);
    samples.push(loadavg()[0] ?? NaN);
    const range = `${Math.min(...samples).toFixed(1)}-${Math.max(...samples).toFixed(1)}`;
    console.log(`    (${what}: ${((Date.now() - started) / 1000).toFixed(0)} s, host load ${range})`);
  }
}

/** The Debian-built image of `arch` (cached): [kernel or "none", root cpio]. */
function image(arch: string): [string, string] {
  const lines = execFileSync('bash', [join(scripts, 'build-image.sh'), arch], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n');
  return [lines[lines.length - 2] ?? '', lines[lines.length - 1] ?? ''];
}

/** Packs `dir` as a gzip'd newc cpio appended to `out` (the kernel unpacks concatenated archives in turn). */
function appendCpio(dir: string, out: string): void {
  execFileSync('sh', [
    '-c',
    'cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -1 >> "$2"',
    'sh',
    dir,
    out,
  ]);
}

async function hostNode(list: Case[], stage: string, work: string): Promise<Platform> {
  const label = `x86-64 node ${process.version}`;
  console.log(`  ${label} (this host's):`);
  const env = {
    ...process.env,
    ...trioEnv(list, join(stage, 'opt', 'loop'), join(work, 'host-tmp'), [await freePort(), await freePort()]),
  };
  const out = await underLoad(label, () => runLogged('sh', [join(stage, 'bench', 'idle-trio.sh')], env, join(work, 'host.log'), 1800));
  return { label, results: parseResults(out) };
}

/** Debian's amd64 nodejs in a chroot of its own root, in a private mount namespace (its /proc goes with it). */
async function debianAmd64(list: Case[], stage: string, work: string): Promise<Platform | null> {
  const label = 'x86-64 Debian 13 node';
  if (process.getuid?.() !== 0 || !has('unshare') || !has('chroot')) {
    console.log(`  (${label} skipped: the chroot needs root, unshare and chroot)`);
    return null;
  }
  const root = join(work, 'debian-amd64');
  mkdirSync(root);
  execFileSync('sh', ['-c', 'gzip -dc "$1" | (cd "$2" && cpio --quiet -idm) && cp -a "$3"/. "$2"/', 'sh', image('amd64')[1], root, stage]);
  console.log(`  ${label} (${execFileSync('chroot', [root, '/usr/bin/node', '--version'], { encoding: 'utf8' }).trim()}, chroot):`);
  const env = {
    PATH: '/usr/bin:/usr/sbin:/bin:/sbin',
    HOME: '/root',
    ...trioEnv(list, '/opt/loop', '/tmp', [await freePort(), await freePort()]),
  };
  const inChroot = 'mount -t proc proc "$1/proc" && exec chroot "$1" /usr/bin/sh /bench/idle-trio.sh';
  const out = await underLoad(label, () =>
    runLogged(
      'unshare',
      ['--mount', '--propagation', 'private', 'sh', '-c', inChroot, 'sh', root],
      env,
      join(work, 'debian-amd64.log'),
      1800,
    ),
  );
  rmSync(root, { recursive: true, force: true });
  return { label, results: parseResults(out) };
}

async function arm64Guest(list: Case[], stage: string, work: string): Promise<Platform> {
  const label = 'arm64 Debian 13 node';
  const [kernel, rootCpio] = image('arm64');
  // The guest's /init sources this and runs the same script from the initramfs.
  const settings = trioEnv(list, '/opt/loop', '/tmp', [8080, 1883]);
  writeFileSync(
    join(stage, 'bench', 'run.env'),
    Object.entries(settings)
      .map(([k, v]) => `export ${k}="${v}"\n`)
      .join(''),
  );
  const initrd = join(work, 'initrd.cpio.gz');
  execFileSync('cp', [rootCpio, initrd]);
  appendCpio(stage, initrd);
  console.log(`  ${label} (qemu-system-aarch64 TCG, cortex-a53, 2 vCPUs, 512 MB):`);
  const qemuArgs = [
    ...['-M', 'virt', '-cpu', 'cortex-a53', '-smp', '2', '-m', '512', '-accel', 'tcg,thread=multi'],
    ...['-kernel', kernel, '-initrd', initrd],
    // ramfs, not the default tmpfs root: tmpfs stops at half the RAM, short of node + Loop.
    ...['-append', 'console=ttyAMA0 rootfstype=ramfs panic=-1 quiet'],
    ...['-no-reboot', '-nic', 'none', '-display', 'none', '-monitor', 'none', '-serial', 'stdio'],
  ];
  const out = await underLoad(label, () =>
    runLogged('qemu-system-aarch64', qemuArgs, process.env, join(work, 'guest.log'), GUEST_TIMEOUT_S),
  );
  return { label, results: parseResults(out) };
}

export default async function run(): Promise<void> {
  const missing = ['qemu-system-aarch64', 'mmdebstrap', 'cpio', 'gzip', 'npm'].filter((tool) => !has(tool));
  if (missing.length) {
    console.log(`(skipped: ${missing.join(', ')} missing; apt-get install qemu-system-arm mmdebstrap cpio)`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'loop-idle-arm64-'));
  let complete = false;
  try {
    const stage = join(work, 'stage');
    execFileSync('bash', [join(scripts, 'stage-app.sh'), stage], { stdio: ['ignore', 'inherit', 'inherit'] });
    const all = cases();
    const notHostOnly = all.filter((c) => !c.hostOnly);
    console.log(`read ${SETTLE} s and ${LATE} s after "up" (BENCH_IDLE_SETTLE_SECONDS, BENCH_IDLE_LATE_SECONDS); one process at a time`);
    const host = await hostNode(all, stage, work);
    const debian = await debianAmd64(notHostOnly, stage, work);
    const arm = await arm64Guest(notHostOnly, stage, work);
    const platforms = [host, ...(debian ? [debian] : []), arm];
    report(all, [String(SETTLE), String(LATE), 'gc'], platforms);
    const gaps = platforms.flatMap((p) =>
      (p === host ? all : notHostOnly).filter((c) => !p.results.has(`${c.name}@gc`)).map((c) => `${c.name} (${p.label})`),
    );
    if (gaps.length) throw new Error(`no figures for ${gaps.join(', ')}: see ${work}/*.log`);
    complete = true;
  } finally {
    // An incomplete run keeps its logs (host.log, debian-amd64.log, guest.log) for a look.
    for (const big of complete ? [''] : ['stage', 'initrd.cpio.gz', 'debian-amd64'])
      rmSync(join(work, big), { recursive: true, force: true });
  }
}
