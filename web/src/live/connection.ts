// The page's live link to Loop (docs/websocket.md), put together from its parts: the socket's life
// and reconnect (socket.ts), the REST polling fallback (polling.ts), rooms and seq gaps
// (subscriptions.ts), commands over socket or REST (requests.ts, typed by commands.ts) and the
// status (status.ts). Plain TypeScript with the socket, fetch and timers injected, so the same
// module runs in the page and in mocha against a real `ws` server.
import { DEFAULT_BACKOFF, type BackoffBounds } from './backoff.js';
import { actionPath, type ActionName, type AnswerFor, type BuiltinPlugin, type CommandArgs } from './commands.js';
import { EventHub } from './events.js';
import type { EventData, EventName, Room, ServerMessage } from './messages.js';
import { Poller } from './polling.js';
import { Requests } from './requests.js';
import { SocketLink } from './socket.js';
import { StatusBox, type LiveStatus } from './status.js';
import { Subscriptions } from './subscriptions.js';
import { realTimers, type FetchLike, type SocketFactory, type Timers } from './transport.js';

export type { LiveState, LiveStatus } from './status.js';
export { CLOSE_UNAUTHORIZED, LiveError, realTimers } from './transport.js';
export type { FetchInit, FetchLike, SocketFactory, SocketHandlers, SocketLike, Timers } from './transport.js';

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

export class LiveConnection {
  private readonly statusBox = new StatusBox();
  private readonly events = new EventHub();
  private readonly link: SocketLink;
  private readonly rooms: Subscriptions;
  private readonly requests: Requests;
  private readonly poller: Poller;

  constructor(opts: LiveOptions) {
    const timers = opts.timers ?? realTimers;
    const onUnauthorized = opts.onUnauthorized;
    const status = this.statusBox;
    this.link = new SocketLink({
      wsUrl: opts.wsUrl,
      createSocket: opts.createSocket,
      timers,
      random: opts.random ?? Math.random,
      backoff: opts.backoff ?? DEFAULT_BACKOFF,
      heartbeatMs: opts.heartbeatMs ?? 30_000,
      pongTimeoutMs: opts.pongTimeoutMs ?? 10_000,
      connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
      isOnline: opts.isOnline ?? (() => true),
      status,
      onUnauthorized,
      onLive: () => {
        this.poller.stop();
        this.rooms.rejoinAll();
      },
      onLost: () => this.requests.rejectAll('the connection to Loop was lost'),
      onDown: () => {
        if (!this.link.isStopped) this.poller.start();
      },
      onMessage: (msg) => this.onMessage(msg),
    });
    this.rooms = new Subscriptions((msg) => this.link.send(msg));
    this.requests = new Requests({
      fetch: opts.fetch,
      httpBase: opts.httpBase,
      timers,
      requestTimeoutMs: opts.requestTimeoutMs ?? 20_000,
      onUnauthorized,
    });
    this.poller = new Poller({
      fetch: opts.fetch,
      httpBase: opts.httpBase,
      timers,
      pollMs: opts.pollMs ?? 3000,
      status,
      onUnauthorized,
      deliver: (type, data) => this.events.dispatch(type, data, { type, data }),
      // Only while a retry waits: a socket attempt already under way needs no second one.
      onServerBack: () => {
        if (this.link.retryPending) this.link.reconnectNow();
      },
    });
  }

  get status(): LiveStatus {
    return this.statusBox.value;
  }

  /** Calls back with the status now and at every change; returns the unsubscribe. */
  onStatus(fn: (s: LiveStatus) => void): () => void {
    return this.statusBox.listen(fn);
  }

  /** Handles one event type (a room's events, `error`...); returns the unsubscribe. */
  on<E extends EventName>(type: E, fn: (data: EventData[E], msg: ServerMessage) => void): () => void {
    return this.events.on(type, fn);
  }

  /** Joins a room (counted: the last unsubscribe leaves it). */
  subscribe(room: Room): () => void {
    this.rooms.add(room, this.statusBox.live);
    return () => this.rooms.remove(room, this.statusBox.live);
  }

  start(): void {
    this.link.start();
  }

  stop(): void {
    this.link.stop();
    this.poller.stop();
    this.requests.rejectAll('the page closed its connection');
  }

  /** Try the socket now (a "retry now" button, the network came back, a login). */
  reconnectNow(): void {
    this.link.reconnectNow();
  }

  /** The browser reports the network back or gone. */
  setOnline(online: boolean): void {
    this.link.setOnline(online);
  }

  /** Runs a built-in plugin's action, checked against its declaration (core/protocol/actions.ts). */
  command<P extends BuiltinPlugin, A extends ActionName<P>>(plugin: P, action: A, ...args: CommandArgs<P, A>): Promise<AnswerFor<P, A>> {
    const [payload] = args;
    return this.requests.run<AnswerFor<P, A>>(actionPath(plugin, action), payload ?? {}, this.link.liveSender);
  }

  /** Runs `plugin/action` by name (any plugin, also third-party ones): over the socket when it is live, else over REST. */
  async request<T = unknown>(action: string, data: object = {}): Promise<T> {
    return this.requests.run<T>(action, data, this.link.liveSender);
  }

  /** A REST call answered with the envelope: resolves with `data`, throws LiveError with the server's message. */
  async rest<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    return this.requests.rest<T>(method, path, body);
  }

  private onMessage(msg: ServerMessage): void {
    if (msg.type === 'subscribe_response') return this.rooms.onSubscribed(msg);
    if (msg.type === 'response') return this.requests.onResponse(msg);
    this.rooms.onEvent(msg);
    this.events.dispatch(msg.type, msg.data, msg);
  }
}
