// Start a real Loop for a test: in-process (fast; real broker, sockets and plugins) or as a
// child process (for kill -9, signals, start-up). Free loopback ports, a temp data dir each.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { merge, readYamlFile, validateConfig } from '../../core/config/load.js';
import type { LoopConfig } from '../../core/config/schema.js';
import { createLogger } from '../../core/log.js';
import { defaultConfigPath, packageRoot } from '../../core/paths.js';
import { LoopRuntime } from '../../core/runtime.js';
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
  const problems = validateConfig(tree);
  if (problems.length) throw new Error(`bad test config: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  return tree as LoopConfig;
}

export async function startTestLoop(overrides: Tree = {}, opts: { dataDir?: string } = {}): Promise<TestLoop> {
  const config = await testConfig(overrides, opts.dataDir);
  const deviceId = config.device.id as string;
  const runtime = new LoopRuntime({ config, deviceId, log: createLogger(config.log.level, false) });
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
}

export async function startLoopProcess(opts: ProcessOptions = {}): Promise<LoopProcess> {
  const dataDir = opts.dataDir ?? tempDir();
  const httpPort = opts.ports?.http ?? (await freePort());
  const mqttPort = opts.ports?.mqtt ?? (await freePort());
  const deviceId = (opts.config?.device as Tree | undefined)?.id as string | undefined ?? 'proc';
  const cfg = merge({ device: { id: deviceId, name: 'Loop test' }, plugins: ['system'], log: { level: 'info', json: false }, auth: { mode: 'off' } }, opts.config ?? {});
  const cfgFile = join(dataDir, '..', `${dataDir.split('/').pop()}-config.yaml`);
  writeFileSync(cfgFile, stringify(cfg));
  const env = {
    ...process.env,
    LOOP_HTTP_PORT: String(httpPort), LOOP_HTTP_HOST: '127.0.0.1',
    LOOP_MQTT_PORT: String(mqttPort), LOOP_MQTT_HOST: '127.0.0.1',
    LOOP_DATA_DIR: dataDir, LOOP_HTTP_DOCS_UI: 'false',
    ...opts.env,
  };
  const child = spawn(process.execPath, [join(packageRoot, 'bin', 'loop.js'), 'start', '--config', cfgFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  if (!opts.noWait) {
    await withDeadline(new Promise<void>((resolve, reject) => {
      const check = () => {
        if (out.includes('Loop is up')) resolve();
      };
      child.stdout?.on('data', check);
      void exited.then(({ code, signal }) => reject(new Error(`Loop exited (${code ?? signal}) before it was up:\n${out}`)));
    }), opts.startTimeoutMs ?? 15_000, `Loop process start\n${out}`);
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
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
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
