// The page's live link to Loop (docs/websocket.md): one WebSocket with rooms, reconnect with
// backoff and jitter that never gives up, a heartbeat, re-subscribe (snapshots) after a reconnect or
// a `seq` gap, a REST polling fallback while the socket is down, and commands over the socket when
// it is up and over REST when it is not. Plain TypeScript with the socket, fetch and timers
// injected, so the same module runs in the page and in mocha against a real `ws` server.
import { backoffDelay, DEFAULT_BACKOFF, type BackoffBounds } from './backoff.js';
import type { Envelope, EventData, EventName, Room, ServerMessage } from './messages.js';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface LiveStatus {
  state: LiveState;
  /** When the next socket attempt starts (ms, the injected clock), while reconnecting. */
  nextRetryAt: number | null;
  /** Failed attempts since the socket was last live. */
  attempt: number;
  /** The REST fallback is polling (the socket is down). */
  polling: boolean;
  /** The last poll reached the server. */
  pollOk: boolean | null;
}

export interface SocketHandlers {
  open(): void;
  message(data: string): void;
  close(code: number, reason: string): void;
}
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
/** Opens a WebSocket and reports its life through the handlers (adapters: browser.ts, or `ws` in tests). */
export type SocketFactory = (url: string, h: SocketHandlers) => SocketLike;

export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  credentials?: 'same-origin';
}
export type FetchLike = (url: string, init?: FetchInit) => Promise<{ status: number; ok: boolean; json(): Promise<unknown> }>;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export interface LiveOptions {
  /** ws:// or wss:// URL of /ws. */
  wsUrl: string;
  /** Origin (or '') that REST paths are relative to. */
  httpBase: string;
  createSocket: SocketFactory;
  fetch: FetchLike;
  timers?: Timers;
  random?: () => number;
  backoff?: BackoffBounds;
  /** Ping period (30 s) and how long a pong may take before the socket counts as dead. */
  heartbeatMs?: number;
  pongTimeoutMs?: number;
  /** A socket that has not opened by then is given up and retried. */
  connectTimeoutMs?: number;
  /** REST polling period while the socket is down. */
  pollMs?: number;
  requestTimeoutMs?: number;
  /** Whether the device has a network at all (navigator.onLine in the page). */
  isOnline?: () => boolean;
  /** A REST answer of 401 or a socket closed with 4401: the page should show its login. */
  onUnauthorized?: () => void;
}

/** A refused command or a failed request, with the server's words. */
export class LiveError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'LiveError';
  }
}

type Handler = (data: unknown, msg: ServerMessage) => void;
interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: unknown;
}

export const CLOSE_UNAUTHORIZED = 4401;

export class LiveConnection {
  private readonly options: Required<Omit<LiveOptions, 'onUnauthorized'>> & Pick<LiveOptions, 'onUnauthorized'>;
  private socket: SocketLike | null = null;
  /** Bumped for every socket: handlers of an older socket are ignored. */
  private generation = 0;
  private current: LiveStatus = { state: 'connecting', nextRetryAt: null, attempt: 0, polling: false, pollOk: null };
  private readonly statusListeners = new Set<(s: LiveStatus) => void>();
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly roomRefs = new Map<Room, number>();
  /** Last seq seen per room; undefined while a (re)subscription's snapshot is awaited. */
  private readonly seq = new Map<Room, number | undefined>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private retryTimer: unknown = null;
  private connectTimer: unknown = null;
  private pingTimer: unknown = null;
  private pongTimer: unknown = null;
  private pollTimer: unknown = null;
  /** Bumped when polling starts or stops, so a poll in flight from an earlier run ends there. */
  private pollGen = 0;
  private stopped = true;
  private everLive = false;

  constructor(opts: LiveOptions) {
    this.options = {
      timers: realTimers,
      random: Math.random,
      backoff: DEFAULT_BACKOFF,
      heartbeatMs: 30_000,
      pongTimeoutMs: 10_000,
      connectTimeoutMs: 10_000,
      pollMs: 3000,
      requestTimeoutMs: 20_000,
      isOnline: () => true,
      ...opts,
    };
  }

