// Who may do what on the embedded broker, tried as an outside client would: ACL allow and deny
// for publish and subscribe, Loop's reserved topics, retained commands, client ids, retained
// quotas, wrong-password storms; and a retained command on an external mosquitto with
// persistence, ignored by Loop across broker restarts.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { hashPassword } from '../../core/broker/passwords.js';
import { connectMqtt } from '../helpers/mqtt.js';
import { http, startTestLoop, tempDir, type TestLoop } from '../helpers/loop.js';
import { MOSQUITTO, startMosquitto } from '../helpers/mosquitto.js';
import { Bus } from '../../core/bus/bus.js';
import { createLogger } from '../../core/log.js';
import { freePort } from '../helpers/ports.js';
import { skipBecause } from '../helpers/skip.js';
import { sleep, until, withDeadline } from '../helpers/wait.js';

/** Connects and resolves with the CONNACK outcome: 'ok' or the refusal's return code. */
function tryConnect(url: string, opts: IClientOptions = {}): Promise<{ client: MqttClient; code: number }> {
  const client = connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  return withDeadline(
    new Promise((resolve) => {
      client.once('connect', () => resolve({ client, code: 0 }));
      client.once('error', (err: Error & { code?: number }) => resolve({ client, code: typeof err.code === 'number' ? err.code : -1 }));
    }),
    8000,
    'a CONNACK',
  );
}

function subscribeGranted(client: MqttClient, filter: string): Promise<number> {
  // mqtt.js reports a refusal as an error carrying the SUBACK packet.
  return new Promise((resolve, reject) =>
    client.subscribe(filter, { qos: 1 }, (err, granted) => {
      const failure: unknown = err;
      const code = (failure as { packet?: { granted?: number[] } } | null)?.packet?.granted?.[0];
      if (typeof code === 'number') resolve(code);
      else if (err) reject(err);
      else resolve(granted?.[0]?.qos ?? -1);
    }),
  );
}

/** Publishes at QoS 1; resolves 'acked' or 'closed' (the broker hangs up on a refused publish). */
function publishOutcome(client: MqttClient, topic: string, payload: string, retain = false): Promise<'acked' | 'closed'> {
  return withDeadline(
    new Promise((resolve) => {
      client.once('close', () => resolve('closed'));
      client.publish(topic, payload, { qos: 1, retain }, (err) => {
        if (!err) resolve('acked');
      });
    }),
    5000,
    `the outcome of a publish on ${topic}`,
  );
}

