// mpv's life, apart from what it plays: launch (with the orphan guard), exit handling, the hang
// watchdog, crash backoff, restart, and a stop that never restarts it. It reports to its owner
// (the player service) through `MpvOwner` and knows nothing of loops or playlists.
import type { PluginContext } from '../../core/plugins/api.js';
import { ActionError } from '../../core/protocol/index.js';
import { isMpvNoise, mpvComplaint } from './mpv-noise.js';
import type { PlayerConfig } from './config.js';
import { MpvError, MpvIpc, type MpvEvent, type MpvExit } from './mpv-ipc.js';
import { MpvOrphans } from './orphans.js';
import { effectiveVo, hasScreen } from './screen.js';
import { monotonicMs } from '../../core/util/clock.js';
import { Backoff } from '../../core/util/backoff.js';

/** What mpv is doing (the `state` of `player` is derived from it). */
export type MpvPhase = 'starting' | 'running' | 'restarting' | 'unavailable' | 'error' | 'closed';

/** What the supervisor tells the player, and asks of it. */
export interface MpvOwner {
  /** The arguments of the next launch (settings may have changed since the last one). */
  args(): string[];
  /** Set up a new mpv (observations, mute); a throw means it failed while being set up. */
  prepare(mpv: MpvIpc): Promise<void>;
  /** A new mpv is up and answering: fill it (resuming what played). */
  up(mpv: MpvIpc): void;
  /** mpv is gone: note what to resume, forget what it held. */
  down(): void;
  /** The phase or its reason changed (publish the state). */
  changed(): Promise<void>;
  event(e: MpvEvent): void;
  property(name: string, value: unknown): void;
}

/** A signal that says "shut down" (a service manager or a terminal ends the process group). */
const POLITE = new Set<NodeJS.Signals>(['SIGTERM', 'SIGINT', 'SIGHUP']);
/** How long an mpv ended politely waits for Loop's own stop before it counts as a crash. */
const GRACE_MS = 1000;
/** mpv's restart delays (core/util/backoff.ts): the first within 250-500 ms, doubling, never over 8 s. */
const RESTART_BACKOFF = { minMs: 250, maxMs: 8000 };

export function mpvArgs(c: PlayerConfig, volume: number, imageDuration: number, screen = hasScreen()): string[] {
  const vo = effectiveVo(c.vo, screen);
  const args = [
    '--no-config',
    '--no-input-terminal',
    '--quiet',
    '--term-osd=no',
    '--msg-level=all=warn',
    '--loop-playlist=inf',
    '--prefetch-playlist=yes',
    '--keep-open=no',
    '--gapless-audio=yes',
    `--image-display-duration=${imageDuration}`,
    '--audio-display=no',
    '--osd-level=0',
    '--no-osc',
    '--no-input-default-bindings',
    '--input-vo-keyboard=no',
    '--cursor-autohide=always',
    '--demuxer-max-bytes=16MiB',
    '--demuxer-max-back-bytes=4MiB',
    `--hwdec=${c.hwdec}`,
    `--volume=${volume}`,
  ];
  if (vo !== 'auto') args.push(`--vo=${vo}`);
  if (c.ao !== 'auto') args.push(`--ao=${c.ao}`);
  // A window (or DRM plane) even when idle, so the idle card can be drawn; the null output has none.
  if (vo !== 'null') args.push('--force-window=yes', '--fullscreen');
  if (c.drm_device) args.push(`--drm-device=${c.drm_device}`);
  return [...args, ...c.extra_args];
}

export class MpvSupervisor {
  phase: MpvPhase = 'starting';
  reason: string | null = null;
  private current: MpvIpc | null = null;
  private crashes: number[] = [];
  /** Restart delays: Loop's one retry rule, from the first crash of a crash window. */
  private readonly restarts = new Backoff(RESTART_BACKOFF);
  private pinging = false;
  private readonly orphans: MpvOrphans;

  constructor(
    private readonly ctx: PluginContext<PlayerConfig>,
    private readonly owner: MpvOwner,
    readonly socket: string,
  ) {
    this.orphans = new MpvOrphans(ctx.dataDir);
  }

