// The /ws gateway speaks the first version's protocol, maps bus topics onto rooms, and protects
// itself from bad and slow clients. Run against the embedded broker and against mosquitto.
import { skipBecause } from '../helpers/skip.js';
import { expect } from 'chai';
import { WebSocket } from 'ws';
import { connectMqtt, type TestMqtt } from '../helpers/mqtt.js';
import { startTestLoop, http, type TestLoop } from '../helpers/loop.js';
import { connectWs, ofType, type TestWs } from '../helpers/ws.js';
import { MOSQUITTO, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { sleep, withDeadline } from '../helpers/wait.js';
import type { SystemState } from '../../core/protocol/index.js';

const modes = ['embedded', 'external'] as const;

for (const mode of modes) {
  describe(`WebSocket gateway (${mode} broker)`, function () {
    let loop: TestLoop;
    let broker: Mosquitto | null = null;
    let mqtt: TestMqtt;
    const open: TestWs[] = [];
    const ws = async (url?: string) => {
      const c = await connectWs(url ?? loop.ws);
      open.push(c);
      return c;
    };

    before(async function () {
      if (mode === 'external') {
        if (!MOSQUITTO) skipBecause(this, 'mosquitto is not installed (.ci/run installs it)');
        broker = await startMosquitto();
      }
      loop = await startTestLoop(broker ? { mqtt: { url: broker.url } } : {});
      mqtt = await connectMqtt(broker?.url ?? (loop.mqtt as string));
      await mqtt.subscribe(`${loop.baseTopic}/#`);
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((c) => c.close()));
    });
    after(async () => {
      await mqtt?.end();
      await loop?.stop();
      await broker?.stop();
    });

    it('greets with connection (fields at top level and under data) and initial_dashboard', async () => {
      const c = await ws();
      const conn = c.messages[0];
      expect(conn?.type).to.equal('connection');
      expect(conn?.status).to.equal('connected');
      expect(conn?.connection_id).to.be.a('string');
      expect(conn?.data).to.include({ status: 'connected', connection_id: conn?.connection_id });
      expect(conn?.timestamp).to.be.a('number');
      const init = c.messages[1];
      expect(init?.type).to.equal('initial_dashboard');
      const data = init?.data as Record<string, unknown>;
      expect(data).to.have.keys('status', 'media', 'active', 'loop', 'last_updated', 'processing');
      expect((data.status as Record<string, unknown>).player).to.include.keys(
        'is_playing',
        'current_media',
        'loop_index',
        'total_media',
        'frame_rate',
        'loop_mode',
      );
    });

    it('answers subscribe/unsubscribe, accepts a rooms list, refuses unknown rooms', async () => {
      const c = await ws();
      c.send({ type: 'subscribe', room: 'system' });
      const r = await c.next(ofType('subscribe_response'));
      expect(r).to.include({ room: 'system', success: true });
      c.send({ type: 'subscribe', rooms: ['dashboard', 'progress'] });
      await c.next(ofType('subscribe_response', (m) => m.room === 'progress'));
      c.send({ type: 'subscribe', room: 'kitchen' });
      const bad = await c.next(ofType('subscribe_response', (m) => m.room === 'kitchen'));
      expect(bad.success).to.equal(false);
      expect(String(bad.message)).to.match(/Unknown room/);
      c.send({ type: 'unsubscribe', room: 'system' });
      expect(await c.next(ofType('unsubscribe_response'))).to.include({ room: 'system', success: true });
      const status = await http('GET', `${loop.http}/api/websocket/status`);
      const conns = (status.json.data as { connections: { total_connections: number; rooms: Record<string, number> } }).connections;
      expect(conns.total_connections).to.be.greaterThan(0);
      expect(conns.rooms.dashboard).to.be.greaterThan(0);
    });

    it('answers ping with pong, non-JSON with an error, and stays open', async () => {
      const c = await ws();
      c.send('{not json');
      const err = await c.next(ofType('error'));
      expect(err.message).to.equal('Invalid JSON format');
      c.send({ type: 'dance' });
      expect(String((await c.next(ofType('error', (m) => String(m.message).includes('Unknown message type')))).message)).to.include(
        'dance',
      );
      c.send('[1,2]');
      await c.next(ofType('error', (m) => String(m.message).includes('JSON object')));
      c.send({ type: 'ping' });
      expect((await c.next(ofType('pong'))).timestamp).to.be.a('number');
      expect(c.ws.readyState).to.equal(WebSocket.OPEN);
    });

    it('closes a client that sends an oversized frame and keeps serving the others', async () => {
      const a = await ws();
      const b = await ws();
      a.send('x'.repeat(70 * 1024));
      const closed = await withDeadline(a.closed, 3000, 'close of oversized client');
      expect(closed.code).to.equal(1009);
      b.send({ type: 'ping' });
      await b.next(ofType('pong'));
    });

    it('delivers bus events to the subscribed room with a per-room seq, and not to others', async () => {
      const sys = await ws();
      const other = await ws();
      sys.send({ type: 'subscribe', room: 'system' });
      const sub = await sys.next(ofType('subscribe_response'));
      other.send({ type: 'subscribe', room: 'wifi' });
      await other.next(ofType('subscribe_response'));
      const since = sys.mark();
      const otherSince = other.mark();
      const state = (await http('GET', `${loop.http}/api/system`)).json.data as SystemState;
      // /api/system asks the system plugin, which republishes `system` (retained): one event each.
      const ev = await sys.next(
        ofType('system_status_changed', (m) => m.snapshot === undefined),
        5000,
        since,
      );
      expect(ev.room).to.equal('system');
      expect(ev.seq).to.be.greaterThan(Number(sub.seq));
      expect((ev.data as SystemState).hostname).to.equal(state.hostname);
      await sleep(100);
      expect(other.messages.slice(otherSince).filter((m) => m.type === 'system_status_changed')).to.have.length(0);
    });

    it('sends the room snapshot on (re)subscribe, so a reconnecting client has lost nothing', async () => {
      const c = await ws();
      c.send({ type: 'subscribe', room: 'system' });
      const snap = await c.next(ofType('system_status_changed'));
      expect(snap.snapshot).to.equal(true);
      expect((snap.data as SystemState).version).to.be.a('string');
      c.send({ type: 'subscribe', room: 'dashboard' });
      const dash = await c.next(ofType('dashboard_update'));
      expect(dash.snapshot).to.equal(true);
    });

    it('turns bridge/event errors into `error` for every client and others into system notifications', async () => {
      const c = await ws();
      const since = c.mark();
      await mqtt.publish(`${loop.baseTopic}/bridge/request/nosuchplugin/go`, '{}');
      const err = await c.next(
        ofType('error', (m) => String(m.message).includes('nosuchplugin')),
        5000,
        since,
      );
      expect(err.data).to.be.an('object');
    });

    it('serves requests over the socket: {type:"request", id, action} → {type:"response"}', async () => {
      const c = await ws();
      c.send({ type: 'request', id: 7, action: 'system/health', data: {} });
      const ok = await c.next(ofType('response', (m) => m.id === 7));
      expect(ok.success).to.equal(true);
      expect((ok.data as SystemState).cpus).to.be.a('number');
      c.send({ type: 'request', id: 8, action: 'system/fly' });
      const bad = await c.next(ofType('response', (m) => m.id === 8));
      expect(bad.success).to.equal(false);
      expect(String(bad.message)).to.match(/unknown action "fly"/);
      c.send({ type: 'request', id: 9, action: 'nonsense' });
      expect((await c.next(ofType('response', (m) => m.id === 9))).success).to.equal(false);
    });

    it('coalesces dashboard_update to at most one per 100 ms', async () => {
      const c = await ws();
      c.send({ type: 'subscribe', room: 'dashboard' });
      await c.next(ofType('dashboard_update'));
      const since = c.mark();
      // Twenty processing-progress changes as fast as the bus takes them (each refreshes the dashboard).
      for (let i = 0; i < 20; i++) {
        await loop.runtime.bus.publish('media/progress', {
          job_id: 'j1',
          slug: null,
          filename: 'a.mp4',
          stage: 'converting',
          percent: i * 5,
          timestamp: new Date().toISOString(),
        });
      }
      await sleep(400);
      const updates = c.messages.slice(since).filter((m) => m.type === 'dashboard_update');
      expect(updates.length).to.be.within(1, 6);
      const last = updates[updates.length - 1]?.data as { processing: Record<string, { progress: number }> };
      expect(last.processing.j1?.progress).to.equal(95);
      const times = updates.map((m) => Number(m.timestamp));
      for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).to.be.at.least(0.095);
    });
  });
}

