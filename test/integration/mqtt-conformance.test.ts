// MQTT 3.1.1 conformance of the embedded broker, checked the way interoperability suites do:
// mqtt.js for the ordinary flows, raw packets over TCP where a client library would hide what
// the broker sent (CONNACK codes, SUBACK 0x80, DUP redelivery, keep-alive without pings).
import { expect } from 'chai';
import { connect as tcpConnect, type Socket } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { connectMqtt, type TestMqtt } from '../helpers/mqtt.js';
import { startTestLoop, type TestLoop } from '../helpers/loop.js';
import { hashPassword } from '../../core/broker/passwords.js';
import { sleep, withDeadline } from '../helpers/wait.js';

/** A client that speaks raw MQTT packets and keeps every packet the broker sent. */
class RawClient {
  readonly packets: Packet[] = [];
  private readonly waiters: Array<{ pred: (p: Packet) => boolean; resolve: (p: Packet) => void }> = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (p: Packet) => {
      this.packets.push(p);
      for (const w of [...this.waiters]) {
        if (w.pred(p)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(p);
        }
      }
    });
    socket.on('data', (d: Buffer) => parser.parse(d));
    socket.on('error', () => undefined);
    this.closed = new Promise((r) => socket.once('close', () => r()));
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = tcpConnect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  sendRaw(bytes: number[]): void {
    this.socket.write(Buffer.from(bytes));
  }

  send(p: Packet): void {
    this.socket.write(mqttPacket.generate(p));
  }

  next(pred: (p: Packet) => boolean, what: string, timeoutMs = 5000): Promise<Packet> {
    const hit = this.packets.find(pred);
    if (hit) {
      this.packets.splice(this.packets.indexOf(hit), 1);
      return Promise.resolve(hit);
    }
    return withDeadline(
      new Promise<Packet>((resolve) =>
        this.waiters.push({
          pred,
          resolve: (p) => {
            this.packets.splice(this.packets.indexOf(p), 1);
            resolve(p);
          },
        }),
      ),
      timeoutMs,
      what,
    );
  }

  async connect(o: {
    clientId: string;
    clean: boolean;
    keepalive?: number;
    username?: string;
    password?: string;
    will?: { topic: string; payload: string };
  }): Promise<{ returnCode: number; sessionPresent: boolean }> {
    this.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: o.clientId,
      clean: o.clean,
      keepalive: o.keepalive ?? 60,
      ...(o.username ? { username: o.username, password: Buffer.from(o.password ?? '') } : {}),
      ...(o.will ? { will: { topic: o.will.topic, payload: Buffer.from(o.will.payload), qos: 0, retain: false } } : {}),
    });
    const ack = await this.next((p) => p.cmd === 'connack', 'CONNACK');
    return {
      returnCode: (ack as { returnCode?: number }).returnCode ?? -1,
      sessionPresent: (ack as { sessionPresent?: boolean }).sessionPresent ?? false,
    };
  }

  async subscribe(topic: string, qos: 0 | 1 | 2, messageId = 1): Promise<number[]> {
    this.send({ cmd: 'subscribe', messageId, subscriptions: [{ topic, qos }] });
    const ack = await this.next((p) => p.cmd === 'suback' && p.messageId === messageId, 'SUBACK');
    return (ack as { granted: number[] }).granted;
  }

  end(): void {
    this.socket.destroy();
  }
}

