// A thin client for mpv's JSON IPC: spawns one long-lived `mpv --idle`, matches answers to
// requests by id, re-sends property observations on every (re)connect, and reports how the
// process ended. The method names follow node-mpv (start, quit, load, pause, resume,
// togglePause, seek, volume, mute, getProperty, setProperty, observeProperty, command) so the
// player reads the same as with it; see README.md for why node-mpv 1.5.0 is not used.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { access, constants, unlink } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { PendingAnswers } from '../../core/util/pending.js';
import { asText } from '../../core/util/text.js';
import { monotonicMs } from '../../core/util/clock.js';

export interface MpvIpcOptions {
  /** The mpv executable (absolute path or a name on PATH). */
  binary: string;
  /** Path of the IPC socket mpv creates. */
  socket: string;
  /** Arguments beyond --idle and --input-ipc-server. */
  args: readonly string[];
  /** How long start() waits for the socket (ms). */
  startTimeoutMs?: number;
  /** Default time a command may take before it rejects with a timeout (ms). */
  commandTimeoutMs?: number;
}

/** An mpv event as sent on the socket, e.g. {event:'end-file', reason:'eof', playlist_entry_id:3}. */
export interface MpvEvent {
  event: string;
  [key: string]: unknown;
}

export interface MpvExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  expected: boolean;
  stderr: string;
}

/** mpv answered with an error (e.g. "property unavailable"), or did not answer in time. */
export class MpvError extends Error {
  constructor(
    message: string,
    readonly kind: 'mpv' | 'timeout' | 'closed' | 'missing' | 'start',
  ) {
    super(message);
    this.name = 'MpvError';
  }
}

export interface MpvIpcEvents {
  event: [MpvEvent];
  property: [string, unknown];
  /** The process ended; `expected` is true only after quit(). */
  exit: [MpvExit];
  /** One line mpv printed (warnings and errors, given --msg-level=all=warn). */
  stderr: [string];
}

