// Debian's mosquitto on a free loopback port, for external-broker mode. Started and stopped by tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { tempDir } from './loop.js';
import { connect } from 'node:net';
import { sleep, withDeadline } from './wait.js';

export const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p)) ?? null;

export interface Mosquitto {
  url: string;
  port: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

async function launch(conf: string, port: number): Promise<ChildProcess> {
  if (!MOSQUITTO) throw new Error('mosquitto is not installed (apt-get install mosquitto)');
  const child = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  // mosquitto block-buffers its log when piped, so readiness is "the port accepts a connection".
  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode}): ${out}`);
    if (await accepts(port)) return child;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port} within 5 s: ${out}`);
    await sleep(50);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** `configure` writes a config of its own into `dir` (ACLs, passwords) and returns its text; the default is anonymous. */
export async function startMosquitto(configure?: (dir: string, port: number) => string): Promise<Mosquitto> {
  const port = await freePort();
  const dir = tempDir('loop-mosq-');
  const conf = join(dir, 'mosquitto.conf');
  // No persistence: a restart loses retained messages, which is what Loop must survive.
  writeFileSync(
    conf,
    configure ? configure(dir, port) : `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n`,
  );
  let child = await launch(conf, port);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    await withDeadline(exited, 5000, 'mosquitto to stop');
  };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    stop,
    restart: async () => {
      await stop();
      child = await launch(conf, port);
    },
  };
}
