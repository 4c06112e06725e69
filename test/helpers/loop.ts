// Start a real Loop for a test: in-process (fast; real broker, sockets and plugins) or as a
// child process (for kill -9, signals, start-up). Free loopback ports, a temp data dir each.
// The one shared setup for loop/player tests too: a Loop on a headless mpv, a library published on
// the bus (what the media plugin would publish), a second IPC connection to that mpv (so tests read
// back what mpv really plays), and bus requests over MQTT matched on their `transaction`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { merge, readYamlFile, validateConfig } from '../../core/config/load.js';
import type { MediaItem, MediaState } from '../../core/protocol/index.js';
import { MpvIpc, type MpvEvent } from '../../plugins/player/mpv-ipc.js';
import { edlFiles } from '../../plugins/player/timeline.js';
import type { LoopConfig } from '../../core/config/schema.js';
import type { PinnedSettings } from '../../core/config/owner-settings.js';
import { createLogger } from '../../core/log.js';
import { defaultConfigPath, packageRoot } from '../../core/paths.js';
import { LoopRuntime } from '../../core/runtime.js';
import { builtinPlugins } from '../../app/builtin.js';
import { loopParts } from '../../app/parts.js';
import type { TestMqtt } from './mqtt.js';
import { freePort } from './ports.js';
import { withDeadline } from './wait.js';

type Tree = Record<string, unknown>;

export interface TestLoop {
  runtime: LoopRuntime;
  http: string;
  ws: string;
  /** mqtt://127.0.0.1:<port> of the embedded broker (null in external mode). */
  mqtt: string | null;
  dataDir: string;
  baseTopic: string;
  stop(): Promise<void>;
}

export const tempDir = (prefix = 'loop-test-'): string => mkdtempSync(join(tmpdir(), prefix));

/**
 * A config for tests: loopback only, free ports, temp data dir, quiet logs, only `system` unless
 * overridden; auth off (the first version's open protocol), except in the tests of auth itself
 * (test/integration/auth*.test.ts, test/e2e/attacker*.test.ts), which turn it on.
 */
export async function testConfig(overrides: Tree = {}, dataDir = tempDir()): Promise<LoopConfig> {
  const base: Tree = {
    device: { id: `t${Math.random().toString(36).slice(2, 8)}`, name: 'Loop test' },
    data: { dir: dataDir },
    log: { level: process.env.LOOP_TEST_LOG ?? 'silent', json: false },
    http: { host: '127.0.0.1', port: await freePort(), docs_ui: false },
    mqtt: { host: '127.0.0.1', port: await freePort() },
    plugins: ['system'],
    auth: { mode: 'off' },
  };
  const tree = merge(merge(readYamlFile(defaultConfigPath), base), overrides);
  const problems = validateConfig(tree, builtinPlugins);
  if (problems.length) throw new Error(`bad test config: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  return tree as LoopConfig;
}

export async function startTestLoop(overrides: Tree = {}, opts: { dataDir?: string; pinned?: PinnedSettings } = {}): Promise<TestLoop> {
  const config = await testConfig(overrides, opts.dataDir);
  const deviceId = config.device.id as string;
  const runtime = new LoopRuntime({
    config,
    parts: loopParts,
    deviceId,
    log: createLogger(config.log.level, false),
    ...(opts.pinned ? { pinned: opts.pinned } : {}),
  });
  try {
    await runtime.start();
  } catch (err) {
    await runtime.stop().catch(() => undefined);
    throw err;
  }
  const port = runtime.httpPort;
  return {
    runtime,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}/ws`,
    mqtt: runtime.mqttPort ? `mqtt://127.0.0.1:${runtime.mqttPort}` : null,
    dataDir: config.data.dir,
    baseTopic: runtime.baseTopic,
    stop: () => runtime.stop(),
  };
}

