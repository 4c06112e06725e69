// The WebSocket gateway at /ws: the first version's protocol (rooms, events, ping/pong), plus
// per-room sequence numbers, snapshots on (re)subscribe, requests over the socket, and bounds.
// A socket opened with `?shapes=contract` (the page) gets the contract's payloads and no
// first-version dashboard document; every other socket gets the first version's shapes (v1.ts).
// Once the device has an owner, a socket without a session cookie must send a token first
// (pending.ts); such sockets have their own small limit so they cannot crowd out the page.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { DashboardView } from '../dashboard.js';
import { ActionError, STATE_TOPICS } from '../protocol/index.js';
import type { Identity } from '../http/guard.js';
import { refuseUpgrade } from '../http/upgrade.js';
import { CLOSE_UNAUTHORIZED, GatewayClient, type Dialect } from './client.js';
import { PendingSockets, type TokenCheck } from './pending.js';
import { ROOMS, SNAPSHOT_TOPICS, routeFor, type Room } from '../protocol/rooms.js';
import { V1_SHAPES } from './v1.js';
import { asText, frameText } from '../util/text.js';
import { monotonicMs } from '../util/clock.js';

export interface GatewayOptions {
  bus: Bus;
  view: DashboardView;
  log: Logger;
  maxConnections: number;
  maxMessageBytes: number;
  softBufferBytes: number;
  hardBufferBytes: number;
  heartbeatSeconds: number;
  dashboardThrottleMs: number;
  token: string | null;
  /** API tokens (the first message of a socket that has no session), and re-checks when they change. */
  auth: TokenCheck & { stillValid(who: Identity): boolean; onChange(fn: () => void): () => void };
  /** What the HTTP guard found at upgrade: null = nothing yet, the socket must send a token. */
  identity: (req: IncomingMessage) => Identity | null;
  /** Sockets still to authenticate, at most, and how long each gets to send its token. */
  maxPending: number;
  authTimeoutMs: number;
}

const now = (): number => Date.now() / 1000;
const isRoom = (r: unknown): r is Room => typeof r === 'string' && (ROOMS as readonly string[]).includes(r);
const noRooms = (): Record<Room, number> => ({ dashboard: 0, progress: 0, wifi: 0, system: 0 });

export class Gateway {
  private readonly wss: WebSocketServer;
  private readonly clients = new Set<GatewayClient>();
  /** Per room and dialect: a contract client never gets dashboard_update, so its seq has no gap for it. */
  private readonly seq: Record<Dialect, Record<Room, number>> = { v1: noRooms(), contract: noRooms() };
  private readonly heartbeat: NodeJS.Timeout;
  private readonly off: () => void;
  private dashboardTimer: NodeJS.Timeout | null = null;
  /** When the last dashboard_update went out, on the monotonic clock. */
  private lastDashboardAt = -Infinity;
  private readonly pending: PendingSockets;
  private readonly offAuth: () => void;