export class MpvIpc extends EventEmitter<MpvIpcEvents> {
  private child: ChildProcess | null = null;
  private sock: Socket | null = null;
  private buffer = '';
  private nextId = 1;
  private readonly pending = new PendingAnswers<number>();
  private readonly observed = new Map<number, string>();
  private quitting = false;
  private stderrTail = '';
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly opts: MpvIpcOptions) {
    super();
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** The last lines mpv printed (its warnings and errors). */
  get stderr(): string {
    return this.stderrTail.trim();
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves when mpv runs and its socket answers; rejects with MpvError('missing') when there is no mpv. */
  async start(): Promise<void> {
    if (this.running) return;
    await checkExecutable(this.opts.binary);
    // No socket left over is the usual case (ENOENT); one that cannot go makes mpv's bind fail, reported by start.
    await unlink(this.opts.socket).catch(() => undefined);
    this.quitting = false;
    this.stderrTail = '';
    const child = spawn(this.opts.binary, ['--idle=yes', `--input-ipc-server=${this.opts.socket}`, ...this.opts.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    // mpv writes its messages to stdout when that is not a terminal, some to stderr: keep both.
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (s: string) => {
        this.stderrTail = (this.stderrTail + s).slice(-2000);
        for (const line of s.split('\n')) if (line.trim()) this.emit('stderr', line.trim());
      });
    }
    let spawnError: Error | null = null;
    this.exited = new Promise<void>((resolve) => {
      child.once('error', (err) => {
        spawnError = err;
      });
      child.once('close', (code, signal) => {
        if (this.child === child) this.child = null;
        this.dropSocket(new MpvError('mpv exited', 'closed'));
        this.emit('exit', { code, signal, expected: this.quitting, stderr: this.stderrTail.trim() });
        resolve();
      });
    });
    const deadline = monotonicMs() + (this.opts.startTimeoutMs ?? 5000);
    for (;;) {
      if (spawnError) throw new MpvError(`mpv could not start: ${(spawnError as Error).message}`, 'start');
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new MpvError(
          `mpv exited at start (${child.exitCode ?? child.signalCode}): ${this.stderrTail.trim() || 'no output'}`,
          'start',
        );
      }
      try {
        await this.connectSocket();
        break;
      } catch {
        if (monotonicMs() > deadline) {
          child.kill('SIGKILL');
          throw new MpvError(`mpv did not open its IPC socket within ${this.opts.startTimeoutMs ?? 5000} ms`, 'start');
        }
        await delay(20);
      }
    }
  }

  /** Connects to an mpv started by someone else (tests, the bench, a second viewer); owns no process. */
  async attach(): Promise<void> {
    await this.connectSocket();
  }

  /** Closes an attached connection (the mpv keeps running). */
  detach(): void {
    this.dropSocket(new MpvError('detached', 'closed'));
  }

  /** Asks mpv to quit; kills it when it does not within timeoutMs. */
  async quit(timeoutMs = 2000): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.quitting = true;
    // Unanswered when mpv is already dying; the SIGKILL below ends it either way.
    this.command('quit').catch(() => undefined);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
    // mpv may have removed its socket itself; the next start removes a stale one anyway.
    await unlink(this.opts.socket).catch(() => undefined);
  }

  /** Kills the process outright (used when it stops answering). */
  kill(): void {
    this.child?.kill('SIGKILL');
  }

  /** Resolves when the current process has ended. */
  waitExit(): Promise<void> {
    return this.exited;
  }

  /** Any mpv input command, e.g. command('loadfile', path, 'append'); resolves mpv's `data`. */
  command(name: string, ...args: unknown[]): Promise<unknown> {
    return this.send([name, ...args], this.opts.commandTimeoutMs ?? 3000);
  }

  /** Like command() with its own timeout (the watchdog's ping). */
  commandWithin(timeoutMs: number, name: string, ...args: unknown[]): Promise<unknown> {
    return this.send([name, ...args], timeoutMs);
  }

  getProperty(name: string): Promise<unknown> {
    return this.command('get_property', name);
  }

  async setProperty(name: string, value: unknown): Promise<void> {
    await this.command('set_property', name, value);
  }

  /** Observations are per connection in mpv, so they are kept here and re-sent after every connect. */
  async observeProperty(name: string): Promise<void> {
    if ([...this.observed.values()].includes(name)) return;
    const id = this.observed.size + 1;
    this.observed.set(id, name);
    if (this.sock) await this.command('observe_property', id, name);
  }

  /** Loads a file; resolves the playlist entry id mpv gave it. `options` become per-file options. */
  async load(
    file: string,
    mode: 'replace' | 'append' | 'append-play' = 'replace',
    options: Record<string, string | number> = {},
  ): Promise<number> {
    const opts = Object.entries(options)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(',');
    // Named arguments: mpv 0.38 put an `index` before `options` (Debian 13's 0.40 refuses the old
    // positional form: "argument index can't be parsed"); names work on 0.35 and 0.40 alike.
    const command = opts ? { name: 'loadfile', url: file, flags: mode, options: opts } : ['loadfile', file, mode];
    const data = (await this.send(command, this.opts.commandTimeoutMs ?? 3000)) as { playlist_entry_id?: number } | null;
    return data?.playlist_entry_id ?? -1;
  }

  pause(): Promise<void> {
    return this.setProperty('pause', true);
  }

  resume(): Promise<void> {
    return this.setProperty('pause', false);
  }

  async togglePause(): Promise<boolean> {
    await this.command('cycle', 'pause');
    return (await this.getProperty('pause')) === true;
  }

  async seek(seconds: number, mode: 'relative' | 'absolute' = 'relative'): Promise<void> {
    await this.command('seek', seconds, mode);
  }

  volume(level: number): Promise<void> {
    return this.setProperty('volume', level);
  }

  mute(on: boolean): Promise<void> {
    return this.setProperty('mute', on);
  }

  /** `cmd` is positional (`[name, ...args]`) or named (`{name, ...args}`, mpv's JSON IPC). */
  private send(cmd: unknown[] | { name: string }, timeoutMs: number): Promise<unknown> {
    const sock = this.sock;
    if (!sock) return Promise.reject(new MpvError('mpv is not connected', 'closed'));
    const id = this.nextId++;
    const answer = this.pending.wait(
      id,
      timeoutMs,
      () => new MpvError(`mpv did not answer ${Array.isArray(cmd) ? String(cmd[0]) : cmd.name} within ${timeoutMs} ms`, 'timeout'),
    );
    sock.write(JSON.stringify({ command: cmd, request_id: id }) + '\n');
    return answer;
  }

  private connectSocket(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const sock = connect(this.opts.socket);
      sock.setEncoding('utf8');
      sock.once('error', reject);
      sock.once('connect', () => {
        sock.off('error', reject);
        this.sock = sock;
        this.buffer = '';
        sock.on('data', (chunk: string) => this.onData(chunk));
        sock.on('error', () => undefined);
        sock.on('close', () => this.onSocketClosed(sock));
        // Re-send the observations: mpv keeps them per connection (the node-mpv 1.5 bug).
        Promise.all([...this.observed].map(([id, name]) => this.command('observe_property', id, name))).then(
          () => resolve(),
          (err: unknown) => reject(err as Error),
        );
      });
    });
  }

  private onSocketClosed(sock: Socket): void {
    if (this.sock !== sock) return;
    this.dropSocket(new MpvError('mpv IPC socket closed', 'closed'));
    // The process may still live (someone removed the socket file): reconnect, else kill it.
    if (this.running && !this.quitting) {
      void this.reconnect();
    }
  }

  private async reconnect(): Promise<void> {
    for (let i = 0; i < 10 && this.running && !this.sock; i++) {
      try {
        await this.connectSocket();
        return;
      } catch {
        await delay(100);
      }
    }
    if (!this.sock) this.kill();
  }

  private dropSocket(err: MpvError): void {
    const sock = this.sock;
    this.sock = null;
    sock?.destroy();
    this.pending.failAll(err);
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (!line.trim()) continue;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      this.dispatch(msg);
    }
  }

  private dispatch(msg: Record<string, unknown>): void {
    if (typeof msg.event === 'string') {
      if (msg.event === 'property-change' && typeof msg.name === 'string') this.emit('property', msg.name, msg.data);
      this.emit('event', msg as MpvEvent);
      return;
    }
    const id = msg.request_id;
    if (typeof id !== 'number') return;
    this.pending.settle(
      id,
      msg.error === 'success' ? { value: msg.data ?? null } : { error: new MpvError(`mpv: ${asText(msg.error)}`, 'mpv') },
    );
  }
}

async function checkExecutable(binary: string): Promise<void> {
  if (binary.includes('/')) {
    try {
      await access(binary, constants.X_OK);
    } catch {
      throw new MpvError(`mpv not found at ${binary}`, 'missing');
    }
    return;
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir) continue;
    try {
      await access(`${dir}/${binary}`, constants.X_OK);
      return;
    } catch {
      // keep looking
    }
  }
  throw new MpvError(`${binary} not found on PATH (install mpv: apt install mpv)`, 'missing');
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