export interface LoopProcess {
  child: ChildProcess;
  http: string;
  ws: string;
  mqtt: string;
  dataDir: string;
  baseTopic: string;
  output: () => string;
  /** Resolves with the exit code (or null when killed by a signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` to Loop's whole process group (needs `detached`): Loop and its mpv/ffmpeg children alike. */
  killGroup(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ProcessOptions {
  /** Merged over the test defaults and written to a YAML file passed with --config. */
  config?: Tree;
  env?: Record<string, string>;
  /** Reuse a data dir (restart scenarios). */
  dataDir?: string;
  /** Reuse ports (restart scenarios). */
  ports?: { http: number; mqtt: number };
  /** Resolve once spawned instead of waiting for "Loop is up". */
  noWait?: boolean;
  startTimeoutMs?: number;
  /** In a process group of its own (so a signal can go to the whole group, as a service manager sends it). */
  detached?: boolean;
  /** With bin/loop.js's shebang V8 flags, as the service runs it (memory figures depend on them). */
  shippedFlags?: boolean;
}

/** The V8 flags of bin/loop.js's shebang line, read from the file so tests follow it. */
export function shippedNodeFlags(): string[] {
  const first = readFileSync(join(packageRoot, 'bin', 'loop.js'), 'utf8').split('\n')[0] ?? '';
  return first.split(/\s+/).filter((a) => a.startsWith('--'));
}

export async function startLoopProcess(opts: ProcessOptions = {}): Promise<LoopProcess> {
  const dataDir = opts.dataDir ?? tempDir();
  const httpPort = opts.ports?.http ?? (await freePort());
  const mqttPort = opts.ports?.mqtt ?? (await freePort());
  const deviceId = ((opts.config?.device as Tree | undefined)?.id as string | undefined) ?? 'proc';
  const cfg = merge(
    { device: { id: deviceId, name: 'Loop test' }, plugins: ['system'], log: { level: 'info', json: false }, auth: { mode: 'off' } },
    opts.config ?? {},
  );
  const cfgFile = join(dataDir, '..', `${dataDir.split('/').pop()}-config.yaml`);
  writeFileSync(cfgFile, stringify(cfg));
  const env = {
    ...process.env,
    LOOP_HTTP_PORT: String(httpPort),
    LOOP_HTTP_HOST: '127.0.0.1',
    LOOP_MQTT_PORT: String(mqttPort),
    LOOP_MQTT_HOST: '127.0.0.1',
    LOOP_DATA_DIR: dataDir,
    LOOP_HTTP_DOCS_UI: 'false',
    ...opts.env,
  };
  const flags = opts.shippedFlags ? shippedNodeFlags() : [];
  const child = spawn(process.execPath, [...flags, join(packageRoot, 'bin', 'loop.js'), 'start', '--config', cfgFile], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  if (!opts.noWait) {
    await withDeadline(
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (out.includes('Loop is up')) resolve();
        };
        child.stdout?.on('data', check);
        void exited.then(({ code, signal }) => reject(new Error(`Loop exited (${code ?? signal}) before it was up:\n${out}`)));
      }),
      opts.startTimeoutMs ?? 15_000,
      `Loop process start\n${out}`,
    );
  }
  return {
    child,
    http: `http://127.0.0.1:${httpPort}`,
    ws: `ws://127.0.0.1:${httpPort}/ws`,
    mqtt: `mqtt://127.0.0.1:${mqttPort}`,
    dataDir,
    baseTopic: `loop/${deviceId}`,
    output: () => out,
    exited,
    kill: (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    killGroup: (signal) => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, signal);
      return exited;
    },
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return withDeadline(exited, 8000, 'Loop process to exit');
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** JSON over HTTP with the status, for REST tests. */
export async function http(method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method,
    ...(body !== undefined
      ? { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) }
      : {}),
  });
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { raw: text };
  }
  return { status: res.status, json };
}

// ---- the player and loop on a headless mpv ------------------------------------------------------