describe('MQTT ACLs and reserved topics (embedded broker)', () => {
  let loop: TestLoop;
  const t = (rel: string) => `${loop.baseTopic}/${rel}`;
  const clients: MqttClient[] = [];
  const track = <T extends { client: MqttClient }>(x: T): T => {
    clients.push(x.client);
    return x;
  };

  before(async () => {
    loop = await startTestLoop({
      mqtt: {
        users: [
          { username: 'ha', password_hash: hashPassword('ha-pass') },
          { username: 'red', password_hash: hashPassword('red-pass') },
        ],
        limits: { retained_messages_per_user: 2, retained_bytes_per_user: 1000, auth_backoff_max_seconds: 2 },
      },
    });
  });
  afterEach(() => clients.splice(0).forEach((c) => c.end(true)));
  after(async () => {
    await loop.stop();
  });

  it('gives a Home Assistant user by default what discovery and its entities need, and refuses the rest (SUBACK 0x80)', async () => {
    const { client, code } = track(await tryConnect(loop.mqtt as string, { username: 'ha', password: 'ha-pass', clientId: 'hass-1' }));
    expect(code).to.equal(0);
    expect(await subscribeGranted(client, 'homeassistant/#')).to.equal(1);
    expect(await subscribeGranted(client, `loop/+/player`)).to.equal(1);
    expect(await subscribeGranted(client, '#')).to.equal(128);
    expect(await subscribeGranted(client, '$SYS/#')).to.equal(128);
    expect(await subscribeGranted(client, 'zigbee2mqtt/#')).to.equal(128);
    expect(await publishOutcome(client, 'homeassistant/status', 'online')).to.equal('acked');
    expect(await publishOutcome(client, t('player/set'), 'next')).to.equal('acked');
    expect(await publishOutcome(client, 'zigbee2mqtt/bulb/set', '{"state":"ON"}')).to.equal('closed');
  });

  it("lets no ordinary user read others' requests (bridge/request/#), while state, events and answers reach it", async () => {
    const { client } = track(await tryConnect(loop.mqtt as string, { username: 'ha', password: 'ha-pass', clientId: 'hass-2' }));
    const seen: string[] = [];
    client.on('message', (topic) => seen.push(topic));
    expect(await subscribeGranted(client, t('bridge/request/#'))).to.equal(128);
    expect(await subscribeGranted(client, 'loop/+/bridge/request/+/+')).to.equal(128);
    expect(await subscribeGranted(client, t('#'))).to.equal(128);
    // The Node-RED role is the `nodered` user's alone.
    expect(await subscribeGranted(client, 'home/#')).to.equal(128);
    for (const filter of ['loop/+/+', 'loop/+/+/+', t('bridge/response/#')])
      expect(await subscribeGranted(client, filter), filter).to.equal(1);
    // Another user's request, and its answer: the answer reaches this user, the request does not.
    const red = await connectMqtt(loop.mqtt as string, { username: 'red', password: 'red-pass', clientId: 'red-1' });
    clients.push(red.client);
    await red.subscribe(t('bridge/response/system/health'));
    await red.publish(t('bridge/request/system/health'), { transaction: 'r1' });
    await red.next((m) => m.topic === t('bridge/response/system/health'));
    await until(() => seen.includes(t('bridge/response/system/health')), 3000, 'the answer to reach the other user');
    expect(seen.filter((topic) => topic.includes('/bridge/request/'))).to.deep.equal([]);
    expect(seen).to.include(t('system'));
  });

  it("anonymous clients from loopback may use any topic but Loop's reserved ones", async () => {
    const { client } = track(await tryConnect(loop.mqtt as string));
    expect(await subscribeGranted(client, '#')).to.equal(1);
    expect(await publishOutcome(client, 'anything/at/all', 'x')).to.equal('acked');
  });

  it('refuses a forged $SYS "new client" message, and Loop\'s own client is not kicked by it', async () => {
    const ownId = loop.runtime.bus.client.options.clientId as string;
    const { client } = track(await tryConnect(loop.mqtt as string));
    expect(await publishOutcome(client, '$SYS/forged/new/clients', ownId)).to.equal('closed');
    await sleep(200);
    expect(loop.runtime.bus.client.connected).to.equal(true);
    const res = await http('POST', `${loop.http}/api/actions/system/health`, {});
    expect(res.status).to.equal(200);
  });

  it("Loop's own client id cannot be taken over (0x02), and Loop stays connected", async () => {
    const ownId = loop.runtime.bus.client.options.clientId as string;
    const { code } = track(await tryConnect(loop.mqtt as string, { clientId: ownId }));
    expect(code).to.equal(2);
    const res = await http('POST', `${loop.http}/api/actions/system/health`, {});
    expect(res.status).to.equal(200);
    expect(loop.runtime.bus.client.connected).to.equal(true);
  });

  it("refuses publishing Loop's state or responses, and a retained command; clearing one stays allowed", async () => {
    const watcher = track(await connectMqtt(loop.mqtt as string));
    await watcher.subscribe(t('#'));
    for (const rel of ['player', 'bridge/state', 'bridge/response/system/health']) {
      const { client } = track(await tryConnect(loop.mqtt as string));
      expect(await publishOutcome(client, t(rel), '{"state":"offline"}'), rel).to.equal('closed');
    }
    const { client } = track(await tryConnect(loop.mqtt as string));
    expect(await publishOutcome(client, t('system/set'), '{"action":"restart"}', true)).to.equal('closed');
    const again = track(await tryConnect(loop.mqtt as string));
    expect(await publishOutcome(again.client, t('system/set'), '', true)).to.equal('acked');
    await sleep(200);
    expect(watcher.received.some((m) => m.topic === t('player') && m.payload.toString().includes('offline'))).to.equal(false);
    expect(watcher.received.some((m) => m.topic === t('system/set') && m.payload.length > 0)).to.equal(false);
    const late = track(await connectMqtt(loop.mqtt as string));
    await late.subscribe(t('+/set'));
    await sleep(200);
    expect(late.received.filter((m) => m.payload.length > 0)).to.deep.equal([]);
  });

  it("does not send outside clients the answers to Loop's own (REST) requests; their own answers arrive", async () => {
    const spy = track(await connectMqtt(loop.mqtt as string));
    await spy.subscribe(t('bridge/response/#'));
    const res = await http('POST', `${loop.http}/api/actions/system/health`, {});
    expect(res.status).to.equal(200);
    const since = spy.mark();
    await spy.publish(t('bridge/request/system/health'), { transaction: 'mine' });
    const mine = await spy.next((m) => m.topic === t('bridge/response/system/health'), 5000, since);
    expect((mine.json as { transaction: string }).transaction).to.equal('mine');
    expect(spy.received.filter((m) => (m.json as { transaction?: string } | undefined)?.transaction !== 'mine')).to.deep.equal([]);
  });

  it('binds a client id to the user that first used it', async () => {
    const first = track(await tryConnect(loop.mqtt as string, { username: 'red', password: 'red-pass', clientId: 'shared-id' }));
    expect(first.code).to.equal(0);
    first.client.end(true);
    const other = track(await tryConnect(loop.mqtt as string, { username: 'ha', password: 'ha-pass', clientId: 'shared-id' }));
    expect(other.code).to.equal(2);
    const same = track(await tryConnect(loop.mqtt as string, { username: 'red', password: 'red-pass', clientId: 'shared-id' }));
    expect(same.code).to.equal(0);
  });

  it('limits retained messages per user (count and bytes)', async () => {
    const { client } = track(await tryConnect(loop.mqtt as string, { clientId: 'retainer' }));
    expect(await publishOutcome(client, 'mine/a', 'x', true)).to.equal('acked');
    expect(await publishOutcome(client, 'mine/b', 'y', true)).to.equal('acked');
    expect(await publishOutcome(client, 'mine/c', 'z', true)).to.equal('closed');
    const c2 = track(await tryConnect(loop.mqtt as string, { clientId: 'retainer' }));
    expect(await publishOutcome(c2.client, 'mine/a', '', true)).to.equal('acked'); // clearing frees one
    expect(await publishOutcome(c2.client, 'mine/big', 'x'.repeat(1001), true)).to.equal('closed');
    const c3 = track(await tryConnect(loop.mqtt as string, { clientId: 'retainer' }));
    expect(await publishOutcome(c3.client, 'mine/c', 'z', true)).to.equal('acked');
  });

  it('a wrong-password storm is refused cheaply and leaves /api/health responsive', async () => {
    const codes: number[] = [];
    let stop = false;
    const storm = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const { client, code } = await tryConnect(loop.mqtt as string, { username: 'ha', password: 'wrong' });
        client.end(true);
        codes.push(code);
      }
    });
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = Date.now();
      const res = await http('GET', `${loop.http}/api/health`);
      latencies.push(Date.now() - t0);
      expect(res.status).to.equal(200);
      await sleep(50);
    }
    stop = true;
    await Promise.all(storm);
    // Every attempt refused; most of them by the back-off (0x03), without hashing anything.
    expect(codes.every((c) => c === 3 || c === 4)).to.equal(true);
    expect(codes.filter((c) => c === 3).length).to.be.greaterThan(codes.filter((c) => c === 4).length);
    expect(Math.max(...latencies)).to.be.lessThan(2000);
    // The right password still works for another address... and for this one once it waited.
    await until(
      async () =>
        (await tryConnect(loop.mqtt as string, { username: 'ha', password: 'ha-pass' }).then((r) => {
          r.client.end(true);
          return r.code;
        })) === 0,
      40_000,
      'the back-off to end',
    );
  });
});

