// Bounds that hold before a client has authenticated: packet size enforced while bytes arrive
// (a forged 256 MB CONNECT costs Loop almost nothing), over TCP and /mqtt; the connection cap;
// the CONNECT timeout; the packet limit after login too; and where the listener binds.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { connectMqtt } from '../helpers/mqtt.js';
import { startLoopProcess, startTestLoop, type LoopProcess, type TestLoop } from '../helpers/loop.js';
import { sleep, until, withDeadline } from '../helpers/wait.js';

const MB = 1024 * 1024;

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

/** A PUBLISH/CONNECT fixed header announcing `length` bytes. */
function header(type: number, length: number): Buffer {
  const out = [type];
  do {
    let b = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) b |= 0x80;
    out.push(b);
  } while (length > 0);
  return Buffer.from(out);
}

/** Writes up to `total` bytes with back-pressure; resolves with how many went out before the peer hung up. */
async function pour(socket: Socket, total: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024);
  let sent = 0;
  let closed = false;
  socket.once('close', () => (closed = true));
  socket.on('error', () => (closed = true));
  while (!closed && sent < total) {
    const more = socket.write(chunk);
    sent += chunk.length;
    if (!more) {
      await Promise.race([new Promise((r) => socket.once('drain', r)), new Promise((r) => socket.once('close', r))]);
    }
  }
  return sent;
}

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

const closedWithin = (s: Socket, ms: number): Promise<boolean> =>
  Promise.race([new Promise<boolean>((r) => (s.destroyed ? r(true) : s.once('close', () => r(true)))), sleep(ms).then(() => false)]);

describe('MQTT bounds before authentication (a real Loop process)', () => {
  let loop: LoopProcess;
  before(async () => {
    loop = await startLoopProcess();
  });
  after(async () => {
    await loop?.stop();
  });

  it('cuts a forged 256 MB CONNECT at its header over TCP: RSS grows by under 5 MB', async () => {
    const pid = loop.child.pid as number;
    await sleep(500);
    const before = rssBytes(pid);
    const port = Number(new URL(loop.mqtt).port);
    const socket = await openSocket(port);
    socket.write(header(0x10, 256 * MB));
    const sent = await withDeadline(pour(socket, 64 * MB), 30_000, 'the broker to cut the connection');
    await sleep(300);
    const grew = rssBytes(pid) - before;
    expect(sent, 'bytes accepted before the cut').to.be.lessThan(16 * MB);
    expect(grew, `RSS growth ${(grew / MB).toFixed(1)} MB`).to.be.lessThan(5 * MB);
    expect(loop.output()).to.include('packet over mqtt.limits.max_packet_bytes');
  });

  it('cuts the same over /mqtt (WebSocket)', async () => {
    const pid = loop.child.pid as number;
    const before = rssBytes(pid);
    const cuts = () => loop.output().split('packet over mqtt.limits.max_packet_bytes').length;
    const cutsBefore = cuts();
    const ws = new WebSocket(`${loop.http.replace('http', 'ws')}/mqtt`, 'mqtt');
    await withDeadline(
      new Promise((r, j) => {
        ws.once('open', r);
        ws.once('error', j);
      }),
      5000,
      '/mqtt to open',
    );
    const closed = new Promise<void>((r) => ws.once('close', () => r()));
    let sent = 0;
    ws.send(header(0x10, 256 * MB));
    const chunk = Buffer.alloc(64 * 1024);
    let open = true;
    void closed.then(() => (open = false));
    while (open && sent < 64 * MB) {
      ws.send(chunk);
      sent += chunk.length;
      while (open && ws.bufferedAmount > MB) await sleep(5);
    }
    await withDeadline(closed, 10_000, 'the WebSocket to be closed');
    await sleep(300);
    const grew = rssBytes(pid) - before;
    expect(grew, `RSS growth ${(grew / MB).toFixed(1)} MB`).to.be.lessThan(5 * MB);
    expect(cuts(), 'the cut is logged, so it was the size guard that closed it').to.equal(cutsBefore + 1);
  });

  it('keeps answering MQTT clients afterwards', async () => {
    const c = await connectMqtt(loop.mqtt);
    await c.subscribe(`${loop.baseTopic}/bridge/state`);
    const st = await c.next((m) => m.topic.endsWith('bridge/state'));
    expect(st.json).to.deep.equal({ state: 'online' });
    await c.end();
  });
});

describe('MQTT connection bounds (in-process Loop)', () => {
  let loop: TestLoop;
  const sockets: Socket[] = [];
  before(async () => {
    loop = await startTestLoop({ mqtt: { limits: { max_connections: 3, connect_timeout_seconds: 1, max_packet_bytes: 64 * 1024 } } });
  });
  afterEach(() => sockets.splice(0).forEach((s) => s.destroy()));
  after(async () => loop.stop());

  const port = () => Number(new URL(loop.mqtt as string).port);

  it('closes connections past mqtt.limits.max_connections at once; a freed slot is usable again', async () => {
    for (let i = 0; i < 3; i++) sockets.push(await openSocket(port()));
    const fourth = await openSocket(port());
    sockets.push(fourth);
    expect(await closedWithin(fourth, 900)).to.equal(true);
    sockets[0]?.destroy();
    await until(() => loop.runtime.broker?.acceptsConnection() === true, 2000, 'the slot to be freed');
    const c = await connectMqtt(loop.mqtt as string, { reconnectPeriod: 0 });
    expect(c.client.connected).to.equal(true);
    await c.end();
  });

  it('closes a socket that never sends CONNECT after mqtt.limits.connect_timeout_seconds', async () => {
    const s = await openSocket(port());
    sockets.push(s);
    expect(await closedWithin(s, 5000)).to.equal(true);
  });

  it('applies the packet limit after login too: a larger publish is cut, a smaller one delivered', async () => {
    const sub = await connectMqtt(loop.mqtt as string);
    await sub.subscribe('big/#');
    const pub = await connectMqtt(loop.mqtt as string, { reconnectPeriod: 0 });
    await pub.publish('big/ok', 'x'.repeat(60 * 1024), { qos: 0 });
    const got = await sub.next((m) => m.topic === 'big/ok');
    expect(got.payload.length).to.equal(60 * 1024);
    const closed = new Promise<void>((r) => pub.client.once('close', () => r()));
    pub.client.publish('big/no', Buffer.alloc(70 * 1024), { qos: 0 });
    await withDeadline(closed, 5000, 'the publisher to be cut off');
    await sleep(200);
    expect(sub.received.some((m) => m.topic === 'big/no')).to.equal(false);
    pub.client.end(true);
    await sub.end();
  });
});

describe('Where the MQTT listener binds', () => {
  it('binds http.host when mqtt.host is null (loopback HTTP keeps MQTT on loopback)', async () => {
    const loop = await startTestLoop({ mqtt: { host: null } });
    try {
      expect(loop.runtime.broker?.address?.host).to.equal('127.0.0.1');
    } finally {
      await loop.stop();
    }
  });
});
