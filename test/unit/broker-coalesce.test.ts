// The broker's write coalescing (core/broker/coalesce.ts) on a real TCP socket pair: packets
// written the way Aedes writes them (mqtt-packet, each delivery in its own setImmediate) arrive
// whole and in order in far fewer writes; a packet written just before destroy() or end() still
// arrives (a refusing CONNACK); back-pressure still reports a full buffer and drains.
import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { coalesceWrites } from '../../core/broker/coalesce.js';

interface Pair {
  server: Server;
  ours: Socket;
  theirs: Socket;
  received: () => Buffer;
}

async function pair(): Promise<Pair> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address() as { port: number };
  const theirs = connect(addr.port, '127.0.0.1');
  const [ours] = (await once(server, 'connection')) as [Socket];
  const chunks: Buffer[] = [];
  theirs.on('data', (d: Buffer) => chunks.push(d));
  return { server, ours, theirs, received: () => Buffer.concat(chunks) };
}

/** Counts the socket's writes to the kernel (one per _write or _writev call). */
function countWrites(socket: Socket): () => number {
  let n = 0;
  const s = socket as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
  const write = s._write.bind(socket);
  const writev = s._writev.bind(socket);
  s._write = (...a) => {
    n++;
    write(...a);
  };
  s._writev = (...a) => {
    n++;
    writev(...a);
  };
  return () => n;
}

const publish = (i: number) => ({
  cmd: 'publish' as const,
  topic: 'loop/dev/player',
  payload: Buffer.from(JSON.stringify({ n: i })),
  qos: 0 as const,
  retain: false,
  dup: false,
});

function parseAll(buf: Buffer): mqttPacket.Packet[] {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const out: mqttPacket.Packet[] = [];
  parser.on('packet', (p) => void out.push(p));
  parser.parse(buf);
  return out;
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('broker write coalescing (one write per socket per event-loop turn)', () => {
  let p: Pair;
  afterEach(() => {
    p.ours.destroy();
    p.theirs.destroy();
    p.server.close();
  });

  for (const coalesced of [false, true]) {
    it(`${coalesced ? 'coalesced' : 'plain'}: 200 deliveries in their own setImmediate arrive whole and in order`, async () => {
      p = await pair();
      if (coalesced) coalesceWrites(p.ours);
      const writes = countWrites(p.ours);
      for (let i = 0; i < 200; i++) setImmediate(() => mqttPacket.writeToStream(publish(i), p.ours));
      await until(() => parseAll(p.received()).length === 200);
      const got = parseAll(p.received()).map((x) => JSON.parse(String((x as mqttPacket.IPublishPacket).payload)) as { n: number });
      expect(got.map((x) => x.n)).to.deep.equal(Array.from({ length: 200 }, (_, i) => i));
      // Plain: one write per delivery (the cost being removed); coalesced: a handful.
      if (coalesced) expect(writes()).to.be.at.most(5);
      else expect(writes()).to.be.at.least(150);
    });
  }

  it('a packet written just before destroy() or end() still goes out', async () => {
    p = await pair();
    coalesceWrites(p.ours);
    // mqtt-packet uncorks on the next tick; the stream is closed right after (a later tick, before
    // the event loop turns), as Aedes closes a refused client.
    mqttPacket.writeToStream({ cmd: 'connack', returnCode: 2, sessionPresent: false }, p.ours);
    process.nextTick(() => process.nextTick(() => p.ours.destroy()));
    await until(() => p.received().length >= 4);
    expect(parseAll(p.received())[0]).to.include({ cmd: 'connack', returnCode: 2 });

    const q = await pair();
    coalesceWrites(q.ours);
    mqttPacket.writeToStream({ cmd: 'connack', returnCode: 5, sessionPresent: false }, q.ours);
    process.nextTick(() => process.nextTick(() => q.ours.end()));
    await once(q.theirs, 'end');
    expect(parseAll(q.received())[0]).to.include({ cmd: 'connack', returnCode: 5 });
    q.theirs.destroy();
    q.server.close();
  });

  it('keeps back-pressure: a full buffer says so, and drains after the flush', async () => {
    p = await pair();
    coalesceWrites(p.ours);
    let full = false;
    const big = { ...publish(0), payload: Buffer.alloc(8 * 1024, 1) };
    for (let i = 0; i < 8 && !full; i++) full = !mqttPacket.writeToStream(big, p.ours);
    expect(full, 'write() returned false past the high-water mark').to.equal(true);
    await once(p.ours, 'drain');
    await until(() => parseAll(p.received()).length >= 2);
    expect(parseAll(p.received()).length).to.be.at.least(2);
  });
});