describe('MQTT ACL from the config (user sections and patterns)', () => {
  let loop: TestLoop;
  after(async () => loop?.stop());

  it('applies user sections and %u patterns, and nothing else', async () => {
    const acl = ['user sensor', 'topic write sensors/kitchen/#', 'pattern readwrite private/%u/#'].join('\n');
    loop = await startTestLoop({ mqtt: { acl, users: [{ username: 'sensor', password_hash: hashPassword('s') }] } });
    const { client, code } = await tryConnect(loop.mqtt as string, { username: 'sensor', password: 's' });
    expect(code).to.equal(0);
    expect(await subscribeGranted(client, 'private/sensor/#')).to.equal(1);
    expect(await subscribeGranted(client, 'private/other/#')).to.equal(128);
    expect(await subscribeGranted(client, 'sensors/#')).to.equal(128);
    expect(await publishOutcome(client, 'sensors/kitchen/temp', '21')).to.equal('acked');
    expect(await publishOutcome(client, 'sensors/hall/temp', '21')).to.equal('closed');
    client.end(true);
  });
});

describe('A retained command on an external broker with persistence', function () {
  before(function () {
    if (!MOSQUITTO) skipBecause(this, 'Debian mosquitto is not installed (apt-get install mosquitto)');
  });

  it('is ignored by Loop, before and after the broker restarts', async function () {
    this.timeout(60_000);
    const dir = tempDir('loop-mosq-persist-');
    const port = await freePort();
    const conf = join(dir, 'mosquitto.conf');
    writeFileSync(
      conf,
      `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location ${dir}/\nautosave_interval 1\nlog_dest stderr\n${process.getuid?.() === 0 ? 'user root\n' : ''}`,
    );
    const url = `mqtt://127.0.0.1:${port}`;
    const run = async () => {
      const child = spawn(MOSQUITTO as string, ['-c', conf], { stdio: 'ignore' });
      await until(
        async () =>
          (await tryConnect(url).then(
            (r) => {
              r.client.end(true);
              return r.code;
            },
            () => -1,
          )) === 0,
        10_000,
        'mosquitto to listen',
      );
      return child;
    };
    let broker = await run();
    const loop = await startTestLoop({ mqtt: { url }, plugins: ['system'] });
    try {
      const events: string[] = [];
      const watcher = await connectMqtt(url);
      await watcher.subscribe(`${loop.baseTopic}/bridge/event`);
      watcher.client.on('message', (_t, p) => events.push(p.toString()));
      // A retained `set` for a plugin action: fire-and-forget commands answer with events only on error,
      // so a command that names an unknown action shows whether Loop acted on it (an error event).
      const setTopic = `${loop.baseTopic}/system/set`;
      await watcher.publish(setTopic, '{"action":"no_such_action"}', { retain: true });
      await until(() => events.some((e) => e.includes('system/set')), 5000, 'Loop to see the live command once');
      events.length = 0;
      // mosquitto writes its database on SIGTERM; the retained command survives the restart.
      const exited = new Promise((r) => broker.once('exit', r));
      broker.kill('SIGTERM');
      await exited;
      broker = await run();
      await until(() => loop.runtime.bus.client.connected, 20_000, 'Loop to reconnect');
      const check = await connectMqtt(url);
      await check.subscribe(setTopic);
      const kept = await check.next((m) => m.topic === setTopic, 5000);
      expect(kept.retain, 'mosquitto kept the retained command').to.equal(true);
      await check.end();
      await sleep(1000);
      expect(events.filter((e) => e.includes('system/set'))).to.deep.equal([]);
      await watcher.end();
    } finally {
      await loop.stop();
      broker.kill('SIGTERM');
    }
  });
});

