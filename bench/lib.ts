// Shared bench helpers: process stats from /proc, percentiles, free loopback ports, and starting
// Loop as a child process exactly as the service manager does (bin/loop.js executed directly, so
// its shebang's V8 flags apply).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/ports.js';

export { freePort };

export const packageRoot = fileURLToPath(new URL('../..', import.meta.url));
export const loopBin = join(packageRoot, 'bin', 'loop.js');

/** Milliseconds on CLOCK_MONOTONIC: the same clock in every process of this machine. */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let clkTck: number | null = null;
function ticksPerSecond(): number {
  if (clkTck === null) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

export interface ProcStats {
  /** utime + stime, seconds. */
  cpuSeconds: number;
  /** VmRSS, MiB. */
  rssMiB: number;
  anonMiB: number;
  fileMiB: number;
}

export function procStats(pid: number): ProcStats {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return {
    cpuSeconds: (utime + stime) / ticksPerSecond(),
    rssMiB: kb('VmRSS') / 1024,
    anonMiB: kb('RssAnon') / 1024,
    fileMiB: kb('RssFile') / 1024,
  };
}

/** p in [0, 100] of an ascending array (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
export const ratio = (a: number, b: number): string =>
  Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}x` : 'n/a';

/** Prints an aligned table: the first row is the header. */
export function table(rows: string[][]): void {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  for (const r of rows)
    console.log('  ' + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  '));
}

export interface Child {
  child: ChildProcess;
  pid: number;
  /** Resolves when `line` (a substring) has appeared on stdout; rejects if the process exits first or after timeoutMs. */
  waitFor(line: string, timeoutMs: number): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

/** Spawns a command with piped output and helpers to wait for a line and to stop it (SIGTERM, then SIGKILL). */
export function spawnChild(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Child {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.pid === undefined) throw new Error(`could not spawn ${cmd}`);
  return {
    child,
    pid: child.pid,
    output: () => out,
    waitFor: (line, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`no "${line}" within ${timeoutMs} ms:\n${out}`)), timeoutMs);
        const check = (): void => {
          if (out.includes(line)) done();
        };
        const onExit = (): void => done(new Error(`exited before "${line}":\n${out}`));
        function done(err?: Error): void {
          clearTimeout(timer);
          child.stdout?.off('data', check);
          child.off('exit', onExit);
          if (err) reject(err);
          else resolve();
        }
        child.stdout?.on('data', check);
        child.once('exit', onExit);
        check();
      }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(t);
    },
  };
}

export interface LoopChild extends Child {
  http: string;
  /** The embedded broker's TCP URL, for benches that listen to events instead of polling. */
  mqtt: string;
  dataDir: string;
}

/**
 * The V8 flags Loop runs with: bin/loop.js's shebang, or BENCH_LOOP_FLAGS (space-separated) to try
 * others; with BENCH_LOOP_FLAGS set, spawnLoop runs `node <flags> bin/loop.js` instead.
 */
export function loopFlags(): string[] {
  const override = process.env.BENCH_LOOP_FLAGS;
  if (override !== undefined) return override.split(/\s+/).filter(Boolean);
  const first = readFileSync(loopBin, 'utf8').split('\n')[0] ?? '';
  return first.split(/\s+/).filter((a) => a.startsWith('--'));
}

/** `LOOP_PLUGINS` for spawnLoop: unset, so config/default.yaml's plugin list applies (all seven). */
export const DEFAULT_PLUGINS = undefined;

/**
 * Starts `bin/loop.js start` as the service manager does (the file executed, not `node file`),
 * with only the system plugin unless `extraEnv.LOOP_PLUGINS` says otherwise (DEFAULT_PLUGINS: the
 * shipped defaults), loopback ports and a temp data dir. A variable set to undefined is unset.
 * Does not wait for it.
 */
export async function spawnLoop(extraEnv: Record<string, string | undefined> = {}): Promise<LoopChild> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loop-bench-'));
  const httpPort = await freePort();
  const mqttPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOOP_HTTP_PORT: String(httpPort),
    LOOP_HTTP_HOST: '127.0.0.1',
    LOOP_MQTT_PORT: String(mqttPort),
    LOOP_MQTT_HOST: '127.0.0.1',
    LOOP_DATA_DIR: dataDir,
    LOOP_PLUGINS: '[system]',
    LOOP_LOG_LEVEL: 'info',
    ...extraEnv,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const c =
    process.env.BENCH_LOOP_FLAGS === undefined
      ? spawnChild(loopBin, ['start'], env)
      : spawnChild(process.execPath, [...loopFlags(), loopBin, 'start'], env);
  const stop = c.stop.bind(c);
  return {
    ...c,
    http: `http://127.0.0.1:${httpPort}`,
    mqtt: `mqtt://127.0.0.1:${mqttPort}`,
    dataDir,
    stop: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A Loop with only system and media, whose upload bounds let a file of `bytes` in (the upload benches). */
export function spawnUploadLoop(bytes: number): Promise<LoopChild> {
  return spawnLoop({
    LOOP_PLUGINS: '[system,media]',
    LOOP_MEDIA_MAX_UPLOAD_BYTES: String(bytes + 1024 * 1024),
    LOOP_MEDIA_MIN_FREE_BYTES: '0',
  });
}

/** Writes `bytes` random bytes to `path` (incompressible, so no layer can shortcut them), synced. */
export async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const block = randomBytes(16 * 1024 * 1024);
  const fh = await open(path, 'w');
  try {
    for (let left = bytes; left > 0; left -= block.length) await fh.write(left >= block.length ? block : block.subarray(0, left));
    await fh.sync();
  } finally {
    await fh.close();
  }
}
