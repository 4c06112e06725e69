// The page's live connection module (web/src/live) against a real `ws` server and a real HTTP server
// on loopback: backoff bounds and jitter, heartbeat timeout, re-subscribe with snapshots, seq gaps,
// the REST polling fallback and where commands go. Short periods are injected; no bound on speed.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { WebSocket, WebSocketServer } from 'ws';
import { frameText } from '../../core/util/text.js';
import { backoffDelay } from '../../web/src/live/backoff.js';
import { LiveConnection, LiveError, type LiveStatus, type SocketFactory } from '../../web/src/live/connection.js';
import { sleep, until } from '../helpers/wait.js';

const waitFor = (cond: () => boolean, ms: number, what: string): Promise<void> => until(cond, ms, what, 10);

type Msg = Record<string, unknown> & { type: string };

/** A stand-in for Loop's /ws and REST, with switches for what it does. */
class FakeLoop {
  readonly http: Server;
  readonly wss = new WebSocketServer({ noServer: true });
  accept = true;
  answerPings = true;
  /** false: accept the socket, then close it without the gateway's greeting (a proxy, a shutdown). */
  greet = true;
  connections = 0;
  received: Msg[] = [];
  restCalls: string[] = [];
  polls = 0;
  seq = 0;
  sockets = new Set<WebSocket>();

  constructor() {
    this.http = createServer((req, res) => this.onRequest(req, res));
    this.http.on('upgrade', (req, socket, head) => {
      if (!this.accept) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
    });
  }

  async listen(port = 0): Promise<number> {
    await new Promise<void>((r) => this.http.listen(port, '127.0.0.1', () => r()));
    return (this.http.address() as AddressInfo).port;
  }

  private onConnection(ws: WebSocket): void {
    this.connections++;
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('message', (raw) => {
      const m = JSON.parse(frameText(raw)) as Msg;
      this.received.push(m);
      if (m.type === 'ping' && this.answerPings) ws.send(JSON.stringify({ type: 'pong' }));
      if (m.type === 'subscribe') {
        for (const room of m.rooms as string[]) {
          ws.send(JSON.stringify({ type: 'subscribe_response', room, success: true, seq: this.seq }));
          ws.send(
            JSON.stringify({ type: 'loop_updated', room, seq: this.seq, snapshot: true, data: { items: [], snap: this.connections } }),
          );
        }
      }
      if (m.type === 'request') {
        const ok = m.action !== 'media/delete';
        ws.send(
          JSON.stringify({
            type: 'response',
            id: m.id,
            success: ok,
            ...(ok ? { data: { via: 'socket' } } : { message: 'unknown slug x', code: 'not_found' }),
          }),
        );
      }
    });
    if (!this.greet) {
      ws.close(1000);
      return;
    }
    ws.send(JSON.stringify({ type: 'connection', status: 'connected' }));
  }

  /** Sends an event in a room with the given seq to every socket. */
  event(room: string, seq: number, data: object = {}): void {
    this.seq = seq;
    for (const ws of this.sockets) ws.send(JSON.stringify({ type: 'loop_updated', room, seq, data }));
  }

  dropAll(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    this.restCalls.push(`${req.method} ${url}`);
    res.setHeader('content-type', 'application/json');
    if (url === '/api/state') {
      this.polls++;
      res.end(JSON.stringify({ success: true, data: { topics: { loop: { items: [], poll: this.polls } }, jobs: [] } }));
      return;
    }
    if (url.startsWith('/api/actions/media/delete')) {
      res.statusCode = 404;
      res.end(JSON.stringify({ success: false, message: 'unknown slug y', code: 'not_found' }));
      return;
    }
    if (url.startsWith('/api/actions/')) {
      res.end(JSON.stringify({ success: true, data: { via: 'rest' } }));
      return;
    }
    res.statusCode = 404;
    res.end('{}');
  }

  async close(): Promise<void> {
    this.dropAll();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((r) => this.http.close(() => r()));
  }
}

const wsSocket: SocketFactory = (url, h) => {
  const ws = new WebSocket(url);
  ws.on('open', () => h.open());
  ws.on('message', (d) => h.message(frameText(d)));
  ws.on('close', (code, reason) => h.close(code, reason.toString()));
  ws.on('error', () => undefined);
  return { send: (d) => ws.send(d), close: (c, r) => ws.close(c, r) };
};