describe("Answers to Loop's requests on an external broker (where anyone may publish)", function () {
  before(function () {
    if (!MOSQUITTO) skipBecause(this, 'Debian mosquitto is not installed (apt-get install mosquitto)');
  });

  it('are matched by the unguessable transaction and the response topic, not the transaction alone', async () => {
    const broker = await startMosquitto();
    const base = 'loop/answers';
    const bus = new Bus({
      client: connect(broker.url, { protocolVersion: 4 }),
      baseTopic: base,
      log: createLogger('silent', false),
      requestTimeoutMs: 1500,
    });
    const attacker = await connectMqtt(broker.url);
    try {
      await bus.waitConnected();
      await attacker.subscribe(`${base}/bridge/request/#`);
      await sleep(200); // the bus's own subscription is in place
      const pending = bus.request('system', 'health', {});
      const seen = await attacker.next((m) => m.topic === `${base}/bridge/request/system/health`);
      const tx = (seen.json as { transaction: string }).transaction;
      expect(tx).to.match(/^loop~[0-9a-f-]{36}$/);
      // A forged answer with the right transaction on another response topic, and one with a guess.
      await attacker.publish(`${base}/bridge/response/media/delete`, { status: 'ok', data: { forged: true }, transaction: tx });
      await attacker.publish(`${base}/bridge/response/system/health`, { status: 'ok', data: { forged: 'guess' }, transaction: 'loop~1' });
      const outcome = await pending.then(
        (v) => ({ ok: v }),
        (e: Error) => ({ err: e.message }),
      );
      expect(outcome).to.deep.equal({ err: 'no answer from system/health within 1500 ms' });
      // The real answer (right topic, right transaction) is taken.
      const second = bus.request('system', 'health', {});
      const seen2 = await attacker.next(
        (m) => m.topic === `${base}/bridge/request/system/health` && (m.json as { transaction: string }).transaction !== tx,
      );
      await attacker.publish(`${base}/bridge/response/system/health`, {
        status: 'ok',
        data: { real: true },
        transaction: (seen2.json as { transaction: string }).transaction,
      });
      expect(await second).to.deep.equal({ real: true });
    } finally {
      await attacker.end();
      await bus.close();
      await broker.stop();
    }
  });
});