  /** The mpv that answers now, if any. */
  get mpv(): MpvIpc | null {
    return this.current;
  }

  async start(): Promise<void> {
    await this.launch();
    const every = Math.max(100, Math.floor(this.ctx.config.hang_timeout_ms / 2));
    // The ping is not awaited on the lane: a hung mpv must not hold the player's commands.
    this.ctx.lane.every(every, 'watch mpv', () => void this.watchdog());
  }

  /** Quits mpv for good: nothing that happens to it from now on restarts it. */
  async stop(): Promise<void> {
    this.phase = 'closed';
    // The lane's timers (a pending restart, the watchdog) are cancelled by the host at stop.
    // quit() kills an mpv that does not quit in time; an error here means it is gone already.
    await this.current?.quit().catch(() => undefined);
    this.current = null;
    // quit() removes the socket of the mpv it ends; an mpv that died first (SIGTERM to the process
    // group, a crash) left its socket behind, since mpv removes it only when it quits itself.
    await this.orphans.removeStaleSocket(this.socket);
    await this.orphans.clear();
  }

  /** A person asked to try again after an error: forget the crash history and start afresh. */
  async retry(): Promise<void> {
    this.crashes = [];
    this.phase = 'restarting';
    // As in stop(): an error means this mpv is gone already, which is what a retry wants.
    await this.current?.quit().catch(() => undefined);
    this.current = null;
    await this.launch();
  }

  /** Starts mpv; a missing mpv makes the player `unavailable`, not a failure. */
  private async launch(): Promise<void> {
    const c = this.ctx.config;
    const leftover = await this.orphans.killLeftover();
    if (leftover !== null) this.ctx.log.warn({ pid: leftover }, 'killed an mpv a previous Loop left running');
    await this.orphans.removeStaleSocket(this.socket);
    // Without the watch script (data dir unwritable) mpv still plays; it may outlive a killed Loop.
    const guard = await this.orphans.args().catch((err: Error) => {
      this.ctx.log.warn({ err: err.message }, 'mpv runs without its watch script');
      return [];
    });
    const mpv = new MpvIpc({
      binary: c.mpv,
      socket: this.socket,
      startTimeoutMs: c.start_timeout_ms,
      args: [...guard, ...this.owner.args()],
    });
    this.phase = 'starting';
    try {
      await mpv.start();
      // Without the pid file only the next start's cleanup of a leftover mpv is lost.
      await this.orphans.record(mpv.pid).catch((err: Error) => this.ctx.log.warn({ err: err.message }, 'mpv pid not recorded'));
    } catch (err) {
      const e = err as MpvError;
      if (e.kind === 'missing') {
        this.phase = 'unavailable';
        this.reason = e.message;
        this.ctx.log.warn(e.message);
        this.ctx.setDetail({ mpv: 'unavailable', reason: e.message });
        this.ctx.notify('warning', `player unavailable: ${e.message}`, undefined, 'player_unavailable');
        await this.owner.changed();
        return;
      }
      await this.onExit({ code: null, signal: null, expected: false, stderr: e.message });
      return;
    }
    if (this.isClosed()) {
      // Loop stopped while it started: quit() kills it if need be; an error means it is gone.
      await mpv.quit().catch(() => undefined);
      return;
    }
    this.current = mpv;
    mpv.on('event', (e) => this.owner.event(e));
    mpv.on('property', (name, value) => this.owner.property(name, value));
    mpv.on('stderr', (line) => {
      if (isMpvNoise(line)) this.ctx.log.debug({ mpv: line }, 'mpv says');
      else this.ctx.log.warn({ mpv: line }, 'mpv says');
    });
    mpv.once('exit', (x) => {
      if (this.current === mpv) this.current = null;
      void this.onExit(x);
    });
    try {
      await this.owner.prepare(mpv);
    } catch (err) {
      // It died (or stopped answering) while being set up: the exit handler restarts it.
      this.ctx.log.warn({ err: (err as Error).message }, 'mpv failed while being set up');
      mpv.kill();
      return;
    }
    this.phase = 'running';
    this.reason = null;
    this.ctx.setDetail({ mpv: 'running', pid: mpv.pid, reason: null });
    this.ctx.log.info({ pid: mpv.pid, socket: this.socket }, 'mpv started');
    this.owner.up(mpv);
  }

