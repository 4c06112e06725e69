// Real Node-RED (the devDependency, 4.1.x) headless on loopback: a temp userDir, settings that turn
// off everything that would reach the network (telemetry, update checks, palette installs), the
// given flows, and its admin API for injects. Started once per test file.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { removeDir, tempDir } from './loop.js';
import { freePort } from './ports.js';
import { withDeadline } from './wait.js';

export interface NodeRed {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Fires an inject node, as its button in the editor does (POST /inject/<id>). */
  inject(id: string): Promise<void>;
  stop(): Promise<void>;
}

/** The node-red package's launcher, or null when it is not installed. */
export function nodeRedBin(): string | null {
  try {
    return createRequire(import.meta.url).resolve('node-red/red.js');
  } catch {
    return null;
  }
}

export interface NodeRedOptions {
  waitFor?: RegExp;
  timeoutMs?: number;
  /** Node id → credentials (e.g. a broker node's `{user, password}`), as the editor's Security tab stores them. */
  credentials?: Record<string, Record<string, string>>;
}

export async function startNodeRed(flows: unknown[], opts: NodeRedOptions = {}): Promise<NodeRed> {
  const bin = nodeRedBin();
  if (!bin) throw new Error('node-red is not installed (npm ci)');
  const dir = tempDir('loop-nodered-');
  const port = await freePort();
  writeFileSync(join(dir, 'flows.json'), JSON.stringify(flows, null, 2));
  // With credentialSecret false, Node-RED reads them as plain JSON beside the flows.
  if (opts.credentials) writeFileSync(join(dir, 'flows_cred.json'), JSON.stringify(opts.credentials, null, 2));
  writeFileSync(
    join(dir, 'settings.js'),
    `module.exports = ${JSON.stringify(
      {
        uiHost: '127.0.0.1',
        uiPort: port,
        flowFile: 'flows.json',
        credentialSecret: false,
        logging: { console: { level: 'info', metrics: false, audit: false } },
        diagnostics: { enabled: false, ui: false },
        telemetry: { enabled: false, updateNotification: false },
        externalModules: { autoInstall: false, palette: { allowInstall: false, allowUpload: false } },
        editorTheme: { tours: false, projects: { enabled: false } },
      },
      null,
      2,
    )};\n`,
  );
  const child = spawn(process.execPath, [bin, '--userDir', dir, '--settings', join(dir, 'settings.js')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = opts.waitFor ?? /Connected to broker/;
  await withDeadline(
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (/Started flows/.test(out) && ready.test(out)) resolve();
      };
      child.stdout?.on('data', check);
      void exited.then(() => reject(new Error(`Node-RED exited before it was ready:\n${out}`)));
    }),
    opts.timeoutMs ?? 30_000,
    `Node-RED to start and connect\n${out}`,
  );
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    child,
    output: () => out,
    inject: async (id) => {
      const res = await fetch(`${url}/inject/${id}`, { method: 'POST' });
      if (res.status !== 200) throw new Error(`inject ${id}: HTTP ${res.status} ${await res.text()}`);
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await withDeadline(exited, 8000, 'Node-RED to exit');
      removeDir(dir);
    },
  };
}