  get status(): LiveStatus {
    return { ...this.current };
  }

  /** Calls back with the status now and at every change; returns the unsubscribe. */
  onStatus(fn: (s: LiveStatus) => void): () => void {
    this.statusListeners.add(fn);
    fn(this.status);
    return () => this.statusListeners.delete(fn);
  }

  /** Handles one event type (a room's events, `initial_dashboard`, `error`...); returns the unsubscribe. */
  on<E extends EventName>(type: E, fn: (data: EventData[E], msg: ServerMessage) => void): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(fn as Handler);
    return () => set.delete(fn as Handler);
  }

  /** Joins a room (counted: the last unsubscribe leaves it). */
  subscribe(room: Room): () => void {
    const n = this.roomRefs.get(room) ?? 0;
    this.roomRefs.set(room, n + 1);
    if (n === 0 && this.current.state === 'live') this.sendSubscribe([room]);
    return () => this.unsubscribe(room);
  }

  private unsubscribe(room: Room): void {
    const n = (this.roomRefs.get(room) ?? 0) - 1;
    if (n > 0) {
      this.roomRefs.set(room, n);
      return;
    }
    this.roomRefs.delete(room);
    this.seq.delete(room);
    if (this.current.state === 'live') this.send({ type: 'unsubscribe', room });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.stopPolling();
    this.dropSocket();
    this.rejectPending('the page closed its connection');
  }

  /** Try the socket now (a "retry now" button, the network came back, a login). */
  reconnectNow(): void {
    if (this.stopped || this.current.state === 'live') return;
    this.connect();
  }

  /** The browser reports the network back or gone. */
  setOnline(online: boolean): void {
    if (online) this.reconnectNow();
    else if (this.current.state !== 'live') {
      this.cancelRetry();
      this.set({ state: 'offline', nextRetryAt: null });
    }
  }

  /** Runs a plugin action: over the socket when it is live, else over REST (POST /api/actions/...). */
  async request<T = unknown>(action: string, data: object = {}): Promise<T> {
    if (this.current.state === 'live' && this.socket) return this.requestOverSocket<T>(action, data);
    const [plugin, name] = action.split('/');
    return this.rest<T>('POST', `/api/actions/${encodeURIComponent(plugin ?? '')}/${encodeURIComponent(name ?? '')}`, data);
  }

  /** A REST call answered with the envelope: resolves with `data`, throws LiveError with the server's message. */
  async rest<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const init: FetchInit = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
    if (body !== undefined) {
      init.headers = { ...init.headers, 'content-type': 'application/json' };
      init.body = JSON.stringify(body);
    }
    let res: Awaited<ReturnType<FetchLike>>;
    try {
      res = await this.options.fetch(this.options.httpBase + path, init);
    } catch {
      throw new LiveError('Loop cannot be reached', 'unreachable');
    }
    const json = (await res.json().catch(() => null)) as Envelope<T> | null;
    if (res.status === 401) this.options.onUnauthorized?.();
    if (!res.ok || !json || json.success === false) {
      throw new LiveError(
        json?.message ?? `HTTP ${res.status}`,
        json?.code ?? (res.status === 401 ? 'unauthorized' : 'internal'),
        res.status,
      );
    }
    return json.data as T;
  }

  // ---- socket life ----

  private connect(): void {
    this.cancelRetry();
    this.dropSocket();
    if (!this.options.isOnline()) {
      this.set({ state: 'offline', nextRetryAt: null });
      this.startPolling();
      return;
    }
    this.set({ state: this.everLive || this.current.attempt > 0 ? 'reconnecting' : 'connecting', nextRetryAt: null });
    const gen = ++this.generation;
    const mine =
      <A extends unknown[]>(fn: (...a: A) => void) =>
      (...a: A): void => {
        if (gen === this.generation) fn(...a);
      };
    try {
      this.socket = this.options.createSocket(this.options.wsUrl, {
        // Live means greeted: a socket that opens and closes without the gateway's `connection`
        // message (a proxy, a server shutting down) counts as a failed attempt, so backoff grows.
        open: () => undefined,
        message: mine((data: string) => this.onMessage(data)),
        close: mine((code: number) => this.onClosed(code)),
      });
    } catch {
      this.onClosed(1006);
      return;
    }
    this.connectTimer = this.options.timers.setTimeout(() => {
      if (gen === this.generation && this.current.state !== 'live') this.onClosed(1006);
    }, this.options.connectTimeoutMs);
  }

  private onGreeted(): void {
    this.options.timers.clearTimeout(this.connectTimer);
    this.everLive = true;
    this.seq.clear();
    this.set({ state: 'live', attempt: 0, nextRetryAt: null });
    this.stopPolling();
    const rooms = [...this.roomRefs.keys()];
    if (rooms.length) this.sendSubscribe(rooms);
    this.schedulePing();
  }

  private onClosed(code: number): void {
    this.dropSocket();
    this.options.timers.clearTimeout(this.connectTimer);
    this.clearHeartbeat();
    this.rejectPending('the connection to Loop was lost');
    if (code === CLOSE_UNAUTHORIZED) this.options.onUnauthorized?.();
    if (this.stopped) return;
    this.startPolling();
    if (!this.options.isOnline()) {
      this.set({ state: 'offline', nextRetryAt: null });
      return;
    }
    const delay = backoffDelay(this.current.attempt, this.options.random(), this.options.backoff);
    this.set({ state: 'reconnecting', attempt: this.current.attempt + 1, nextRetryAt: this.options.timers.now() + delay });
    this.retryTimer = this.options.timers.setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  /** Forgets the current socket (its late events are ignored) and closes it. */
  private dropSocket(): void {
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

  private onMessage(raw: string): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(raw) as ServerMessage;
    } catch {
      return;
    }
    if (!msg || typeof msg.type !== 'string') return;
    switch (msg.type) {
      case 'connection':
        this.onGreeted();
        return;
      case 'pong':
        this.options.timers.clearTimeout(this.pongTimer);
        this.pongTimer = null;
        return;
      case 'subscribe_response':
        if (msg.success && typeof msg.room === 'string' && typeof msg.seq === 'number') this.seq.set(msg.room as Room, msg.seq);
        return;
      case 'response':
        this.onResponse(msg);
        return;
    }
    if (typeof msg.room === 'string' && typeof msg.seq === 'number' && !this.checkSeq(msg.room as Room, msg.seq, msg.snapshot === true)) {
      // Something was lost: this event is still the newest state, but ask for the room's snapshot.
      this.seq.set(msg.room as Room, undefined);
      if (this.roomRefs.has(msg.room as Room)) this.sendSubscribe([msg.room as Room]);
    }
    this.dispatch(msg.type, msg.data, msg);
  }

  /** True when `seq` follows on (or a snapshot sets it); false on a gap. */
  private checkSeq(room: Room, seq: number, snapshot: boolean): boolean {
    if (!this.seq.has(room)) return true;
    const last = this.seq.get(room);
    if (snapshot || last === undefined) {
      if (snapshot) this.seq.set(room, seq);
      return true;
    }
    if (seq === last + 1) {
      this.seq.set(room, seq);
      return true;
    }
    return seq <= last; // an old duplicate is harmless; only a jump forward is a gap
  }

  private dispatch(type: string, data: unknown, msg: ServerMessage): void {
    const set = this.handlers.get(type);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(data, msg);
      } catch (err) {
        // One broken handler must not starve the others.
        console.error(err);
      }
    }
  }

  private sendSubscribe(rooms: Room[]): void {
    for (const r of rooms) this.seq.set(r, undefined);
    this.send({ type: 'subscribe', rooms });
  }

  private send(msg: object): void {
    try {
      this.socket?.send(JSON.stringify(msg));
    } catch {
      // the close handler follows
    }
  }

  // ---- heartbeat ----

  private schedulePing(): void {
    this.pingTimer = this.options.timers.setTimeout(() => {
      this.pingTimer = null;
      if (this.current.state !== 'live') return;
      this.send({ type: 'ping' });
      this.pongTimer = this.options.timers.setTimeout(() => {
        this.pongTimer = null;
        if (this.current.state === 'live') this.onClosed(1006); // late pong: the link is dead, whatever TCP thinks
      }, this.options.pongTimeoutMs);
      this.schedulePing();
    }, this.options.heartbeatMs);
  }

  private clearHeartbeat(): void {
    this.options.timers.clearTimeout(this.pingTimer);
    this.options.timers.clearTimeout(this.pongTimer);
    this.pingTimer = this.pongTimer = null;
  }

  // ---- requests ----

  private requestOverSocket<T>(action: string, data: object): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = this.options.timers.setTimeout(() => {
        this.pending.delete(id);
        reject(new LiveError(`Loop did not answer ${action} in time`, 'timeout'));
      }, this.options.requestTimeoutMs);
      this.pending.set(id, { resolve: (v) => resolve(v as T), reject, timer });
      this.send({ type: 'request', id, action, data });
    });
  }

  private onResponse(msg: ServerMessage): void {
    const p = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
    if (!p || typeof msg.id !== 'number') return;
    this.pending.delete(msg.id);
    this.options.timers.clearTimeout(p.timer);
    if (msg.success) p.resolve(msg.data);
    else p.reject(new LiveError(msg.message ?? 'the command failed', msg.code ?? 'internal'));
  }

  private rejectPending(why: string): void {
    for (const [id, p] of this.pending) {
      this.options.timers.clearTimeout(p.timer);
      p.reject(new LiveError(why, 'disconnected'));
      this.pending.delete(id);
    }
  }

  // ---- REST polling fallback ----

  private startPolling(): void {
    if (this.current.polling || this.stopped) return;
    this.set({ polling: true });
    void this.pollOnce(++this.pollGen);
  }

  private stopPolling(): void {
    this.options.timers.clearTimeout(this.pollTimer);
    this.pollTimer = null;
    this.pollGen++;
    if (this.current.polling) this.set({ polling: false, pollOk: null });
  }

  private async pollOnce(gen: number): Promise<void> {
    let ok = false;
    try {
      const res = await this.options.fetch(`${this.options.httpBase}/api/dashboard`, {
        credentials: 'same-origin',
        headers: { accept: 'application/json' },
      });
      if (res.status === 401) this.options.onUnauthorized?.();
      if (res.ok) {
        const data = await res.json();
        if (gen !== this.pollGen) return; // the socket came back meanwhile: its snapshot is newer
        ok = true;
        this.dispatch('dashboard_update', data, { type: 'dashboard_update', data });
      }
    } catch {
      ok = false;
    }
    if (gen !== this.pollGen) return;
    const cameBack = ok && this.current.pollOk === false;
    this.set({ pollOk: ok });
    // The server answers again after a silence (it restarted): try the socket now, not at the backoff's end.
    if (cameBack && this.retryTimer !== null) this.reconnectNow();
    if (gen !== this.pollGen) return;
    this.pollTimer = this.options.timers.setTimeout(() => void this.pollOnce(gen), this.options.pollMs);
  }

  // ---- bookkeeping ----

  private cancelRetry(): void {
    this.options.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private clearTimers(): void {
    this.cancelRetry();
    this.clearHeartbeat();
    this.options.timers.clearTimeout(this.connectTimer);
  }

  private set(patch: Partial<LiveStatus>): void {
    const next = { ...this.current, ...patch };
    if (Object.keys(next).every((k) => next[k as keyof LiveStatus] === this.current[k as keyof LiveStatus])) return;
    this.current = next;
    for (const fn of [...this.statusListeners]) fn(this.status);
  }
}