export interface Media {
  slug: string;
  path: string;
  kind: 'video' | 'image';
  duration?: number;
  /** A still's clip, as the media plugin makes it (plugins/media/still-clip.ts). */
  stillClip?: { path: string; duration: number };
}

export function mediaItem(m: Media): MediaItem {
  return {
    slug: m.slug,
    filename: `${m.slug}.${m.kind === 'image' ? 'png' : 'mp4'}`,
    type: m.kind === 'image' ? 'image/png' : 'video/mp4',
    size: 1000,
    uploadedAt: new Date().toISOString(),
    url: `/media/${m.slug}`,
    thumbnail_url: null,
    kind: m.kind,
    duration: m.duration ?? (m.kind === 'video' ? 1 : null),
    width: 320,
    height: 240,
    frame_count: 25,
    processing_status: 'ready',
    path: m.path,
    ...(m.kind === 'image' ? { still_clip: m.stillClip ? { ...m.stillClip, url: '', has_audio: false } : null } : {}),
  };
}

/** Publishes the library as the media plugin would (retained `media`). */
export async function publishLibrary(loop: TestLoop, items: readonly Media[]): Promise<void> {
  const state: MediaState = { items: items.map(mediaItem), updated_at: new Date().toISOString() };
  await loop.runtime.bus.publish('media', state, { retain: true });
}

export const mpvSocket = (): string => join(tmpdir(), `loop-it-${process.pid}-${Math.random().toString(36).slice(2, 8)}.sock`);

export interface PlayerLoopOptions {
  socket?: string;
  player?: Record<string, unknown>;
  loop?: Record<string, unknown>;
  dataDir?: string;
}

/** A Loop with system, player (mpv --vo=null --ao=null) and loop. */
export function startPlayerLoop(o: PlayerLoopOptions = {}): Promise<TestLoop> {
  return startTestLoop(
    {
      plugins: ['system', 'player', 'loop'],
      player: { vo: 'null', ao: 'null', ipc_socket: o.socket ?? mpvSocket(), hang_timeout_ms: 1000, ...o.player },
      loop: { repeat: 1, image_duration: 1, ...o.loop },
    },
    o.dataDir ? { dataDir: o.dataDir } : {},
  );
}

export interface Seen {
  event: string;
  t: number;
  id?: number;
  reason?: string;
}

/** A change of mpv's `path` property: the file on screen changed. */
export interface PathChange {
  path: string;
  t: number;
}

/**
 * A second connection to the player's mpv: records events, reads properties, follows restarts.
 * When mpv plays a timeline (`edl://`, player.timeline auto), the file on screen is the one of the
 * segment on screen (observed `chapter`), and each segment begins a `pass` (else each
 * `playback-restart` does: a file's first frame or a loop-file pass).
 */
export class MpvWatch {
  ipc: MpvIpc;
  readonly events: Seen[] = [];
  /** Every change of the file mpv plays, as mpv reports it (observed `path`, and `chapter` in a timeline). */
  readonly paths: PathChange[] = [];
  private waiters: Array<{ pred: (e: Seen) => boolean; resolve: (e: Seen) => void }> = [];
  private segments: string[] | null = null;

  constructor(private readonly socket: string) {
    this.ipc = this.make();
  }

  private make(): MpvIpc {
    const ipc = new MpvIpc({ binary: 'mpv', socket: this.socket, args: [] });
    ipc.on('property', (name: string, value: unknown) => {
      const t = performance.now();
      if (name === 'path' && typeof value === 'string') {
        this.segments = edlFiles(value);
        if (!this.segments) this.onPath(value, t);
      } else if (name === 'chapter' && this.segments && typeof value === 'number') {
        const file = this.segments[value];
        if (file) this.onPath(file, t);
        this.record({ event: 'pass', t });
      }
    });
    ipc.on('event', (e: MpvEvent) => {
      const seen: Seen = { event: e.event, t: performance.now() };
      if (typeof e.playlist_entry_id === 'number') seen.id = e.playlist_entry_id;
      if (typeof e.reason === 'string') seen.reason = e.reason;
      this.record(seen);
      if (e.event === 'playback-restart' && !this.segments) this.record({ event: 'pass', t: seen.t });
    });
    return ipc;
  }