function connect(port: number, extra: Partial<ConstructorParameters<typeof LiveConnection>[0]> = {}): LiveConnection {
  return new LiveConnection({
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    httpBase: `http://127.0.0.1:${port}`,
    createSocket: wsSocket,
    fetch: (u, i) => fetch(u, i),
    backoff: { minMs: 40, maxMs: 300 },
    pollMs: 60,
    heartbeatMs: 60_000,
    pongTimeoutMs: 60_000,
    ...extra,
  });
}

describe('web live connection: backoff', () => {
  it('waits between 1 s and 30 s, growing per attempt, and never the same for two random draws', () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const low = backoffDelay(attempt, 0);
      const high = backoffDelay(attempt, 0.999999);
      expect(low, `attempt ${attempt}`).to.be.at.least(1000);
      expect(high, `attempt ${attempt}`).to.be.at.most(30_000);
      expect(high, `jitter at attempt ${attempt}`).to.be.greaterThan(low);
    }
    expect(backoffDelay(0, 0.5)).to.be.within(1000, 2000);
    expect(backoffDelay(1, 0.5)).to.be.within(2000, 4000);
    expect(backoffDelay(10, 0)).to.equal(15_000);
    expect(backoffDelay(10, 0.999999)).to.equal(30_000);
  });

  it('keeps retrying a server that is down, each wait inside the bounds, and connects once it is up', async function () {
    this.timeout(20_000);
    const loop = new FakeLoop();
    const port = await loop.listen();
    await loop.close(); // nothing listens on the port now
    const conn = connect(port);
    const waits: number[] = [];
    let lastAt: number | null = null;
    conn.onStatus((s: LiveStatus) => {
      // Each new retry time is one scheduled attempt (other status changes repeat it).
      if (s.state === 'reconnecting' && s.nextRetryAt !== null && s.nextRetryAt !== lastAt) waits.push(s.nextRetryAt - Date.now());
      lastAt = s.nextRetryAt;
    });
    conn.start();
    await waitFor(() => waits.length >= 8, 15_000, 'eight scheduled retries');
    for (const w of waits) expect(w).to.be.within(0, 300 + 5);
    expect(conn.status.state).to.equal('reconnecting');
    expect(conn.status.attempt).to.be.at.least(8);
    const back = new FakeLoop();
    await back.listen(port);
    await waitFor(() => conn.status.state === 'live', 10_000, 'live again');
    expect(conn.status.attempt).to.equal(0);
    conn.stop();
    await back.close();
  });
});

describe('web live connection: heartbeat, rooms and seq', () => {
  let loop: FakeLoop;
  let port: number;
  let conn: LiveConnection | null = null;
  beforeEach(async () => {
    loop = new FakeLoop();
    port = await loop.listen();
  });
  afterEach(async () => {
    conn?.stop();
    conn = null;
    await loop.close();
  });

  it('pings, and drops and reconnects a socket whose pong is late', async () => {
    loop.answerPings = false;
    conn = connect(port, { heartbeatMs: 50, pongTimeoutMs: 80 });
    conn.start();
    await waitFor(() => loop.connections >= 2, 10_000, 'a second connection after the missing pong');
    expect(loop.received.filter((m) => m.type === 'ping').length).to.be.at.least(1);
  });

  it('keeps one socket while pongs come back', async () => {
    conn = connect(port, { heartbeatMs: 30, pongTimeoutMs: 200 });
    conn.start();
    await waitFor(() => loop.received.filter((m) => m.type === 'ping').length >= 5, 10_000, 'five pings');
    expect(loop.connections).to.equal(1);
    expect(conn.status.state).to.equal('live');
  });

  it('subscribes its rooms again after a reconnect and hands the snapshot to the handlers', async () => {
    conn = connect(port);
    const snaps: number[] = [];
    conn.on('loop_updated', (d, msg) => {
      if (msg.snapshot) snaps.push((d as unknown as { snap: number }).snap);
    });
    conn.subscribe('dashboard');
    conn.start();
    await waitFor(() => snaps.length === 1, 5000, 'first snapshot');
    loop.dropAll();
    await waitFor(() => snaps.length === 2, 10_000, 'snapshot after the reconnect');
    expect(snaps).to.deep.equal([1, 2]);
    const subs = loop.received.filter((m) => m.type === 'subscribe');
    expect(subs.map((m) => m.rooms)).to.deep.equal([['dashboard'], ['dashboard']]);
  });

  it('asks for a snapshot again when a seq is skipped, and not when seqs follow on', async () => {
    conn = connect(port);
    let events = 0;
    conn.on('loop_updated', () => events++);
    conn.subscribe('dashboard');
    conn.start();
    await waitFor(() => events === 1, 5000, 'snapshot');
    loop.event('dashboard', 1);
    loop.event('dashboard', 2);
    await waitFor(() => events === 3, 5000, 'two events');
    expect(loop.received.filter((m) => m.type === 'subscribe')).to.have.length(1);
    loop.event('dashboard', 4); // 3 was lost
    await waitFor(() => loop.received.filter((m) => m.type === 'subscribe').length === 2, 5000, 'a re-subscribe');
    expect(events).to.be.at.least(4); // the newer event still applied
  });
});