  constructor(private readonly options: GatewayOptions) {
    // A logout, a password change or a revoked token ends the sockets it let in; claiming the
    // device ends those that came in while it was open (the page reconnects with its cookie).
    this.offAuth = options.auth.onChange(() => this.recheck());
    this.pending = new PendingSockets(options.auth, options.maxPending, options.authTimeoutMs);
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.off = options.bus.subscribeRaw('#', (buf, topic) => this.onBusMessage(topic, buf));
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatSeconds * 1000);
    this.heartbeat.unref();
  }

  /** For the HTTP server's `upgrade` on /ws. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const known = this.options.identity(req) !== null;
    if (known ? this.clients.size >= this.options.maxConnections : this.pending.full) {
      return refuseUpgrade(socket, 503, 'Service Unavailable', 'too many WebSocket connections');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const who = this.options.identity(req);
      if (who) return this.onConnection(ws, req, who);
      this.pending.add(ws, (id) => {
        if (this.clients.size >= this.options.maxConnections) return void ws.close(1013, 'too many WebSocket connections');
        ws.send(JSON.stringify({ type: 'auth_response', success: true, timestamp: now() }));
        this.onConnection(ws, req, { via: 'token', id });
      });
    });
  }

  status(): { total_connections: number; rooms: Record<Room, number>; healthy_connections: number } {
    const rooms = { dashboard: 0, progress: 0, wifi: 0, system: 0 } as Record<Room, number>;
    let healthy = 0;
    for (const c of this.clients) {
      for (const r of c.rooms) rooms[r]++;
      if (c.healthy) healthy++;
    }
    return { total_connections: this.clients.size, rooms, healthy_connections: healthy };
  }

  private recheck(): void {
    for (const c of this.clients) {
      if (this.options.auth.stillValid(c.identity)) continue;
      this.clients.delete(c);
      // Open sockets from before the device was claimed may come back with a cookie or token.
      if (c.identity.via === 'open') c.ws.close(1012, 'the device now has an owner: reconnect');
      else c.ws.close(CLOSE_UNAUTHORIZED, 'unauthorized: the session ended or the token was revoked');
    }
  }

  private onConnection(ws: WebSocket, req: IncomingMessage, identity: Identity): void {
    // Before any close: ws reports a peer's bad frames as 'error', which must never go unheard.
    ws.on('error', (err) => this.options.log.debug({ err: err.message }, 'ws client error'));
    const url = new URL(req.url ?? '/', 'http://x');
    if (this.options.token) {
      if (url.searchParams.get('token') !== this.options.token) {
        ws.close(CLOSE_UNAUTHORIZED, 'unauthorized: a valid token is required');
        return;
      }
    }
    const client = new GatewayClient(
      randomUUID(),
      ws,
      { soft: this.options.softBufferBytes, hard: this.options.hardBufferBytes },
      identity,
      url.searchParams.get('shapes') === 'contract' ? 'contract' : 'v1',
    );
    this.clients.add(client);
    ws.on('pong', () => (client.alive = true));
    ws.on('message', (data, isBinary) => this.onClientMessage(client, data, isBinary));
    ws.on('close', () => this.clients.delete(client));
    client.send({
      type: 'connection',
      status: 'connected',
      connection_id: client.id,
      timestamp: now(),
      data: { status: 'connected', connection_id: client.id, rooms: ROOMS },
    });
    if (client.dialect === 'v1') client.send({ type: 'initial_dashboard', data: this.options.view.build(), timestamp: now() });
  }

  private onClientMessage(client: GatewayClient, raw: RawData, isBinary: boolean): void {
    let msg: unknown;
    try {
      if (isBinary) throw new Error('binary');
      msg = JSON.parse(frameText(raw));
    } catch {
      client.send({ type: 'error', message: 'Invalid JSON format', timestamp: now() });
      return;
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
      client.send({ type: 'error', message: 'Message must be a JSON object with a "type"', timestamp: now() });
      return;
    }
    const m = msg as Record<string, unknown>;
    switch (m.type) {
      case 'ping':
        client.send({ type: 'pong', timestamp: now() });
        return;
      case 'auth':
        // Already in (session, token, or auth off): a client that always sends it keeps working.
        client.send({ type: 'auth_response', success: true, timestamp: now() });
        return;
      case 'subscribe':
      case 'unsubscribe':
        this.onSubscription(client, m.type, m);
        return;
      case 'request':
        void this.onRequest(client, m);
        return;
      default:
        client.send({ type: 'error', message: `Unknown message type: ${JSON.stringify(m.type ?? null).slice(0, 64)}`, timestamp: now() });
    }
  }

  private onSubscription(client: GatewayClient, type: 'subscribe' | 'unsubscribe', m: Record<string, unknown>): void {
    const wanted: unknown[] = Array.isArray(m.rooms) ? m.rooms : [m.room];
    if (wanted.length === 0) {
      client.send({ type: `${type}_response`, room: null, success: false, message: 'no room given', timestamp: now() });
      return;
    }
    for (const room of wanted) {
      if (!isRoom(room)) {
        client.send({
          type: `${type}_response`,
          room: typeof room === 'string' ? room.slice(0, 64) : null,
          success: false,
          message: `Unknown room; rooms are ${ROOMS.join(', ')}`,
          timestamp: now(),
        });
        continue;
      }
      if (type === 'subscribe') {
        client.rooms.add(room);
        client.send({ type: 'subscribe_response', room, success: true, seq: this.seq[client.dialect][room], timestamp: now() });
        this.sendSnapshot(client, room);
      } else {
        client.rooms.delete(room);
        client.send({ type: 'unsubscribe_response', room, success: true, timestamp: now() });
      }
    }
  }

  /** The room's current state, so a client that (re)subscribes has lost nothing. */
  private sendSnapshot(client: GatewayClient, room: Room): void {
    const seq = this.seq[client.dialect][room];
    const snap = (type: string, data: unknown): void => client.send({ type, data, room, seq, snapshot: true, timestamp: now() });
    const v1 = client.dialect === 'v1';
    if (v1 && room === 'dashboard') snap('dashboard_update', this.options.view.build());
    if (room === 'progress') {
      // The first version's clients read the dashboard's job shape; the contract's the progress events'.
      if (v1) for (const job of Object.values(this.options.view.build().processing)) snap('processing_progress', job);
      else for (const job of this.options.view.jobsInProgress()) snap(routeFor('media/progress', job)?.event ?? 'processing_progress', job);
    }
    // The contract's clients have no dashboard document, so the library comes as its own snapshot.
    for (const topic of v1 ? SNAPSHOT_TOPICS : STATE_TOPICS) {
      const buf = this.options.bus.lastRaw(topic);
      const payload = buf ? parseObject(buf) : null;
      if (!payload) continue;
      const route = routeFor(topic, payload);
      if (!route || route.room !== room) continue;
      snap(route.event, v1 ? V1_SHAPES[route.shape](payload) : payload);
    }
  }

  private async onRequest(client: GatewayClient, m: Record<string, unknown>): Promise<void> {
    const id = m.id ?? null;
    const action = typeof m.action === 'string' ? m.action : '';
    const match = /^([a-z0-9_-]+)\/([a-z0-9_]+)$/i.exec(action);
    if (!match) {
      client.send({ type: 'response', id, success: false, message: 'action must be "<plugin>/<action>"', timestamp: now() });
      return;
    }
    try {
      const data = await this.options.bus.requestRaw(match[1] as string, match[2] as string, m.data ?? {});
      client.send({ type: 'response', id, success: true, data, timestamp: now() });
    } catch (err) {
      const e = err as ActionError;
      client.send({
        type: 'response',
        id,
        success: false,
        message: e.message,
        code: e instanceof ActionError ? e.code : 'internal',
        timestamp: now(),
      });
    }
  }

  private onBusMessage(topic: string, buf: Buffer): void {
    if (this.clients.size === 0 && !this.dashboardTimer) return;
    const payload = parseObject(buf);
    if (!payload) return;
    const route = routeFor(topic, payload);
    if (!route) return;
    if (route.dashboard) this.scheduleDashboard();
    const timestamp = now();
    if (route.room === 'all') {
      // Errors go out as they are on the bus (shape as_is), the same for both dialects.
      const message = JSON.stringify({ type: route.event, message: asText(payload.message), data: payload, timestamp });
      for (const c of this.clients) c.send(message);
      return;
    }
    const room = route.room;
    const seq = { v1: ++this.seq.v1[room], contract: ++this.seq.contract[room] };
    // Serialised once per dialect, and only for a dialect some client of the room speaks.
    const messages: Partial<Record<Dialect, string>> = {};
    const messageFor = (dialect: Dialect): string =>
      (messages[dialect] ??= JSON.stringify({
        type: route.event,
        data: dialect === 'v1' ? V1_SHAPES[route.shape](payload) : payload,
        room,
        seq: seq[dialect],
        timestamp,
      }));
    const key = route.coalesce ? `${route.event}:${asText(payload.job_id)}` : undefined;
    for (const c of this.clients) if (c.rooms.has(room)) c.send(messageFor(c.dialect), key);
  }

  /** At most one dashboard_update per throttle interval, always with the newest state. */
  private scheduleDashboard(): void {
    if (this.dashboardTimer) return;
    const wait = Math.max(0, this.lastDashboardAt + this.options.dashboardThrottleMs - monotonicMs());
    this.dashboardTimer = setTimeout(() => {
      this.dashboardTimer = null;
      this.lastDashboardAt = monotonicMs();
      // The first version's document: the contract's clients follow the events themselves.
      const subscribers = [...this.clients].filter((c) => c.rooms.has('dashboard') && c.dialect === 'v1');
      if (subscribers.length === 0) return;
      const seq = ++this.seq.v1.dashboard;
      const message = JSON.stringify({
        type: 'dashboard_update',
        data: this.options.view.build(),
        room: 'dashboard',
        seq,
        timestamp: now(),
      });
      for (const c of subscribers) c.send(message, 'dashboard_update');
    }, wait);
  }

  private beat(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        c.ws.terminate();
        this.clients.delete(c);
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    if (this.dashboardTimer) clearTimeout(this.dashboardTimer);
    this.off();
    this.offAuth();
    this.pending.close();
    for (const c of this.clients) c.ws.close(1001, 'Loop is shutting down');
    await new Promise((r) => setTimeout(r, 50));
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function parseObject(buf: Buffer): Record<string, unknown> | null {
  if (buf.length === 0) return null;
  try {
    const v = JSON.parse(buf.toString('utf8')) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