  private onPath(path: string, t: number): void {
    if (this.paths[this.paths.length - 1]?.path !== path || !this.segments) this.paths.push({ path, t });
  }

  private record(seen: Seen): void {
    this.events.push(seen);
    for (const w of [...this.waiters]) {
      if (w.pred(seen)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(seen);
      }
    }
  }

  /** (Re)connects, retrying while mpv (re)starts. */
  async attach(timeoutMs = 5000): Promise<void> {
    this.ipc.detach();
    this.ipc = this.make();
    const end = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.ipc.attach();
        await this.ipc.observeProperty('path');
        await this.ipc.observeProperty('chapter');
        return;
      } catch (err) {
        if (Date.now() > end) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  mark(): number {
    return this.events.length;
  }

  next(pred: (e: Seen) => boolean, timeoutMs = 5000, since = this.events.length): Promise<Seen> {
    const hit = this.events.slice(since).find(pred);
    if (hit) return Promise.resolve(hit);
    return withDeadline(new Promise<Seen>((resolve) => this.waiters.push({ pred, resolve })), timeoutMs, 'an mpv event');
  }

  /** The file on screen (in a timeline, the file of the segment on screen). */
  async path(): Promise<string | null> {
    const path = ((await this.ipc.getProperty('path').catch(() => null)) as string | null) ?? null;
    const files = path === null ? null : edlFiles(path);
    if (!files) return path;
    const chapter = async () => (await this.ipc.getProperty('chapter').catch(() => null)) as number | null;
    let c = await chapter();
    // A timeline just started has no chapter until it is loaded (a moment after start-file).
    if (c === null) c = await this.next((e) => e.event === 'pass', 2000).then(chapter, () => null);
    return c === null ? null : (files[c] ?? null);
  }

  async pid(): Promise<number> {
    return (await this.ipc.getProperty('pid')) as number;
  }

  /** Waits until mpv plays `path` (checking now, then at each start-file). */
  async playing(path: string, timeoutMs = 5000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if ((await this.path()) === path) return;
      await this.next(
        (e) => e.event === 'start-file' || e.event === 'file-loaded' || e.event === 'pass',
        Math.max(50, Math.min(500, end - Date.now())),
      ).catch(() => undefined);
    }
    throw new Error(`mpv did not play ${path} within ${timeoutMs} ms (plays ${await this.path()})`);
  }

  close(): void {
    this.ipc.detach();
  }
}

/**
 * A bus request over MQTT (`bridge/request/<plugin>/<action>`), as Home Assistant or Node-RED send
 * it; the answer is matched on a fresh `transaction`. A string payload is sent as it is (bad input
 * tests), and then only the topic can match.
 */
export async function mqttRequest(
  mqtt: TestMqtt,
  baseTopic: string,
  plugin: string,
  action: string,
  payload: object | string = {},
  timeoutMs = 8000,
): Promise<Record<string, unknown>> {
  const since = mqtt.mark();
  const transaction = typeof payload === 'string' ? null : `t${Math.random().toString(36).slice(2)}`;
  await mqtt.publish(
    `${baseTopic}/bridge/request/${plugin}/${action}`,
    typeof payload === 'string' ? payload : { ...payload, transaction },
  );
  const res = await mqtt.next(
    (m) =>
      m.topic === `${baseTopic}/bridge/response/${plugin}/${action}` &&
      (transaction === null || (m.json as { transaction?: string } | undefined)?.transaction === transaction),
    timeoutMs,
    since,
  );
  return res.json as Record<string, unknown>;
}