describe('MQTT 3.1.1 conformance (embedded broker)', () => {
  let loop: TestLoop;
  let port: number;
  const open: Array<{ end(): unknown }> = [];
  const keep = <T extends { end(): unknown }>(c: T): T => {
    open.push(c);
    return c;
  };
  const mqtt = async (opts = {}): Promise<TestMqtt> => keep(await connectMqtt(loop.mqtt as string, opts));

  before(async () => {
    // Anonymous clients may read $SYS here so that `$` topics can be seen not to match `#`.
    const acl = ['topic readwrite #', 'topic read $SYS/#', 'user ha', 'topic read loop/#'].join('\n');
    loop = await startTestLoop({ mqtt: { acl, users: [{ username: 'ha', password_hash: hashPassword('pw') }] } });
    port = Number(new URL(loop.mqtt as string).port);
  });
  afterEach(async () => {
    for (const c of open.splice(0)) await c.end();
  });
  after(async () => loop.stop());

  it('delivers at QoS 0, 1 and 2, at the lower of the publish and subscription QoS', async () => {
    const sub = await mqtt();
    await new Promise<void>((r) => sub.client.subscribe('qos/#', { qos: 2 }, () => r()));
    const pub = await mqtt();
    for (const qos of [0, 1, 2] as const) {
      await new Promise<void>((r) => pub.client.publish(`qos/${qos}`, `m${qos}`, { qos }, () => r()));
    }
    const got: number[] = [];
    sub.client.on('message', (_t, _p, packet) => got.push(packet.qos));
    for (const qos of [0, 1, 2]) {
      const m = await sub.next((x) => x.topic === `qos/${qos}`);
      expect(m.payload.toString()).to.equal(`m${qos}`);
    }
    const low = await mqtt();
    await new Promise<void>((r) => low.client.subscribe('qos/#', { qos: 1 }, () => r()));
    const lowQos = new Promise<number>((r) => low.client.once('message', (_t, _p, packet) => r(packet.qos)));
    await new Promise<void>((r) => pub.client.publish('qos/2', 'again', { qos: 2 }, () => r()));
    expect(await withDeadline(lowQos, 5000, 'the downgraded message')).to.equal(1);
  });

  it('keeps a retained message for new subscribers, and clears it with an empty retained publish', async () => {
    const pub = await mqtt();
    await pub.publish('ret/a', 'kept', { retain: true });
    const s1 = await mqtt();
    await s1.subscribe('ret/a');
    const m = await s1.next((x) => x.topic === 'ret/a');
    expect(m.retain).to.equal(true);
    expect(m.payload.toString()).to.equal('kept');
    await pub.publish('ret/a', '', { retain: true });
    const s2 = await mqtt();
    await s2.subscribe('ret/#');
    await sleep(300);
    expect(s2.received.filter((x) => x.topic === 'ret/a')).to.deep.equal([]);
  });

  it('accepts a zero-length client id with clean session and refuses it without (0x02, MQTT-3.1.3-8)', async () => {
    const a = keep(await RawClient.open(port));
    expect((await a.connect({ clientId: '', clean: true })).returnCode).to.equal(0);
    const b = keep(await RawClient.open(port));
    // Written by hand: mqtt-packet refuses to encode what the spec forbids a client to send.
    b.sendRaw([0x10, 12, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x00, 0, 60, 0, 0]);
    const ack = (await b.next((p) => p.cmd === 'connack', 'CONNACK')) as Packet & { returnCode: number };
    expect(ack.returnCode).to.equal(2);
    await withDeadline(b.closed, 5000, 'the refused client to be disconnected');
  });

  it('queues QoS 1 messages for an offline persistent session and delivers them on return', async () => {
    const first = await mqtt({ clientId: 'persist-1', clean: false });
    await new Promise<void>((r) => first.client.subscribe('offline/#', { qos: 1 }, () => r()));
    await first.end();
    const pub = await mqtt();
    for (let i = 0; i < 3; i++) await pub.publish('offline/x', `q${i}`, { qos: 1 });
    const raw = keep(await RawClient.open(port));
    const ack = await raw.connect({ clientId: 'persist-1', clean: false });
    expect(ack).to.deep.equal({ returnCode: 0, sessionPresent: true });
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = (await raw.next((x) => x.cmd === 'publish', 'a queued message')) as Packet & { payload: Buffer; messageId: number };
      got.push(p.payload.toString());
      raw.send({ cmd: 'puback', messageId: p.messageId });
    }
    expect(got).to.deep.equal(['q0', 'q1', 'q2']);
  });

  it('delivers a message matching overlapping subscriptions at the highest of their QoS', async () => {
    const raw = keep(await RawClient.open(port));
    await raw.connect({ clientId: 'overlap', clean: true });
    expect(await raw.subscribe('ov/#', 0, 1)).to.deep.equal([0]);
    expect(await raw.subscribe('ov/+/x', 2, 2)).to.deep.equal([2]);
    const pub = await mqtt();
    await pub.publish('ov/a/x', 'both', { qos: 1 });
    const p = (await raw.next((x) => x.cmd === 'publish', 'the message')) as Packet & { qos: number };
    await sleep(200);
    const copies = [p, ...raw.packets.filter((x) => x.cmd === 'publish')] as Array<Packet & { qos: number }>;
    expect(copies.length).to.be.within(1, 2);
    expect(Math.max(...copies.map((c) => c.qos))).to.equal(1); // the publish was QoS 1
  });

  it('fires the will when keep-alive expires without a ping (1.5 × keep-alive)', async () => {
    const watcher = await mqtt();
    await watcher.subscribe('will/#');
    const raw = keep(await RawClient.open(port));
    await raw.connect({ clientId: 'silent', clean: true, keepalive: 1, will: { topic: 'will/silent', payload: 'gone' } });
    const will = await watcher.next((m) => m.topic === 'will/silent', 6000);
    expect(will.payload.toString()).to.equal('gone');
    await withDeadline(raw.closed, 2000, 'the silent client to be disconnected');
  });

  it('redelivers unacknowledged QoS 1 and 2 messages with DUP on reconnect', async () => {
    const raw = keep(await RawClient.open(port));
    await raw.connect({ clientId: 'redeliver', clean: false });
    await raw.subscribe('rd/1', 1, 1);
    await raw.subscribe('rd/2', 2, 2);
    const pub = await mqtt();
    await new Promise<void>((r) => pub.client.publish('rd/1', 'one', { qos: 1 }, () => r()));
    await new Promise<void>((r) => pub.client.publish('rd/2', 'two', { qos: 2 }, () => r()));
    await raw.next((x) => x.cmd === 'publish' && (x as { topic: string }).topic === 'rd/1', 'rd/1');
    await raw.next((x) => x.cmd === 'publish' && (x as { topic: string }).topic === 'rd/2', 'rd/2');
    raw.end(); // no PUBACK, no PUBREC
    await raw.closed;
    const again = keep(await RawClient.open(port));
    expect((await again.connect({ clientId: 'redeliver', clean: false })).sessionPresent).to.equal(true);
    const r1 = (await again.next((x) => x.cmd === 'publish' && (x as { topic: string }).topic === 'rd/1', 'rd/1 again')) as Packet & {
      dup: boolean;
      payload: Buffer;
    };
    const r2 = (await again.next((x) => x.cmd === 'publish' && (x as { topic: string }).topic === 'rd/2', 'rd/2 again')) as Packet & {
      dup: boolean;
      payload: Buffer;
    };
    expect([r1.payload.toString(), r1.dup]).to.deep.equal(['one', true]);
    expect([r2.payload.toString(), r2.dup]).to.deep.equal(['two', true]);
  });

  it('answers a subscription the ACL refuses with 0x80 and keeps the connection', async () => {
    const raw = keep(await RawClient.open(port));
    expect((await raw.connect({ clientId: 'ha-raw', clean: true, username: 'ha', password: 'pw' })).returnCode).to.equal(0);
    expect(await raw.subscribe('#', 1, 1)).to.deep.equal([0x80]);
    expect(await raw.subscribe('loop/+/player', 1, 2)).to.deep.equal([1]);
    raw.send({ cmd: 'pingreq' });
    await raw.next((x) => x.cmd === 'pingresp', 'PINGRESP');
  });

  it('does not match $ topics with # or + (MQTT-4.7.2-1)', async () => {
    const wild = await mqtt();
    await wild.subscribe('#');
    await wild.subscribe('+/+/new/clients');
    const sys = await mqtt();
    await sys.subscribe('$SYS/+/new/clients');
    const since = sys.mark();
    const newcomer = await mqtt({ clientId: 'newcomer' });
    const seen = await sys.next((m) => m.topic.startsWith('$SYS/') && m.payload.toString() === 'newcomer', 5000, since);
    expect(seen.topic).to.match(/^\$SYS\/.+\/new\/clients$/);
    await sleep(200);
    expect(wild.received.filter((m) => m.topic.startsWith('$'))).to.deep.equal([]);
    await newcomer.end();
  });

  it('stops delivering after UNSUBSCRIBE (UNSUBACK answered)', async () => {
    const raw = keep(await RawClient.open(port));
    await raw.connect({ clientId: 'unsub', clean: true });
    await raw.subscribe('un/x', 0, 1);
    const pub = await mqtt();
    await pub.publish('un/x', 'before', { qos: 0 });
    await raw.next((x) => x.cmd === 'publish', 'the first message');
    raw.send({ cmd: 'unsubscribe', messageId: 3, unsubscriptions: ['un/x'] });
    await raw.next((x) => x.cmd === 'unsuback' && x.messageId === 3, 'UNSUBACK');
    await pub.publish('un/x', 'after', { qos: 0 });
    await sleep(300);
    expect(raw.packets.filter((x) => x.cmd === 'publish')).to.deep.equal([]);
  });
});