describe('WebSocket gateway limits', () => {
  let loop: TestLoop | null = null;
  afterEach(async () => {
    await loop?.stop();
    loop = null;
  });

  it('refuses connections past max_connections with 503', async () => {
    loop = await startTestLoop({ gateway: { max_connections: 2 } });
    const a = await connectWs(loop.ws);
    const b = await connectWs(loop.ws);
    const err = await connectWs(loop.ws).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).to.match(/503/);
    await a.close();
    await b.close();
  });

  it('closes with 4401 without the configured token and accepts it with', async () => {
    loop = await startTestLoop({ gateway: { token: 's3cret' } });
    const bad = await connectWs(loop.ws, { waitInitial: false });
    expect((await withDeadline(bad.closed, 3000, 'close')).code).to.equal(4401);
    const good = await connectWs(`${loop.ws}?token=s3cret`);
    expect(good.messages[0]?.type).to.equal('connection');
    await good.close();
  });

  it('disconnects a client that stops reading (4008) once its buffer passes the hard bound', async function () {
    loop = await startTestLoop({ gateway: { soft_buffer_bytes: 4096, hard_buffer_bytes: 65536 } });
    const slow = await connectWs(loop.ws);
    const fast = await connectWs(loop.ws);
    slow.send({ type: 'subscribe', room: 'system' });
    fast.send({ type: 'subscribe', room: 'system' });
    await slow.next(ofType('subscribe_response'));
    await fast.next(ofType('subscribe_response'));
    // Stop reading on the slow client's socket: the server's send buffer for it grows.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const bus = loop.runtime.bus;
    const notice = {
      type: 'flood',
      level: 'info' as const,
      message: 'x'.repeat(2000),
      source: 'test',
      timestamp: new Date().toISOString(),
    };
    let closedCode: number | null = null;
    void slow.closed.then((c) => (closedCode = c.code));
    for (let i = 0; i < 3000 && closedCode === null; i++) {
      await bus.publish('bridge/event', notice);
      if (i % 50 === 0) await sleep(5);
    }
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const closed = await withDeadline(slow.closed, 5000, 'slow client close');
    expect(closed.code).to.equal(4008);
    fast.send({ type: 'ping' });
    await fast.next(ofType('pong'), 5000, fast.mark());
    await fast.close();
  });
});