describe('web live connection: REST fallback and commands', () => {
  let loop: FakeLoop;
  let port: number;
  let conn: LiveConnection | null = null;
  beforeEach(async () => {
    loop = new FakeLoop();
    port = await loop.listen();
  });
  afterEach(async () => {
    conn?.stop();
    conn = null;
    await loop.close();
  });

  it('polls GET /api/state while the socket is refused, hands each topic on as its event, and stops once the socket is back', async function () {
    this.timeout(20_000);
    loop.accept = false;
    conn = connect(port);
    const polled: unknown[] = [];
    conn.on('loop_updated', (d) => polled.push(d));
    conn.start();
    await waitFor(() => polled.length >= 3, 10_000, 'three polls');
    expect(conn.status.polling).to.equal(true);
    expect(conn.status.state).to.equal('reconnecting');
    expect(polled[0]).to.include({ poll: 1 });
    loop.accept = true;
    await waitFor(() => conn?.status.state === 'live', 10_000, 'live again');
    expect(conn.status.polling).to.equal(false);
    const after = loop.polls;
    await sleep(400); // several poll periods
    expect(loop.polls).to.be.at.most(after + 1); // at most one that was already in flight
  });

  it("sends commands over the socket when live and over REST when not, with the server's refusal", async () => {
    conn = connect(port);
    conn.start();
    await waitFor(() => conn?.status.state === 'live', 5000, 'live');
    expect(await conn.request('player/next')).to.deep.equal({ via: 'socket' });
    expect(loop.received.some((m) => m.type === 'request' && m.action === 'player/next')).to.equal(true);
    const refused = await conn.request('media/delete', { slug: 'x' }).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(LiveError);
    expect((refused as LiveError).message).to.equal('unknown slug x');

    loop.accept = false;
    loop.dropAll();
    await waitFor(() => conn?.status.state === 'reconnecting', 5000, 'reconnecting');
    expect(await conn.request('player/next')).to.deep.equal({ via: 'rest' });
    expect(loop.restCalls).to.include('POST /api/actions/player/next');
    const refusedRest = await conn.request('media/delete', { slug: 'y' }).catch((e: unknown) => e);
    expect((refusedRest as LiveError).message).to.equal('unknown slug y');
    expect((refusedRest as LiveError).status).to.equal(404);
  });

  it('counts a socket that opens and closes without a greeting as a failure: backoff grows, polling goes on', async function () {
    this.timeout(20_000);
    loop.greet = false;
    conn = connect(port);
    let wasLive = false;
    conn.onStatus((s) => (wasLive ||= s.state === 'live'));
    conn.start();
    await waitFor(() => (conn?.status.attempt ?? 0) >= 4, 10_000, 'four failed attempts');
    expect(wasLive).to.equal(false);
    expect(conn.status.polling).to.equal(true);
    expect(loop.connections).to.be.at.least(4);
    loop.greet = true;
    await waitFor(() => conn?.status.state === 'live', 10_000, 'live once greeted');
  });

  it('goes offline without retrying when the network is gone, and back when it returns', async () => {
    let online = false;
    conn = connect(port, { isOnline: () => online });
    conn.start();
    expect(conn.status.state).to.equal('offline');
    await sleep(200);
    expect(loop.connections).to.equal(0);
    online = true;
    conn.setOnline(true);
    await waitFor(() => conn?.status.state === 'live', 5000, 'live');
  });
});
