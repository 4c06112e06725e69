// The socket's life: open it, count it live once the gateway greets it, keep it honest with a
// heartbeat, and when it is lost, retry with backoff and jitter, never giving up. What arrives on
// a live socket, other than the greeting and pongs, goes to `onMessage`.
import { backoffDelay, type BackoffBounds } from './backoff.js';
import type { ServerMessage } from './messages.js';
import type { StatusBox } from './status.js';
import { CLOSE_UNAUTHORIZED, type SocketFactory, type SocketLike, type Timers } from './transport.js';

export interface SocketDeps {
  wsUrl: string;
  createSocket: SocketFactory;
  timers: Timers;
  random: () => number;
  backoff: BackoffBounds;
  heartbeatMs: number;
  pongTimeoutMs: number;
  connectTimeoutMs: number;
  isOnline: () => boolean;
  status: StatusBox;
  onUnauthorized?: (() => void) | undefined;
  /** The gateway greeted a new socket: it is live. */
  onLive(): void;
  /** The socket was lost: what waited for its answers never gets them. */
  onLost(): void;
  /** The socket is down and will be retried (or the network is gone): the page falls back to polling. */
  onDown(): void;
  onMessage(msg: ServerMessage): void;
}

export class SocketLink {
  private socket: SocketLike | null = null;
  /** Bumped for every socket: handlers of an older socket are ignored. */
  private generation = 0;
  /** The page closed the connection: nothing is retried. */
  private stopped = true;
  /** Once live, a lost socket is "reconnecting", not "connecting". */
  private everLive = false;
  private retryTimer: unknown = null;
  private connectTimer: unknown = null;
  private pingTimer: unknown = null;
  private pongTimer: unknown = null;

  constructor(private readonly deps: SocketDeps) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  /** A retry is scheduled (the socket is down, waiting out its backoff). */
  get retryPending(): boolean {
    return this.retryTimer !== null;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.cancelRetry();
    this.clearHeartbeat();
    this.deps.timers.clearTimeout(this.connectTimer);
    this.drop();
    // Closed on purpose (a logged-out page): not live, and no retry to count down to.
    if (this.deps.status.live) this.deps.status.set({ state: 'reconnecting', nextRetryAt: null });
  }

  /** Try the socket now (a "retry now" button, the network came back, a login). */
  reconnectNow(): void {
    if (this.stopped || this.deps.status.live) return;
    this.connect();
  }

  /** The browser reports the network back or gone. */
  setOnline(online: boolean): void {
    if (online) this.reconnectNow();
    else if (!this.deps.status.live) {
      this.cancelRetry();
      this.deps.status.set({ state: 'offline', nextRetryAt: null });
    }
  }

  /** Puts a message on the socket; a failure needs nothing here, as the close handler follows. */
  send(msg: object): void {
    try {
      this.socket?.send(JSON.stringify(msg));
    } catch {
      // the close handler follows
    }
  }

  /** The socket to send on while it is live, else null. */
  get liveSender(): ((msg: object) => void) | null {
    return this.deps.status.live && this.socket ? (msg) => this.send(msg) : null;
  }

  private connect(): void {
    this.cancelRetry();
    this.drop();
    const { status } = this.deps;
    if (!this.deps.isOnline()) {
      status.set({ state: 'offline', nextRetryAt: null });
      this.deps.onDown();
      return;
    }
    status.set({ state: this.everLive || status.value.attempt > 0 ? 'reconnecting' : 'connecting', nextRetryAt: null });
    const gen = ++this.generation;
    const mine =
      <A extends unknown[]>(fn: (...a: A) => void) =>
      (...a: A): void => {
        if (gen === this.generation) fn(...a);
      };
    try {
      this.socket = this.deps.createSocket(this.deps.wsUrl, {
        // Live means greeted: a socket that opens and closes without the gateway's `connection`
        // message (a proxy, a server shutting down) counts as a failed attempt, so backoff grows.
        open: () => undefined,
        message: mine((data: string) => this.onFrame(data)),
        close: mine((code: number) => this.onClosed(code)),
      });
    } catch {
      this.onClosed(1006);
      return;
    }
    this.connectTimer = this.deps.timers.setTimeout(() => {
      if (gen === this.generation && !status.live) this.onClosed(1006);
    }, this.deps.connectTimeoutMs);
  }

  private onFrame(raw: string): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(raw) as ServerMessage;
    } catch {
      return; // not the gateway's: nothing to act on
    }
    if (!msg || typeof msg.type !== 'string') return;
    if (msg.type === 'connection') return this.onGreeted();
    if (msg.type === 'pong') {
      this.deps.timers.clearTimeout(this.pongTimer);
      this.pongTimer = null;
      return;
    }
    this.deps.onMessage(msg);
  }

  private onGreeted(): void {
    this.deps.timers.clearTimeout(this.connectTimer);
    this.everLive = true;
    this.deps.status.set({ state: 'live', attempt: 0, nextRetryAt: null });
    this.deps.onLive();
    this.schedulePing();
  }

  private onClosed(code: number): void {
    this.drop();
    this.deps.timers.clearTimeout(this.connectTimer);
    this.clearHeartbeat();
    this.deps.onLost();
    if (code === CLOSE_UNAUTHORIZED) this.deps.onUnauthorized?.();
    if (this.stopped) return;
    this.deps.onDown();
    const { status, timers } = this.deps;
    if (!this.deps.isOnline()) {
      status.set({ state: 'offline', nextRetryAt: null });
      return;
    }
    const attempt = status.value.attempt;
    const delay = backoffDelay(attempt, this.deps.random(), this.deps.backoff);
    status.set({ state: 'reconnecting', attempt: attempt + 1, nextRetryAt: timers.now() + delay });
    this.retryTimer = timers.setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  /** Forgets the current socket (its late events are ignored) and closes it. */
  private drop(): void {
    const sock = this.socket;
    this.socket = null;
    this.generation++;
    if (sock) {
      try {
        sock.close(1000, 'reconnecting');
      } catch {
        // already closed
      }
    }
  }

  private schedulePing(): void {
    this.pingTimer = this.deps.timers.setTimeout(() => {
      this.pingTimer = null;
      if (!this.deps.status.live) return;
      this.send({ type: 'ping' });
      this.pongTimer = this.deps.timers.setTimeout(() => {
        this.pongTimer = null;
        if (this.deps.status.live) this.onClosed(1006); // late pong: the link is dead, whatever TCP thinks
      }, this.deps.pongTimeoutMs);
      this.schedulePing();
    }, this.deps.heartbeatMs);
  }

  private clearHeartbeat(): void {
    this.deps.timers.clearTimeout(this.pingTimer);
    this.deps.timers.clearTimeout(this.pongTimer);
    this.pingTimer = this.pongTimer = null;
  }

  private cancelRetry(): void {
    this.deps.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}