  private async onExit(x: MpvExit): Promise<void> {
    if (x.expected || this.phase === 'closed' || this.phase === 'error') return;
    // SIGTERM to the whole process group (a service manager, Ctrl-C) reaches mpv and Loop at once:
    // give Loop's own stop a moment to say so before calling it a crash (the stop cancels this timer).
    if (x.signal && POLITE.has(x.signal)) this.ctx.lane.after(GRACE_MS, 'count mpv ending as a crash', () => this.crashed(x));
    else await this.crashed(x);
  }

  private async crashed(x: MpvExit): Promise<void> {
    if (this.isClosed()) return;
    this.owner.down();
    const now = monotonicMs();
    const windowMs = this.ctx.config.crash_window_seconds * 1000;
    this.crashes = [...this.crashes.filter((t) => now - t < windowMs), now];
    const how = x.signal ? `killed by ${x.signal}` : x.code !== null ? `exited with code ${x.code}` : x.stderr;
    // A signal says why it ended (mpv printed nothing about it); else its complaint, never probe noise.
    const said = x.signal || x.stderr === how ? undefined : mpvComplaint(x.stderr);
    const detail = said ? `: ${said}` : '';
    if (this.crashes.length >= this.ctx.config.max_crashes) {
      this.phase = 'error';
      this.reason = `mpv crashed ${this.crashes.length} times within ${this.ctx.config.crash_window_seconds} s (last: ${how}${detail}); send play to try again`;
      this.ctx.log.error(this.reason);
      this.ctx.setDetail({ mpv: 'error', reason: this.reason, pid: null });
      this.ctx.notify('error', `player stopped: ${this.reason}`, { crashes: this.crashes.length }, 'player_error');
      await this.owner.changed();
      return;
    }
    if (this.crashes.length === 1) this.restarts.reset();
    const backoff = this.restarts.next();
    this.phase = 'restarting';
    this.reason = `mpv ${how}${detail}; restarting`;
    this.ctx.log.warn({ backoff }, this.reason);
    this.ctx.setDetail({ mpv: 'restarting', reason: this.reason, pid: null });
    this.ctx.notify('warning', `player: ${this.reason}`, { attempt: this.crashes.length }, 'player_restart');
    await this.owner.changed();
    this.ctx.lane.after(backoff, 'restart mpv', async () => {
      if (this.phase === 'restarting') await this.launch();
    });
  }

  /** An mpv that does not answer within hang_timeout_ms is killed; onExit then restarts it. */
  private async watchdog(): Promise<void> {
    const mpv = this.current;
    if (!mpv || this.phase !== 'running' || this.pinging) return;
    this.pinging = true;
    try {
      await mpv.commandWithin(this.ctx.config.hang_timeout_ms, 'get_property', 'pid');
    } catch (err) {
      if ((err as MpvError).kind === 'timeout' && this.current === mpv) {
        this.ctx.log.warn(`mpv did not answer within ${this.ctx.config.hang_timeout_ms} ms; killing it`);
        mpv.kill();
      }
    } finally {
      this.pinging = false;
    }
  }

  /** Read through a method: TypeScript would otherwise keep the phase it saw before an await. */
  private isClosed(): boolean {
    return this.phase === 'closed';
  }

  /** mpv runs but cannot play anything (the player found out): an error until a retry. */
  /** The running mpv, or an `unavailable` refusal saying why not (state is left as it is). */
  usable(): MpvIpc {
    const { phase, reason, mpv } = this;
    if (phase === 'restarting' || phase === 'starting') {
      throw new ActionError('unavailable', `mpv is restarting (${reason ?? 'starting'}); try again in a moment`);
    }
    if (phase === 'unavailable') throw new ActionError('unavailable', `player unavailable: ${reason}`);
    if (phase === 'error') throw new ActionError('unavailable', `player error: ${reason}`);
    if (!mpv) throw new ActionError('unavailable', 'mpv is not running');
    return mpv;
  }

  failed(reason: string): void {
    this.phase = 'error';
    this.reason = reason;
    this.ctx.setDetail({ mpv: 'error', reason });
  }
}
