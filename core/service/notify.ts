// systemd service notifications (sd_notify) for the Type=notify unit: READY=1 once Loop serves,
// WATCHDOG=1 while its event loop is healthy, STOPPING=1 at shutdown. Active only under a service
// manager that set NOTIFY_SOCKET. Node cannot open unix datagram sockets, so each message is sent
// by a short `systemd-notify` child: it waits until the manager has read the message (a barrier),
// so the message is not lost when the sender exits first; the unit needs NotifyAccess=all.
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { Logger } from 'pino';

export interface NotifierOptions {
  log: Logger;
  /** Read and then removed from it, so mpv and ffmpeg do not inherit the socket. */
  env?: NodeJS.ProcessEnv;
  /** The sender program (systemd-notify on PATH by default). */
  command?: string;
}

export class ServiceNotifier {
  private watchdog: NodeJS.Timeout | null = null;
  private delay: IntervalHistogram | null = null;
  private warned = false;
  private stopped = false;

  /** A notifier when NOTIFY_SOCKET is set, else null (not under systemd: nothing to do). */
  static fromEnv(opts: NotifierOptions): ServiceNotifier | null {
    const env = opts.env ?? process.env;
    const socket = env.NOTIFY_SOCKET;
    const usec = Number(env.WATCHDOG_USEC);
    // WATCHDOG_PID names the process systemd expects pings from; another one's value is not ours.
    const forUs = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === process.pid;
    delete env.NOTIFY_SOCKET;
    delete env.WATCHDOG_USEC;
    delete env.WATCHDOG_PID;
    if (!socket) return null;
    return new ServiceNotifier(
      socket,
      Number.isFinite(usec) && usec > 0 && forUs ? usec / 1000 : 0,
      opts.log,
      opts.command ?? 'systemd-notify',
    );
  }

  private constructor(
    private readonly socket: string,
    /** systemd's watchdog timeout in ms (0 = no watchdog). */
    readonly watchdogMs: number,
    private readonly log: Logger,
    private readonly command: string,
  ) {
    if (watchdogMs > 0) this.startWatchdog();
  }

  /** Pings at half the timeout, from a timer on the event loop, so a blocked loop sends none. A loop
   *  that stalled for over a quarter of the timeout since the last ping (monitorEventLoopDelay) skips
   *  this one too: one that keeps stalling fails the watchdog even when a timer slips through. */
  private startWatchdog(): void {
    const every = Math.max(50, Math.floor(this.watchdogMs / 2));
    const stallMs = every / 2;
    this.delay = monitorEventLoopDelay({ resolution: Math.min(1000, Math.max(20, Math.floor(every / 10))) });
    this.delay.enable();
    let last = performance.now();
    const tick = () => {
      // Two views of a stall: the histogram (stalls between ticks), and this tick's own lateness (the
      // stall that delayed it, which the histogram may not have recorded yet when this tick runs first).
      const now = performance.now();
      const late = now - last - every;
      last = now;
      const worst = Math.max((this.delay?.max ?? 0) / 1e6, late);
      this.delay?.reset();
      if (worst > stallMs) {
        this.log.warn({ stalled_ms: Math.round(worst) }, 'event loop stalled: watchdog ping skipped');
        return;
      }
      this.send('WATCHDOG=1');
    };
    this.watchdog = setInterval(tick, every);
    this.watchdog.unref();
    this.send('WATCHDOG=1');
  }

  /** Start-up is complete (HTTP listens). */
  ready(): void {
    this.send('READY=1');
  }

  /** Shutdown has begun: no more pings; systemd waits for the exit instead of the watchdog. */
  stopping(): void {
    this.close();
    this.send('STOPPING=1');
  }

  close(): void {
    this.stopped = true;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    this.delay?.disable();
    this.delay = null;
  }

  private send(message: string): void {
    if (this.stopped && message !== 'STOPPING=1') return;
    const child = spawn(this.command, [message], {
      env: { NOTIFY_SOCKET: this.socket, PATH: process.env.PATH ?? '/usr/bin:/bin' },
      stdio: 'ignore',
    });
    child.on('error', (err) => {
      if (this.warned) return;
      this.warned = true;
      this.log.warn({ err: err.message }, `cannot notify systemd through ${this.command}`);
    });
    child.unref();
  }
}
