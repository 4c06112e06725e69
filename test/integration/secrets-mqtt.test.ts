// Secrets never travel on MQTT: while the page joins WiFi (REST and /ws), MQTT clients subscribed to
// everything they may read (anonymous on loopback, a configured user, anyone on an external
// mosquitto) never see the password, nor does Loop's own output; the join still works; and an MQTT
// request that carries a password is refused with a clear error and never reaches nmcli.
import { expect } from 'chai';
import { hashPassword } from '../../core/broker/passwords.js';
import type { WifiState } from '../../core/protocol/index.js';
import { ap, FakeNm, NMCLI } from '../fixtures/nmcli/state.js';
import { http, removeDir, startLoopProcess, startTestLoop, type LoopProcess, type TestLoop } from '../helpers/loop.js';
import { MOSQUITTO, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { connectMqtt, type Received, type TestMqtt } from '../helpers/mqtt.js';
import { skipBecause } from '../helpers/skip.js';
import { connectWs, ofType, type TestWs } from '../helpers/ws.js';

const HOME_PSK = 'home-psk-7f3a91';
const OFFICE_PSK = 'office-psk-2c55e0';
const MQTT_PSK = 'mqtt-psk-9d01bb';
/** Too long to be valid (over 64 characters): its error must not quote it. */
const LONG_PSK = `long-psk-${'x'.repeat(60)}-3b7e`;
const SECRETS = [HOME_PSK, OFFICE_PSK, MQTT_PSK, LONG_PSK];
/** Whether a text shows a secret, or the start of one (error messages quote values as excerpts). */
const shows = (text: string, secret: string): boolean => text.includes(secret.slice(0, 16));
const WIFI = { nmcli_path: NMCLI, fallback_seconds: 0.5, retry_seconds: 0.5, connect_timeout_seconds: 5, scan_cache_seconds: 0 };

const networks = (): FakeNm =>
  new FakeNm({
    aps: [ap('Home', 70, { psk: HOME_PSK, ip4: '192.168.1.42/24' }), ap('Office', 60, { psk: OFFICE_PSK, ip4: '10.1.2.3/24' })],
  });

/** Every message a client received that shows one of the secrets, in its topic or its payload. */
const leaks = (m: TestMqtt): string[] =>
  m.received
    .filter((r: Received) => SECRETS.some((s) => shows(r.topic, s) || shows(r.payload.toString('utf8'), s)))
    .map((r) => `${r.topic} ${r.payload.toString('utf8').slice(0, 200)}`);

/** Subscribes to each filter, ignoring refusals (an ordinary user may not read everything). */
async function subscribeAll(m: TestMqtt, filters: readonly string[]): Promise<void> {
  for (const f of filters) await m.subscribe(f).catch(() => undefined);
}

const joined = (ssid: string) => (r: Received) => r.topic.endsWith('/wifi') && (r.json as WifiState)?.ssid === ssid;

describe('secrets never travel on MQTT: the page joins WiFi (embedded broker, Loop as a process)', function () {
  this.timeout(90_000);
  let nm: FakeNm;
  let loop: LoopProcess;
  let anonymous: TestMqtt;
  let user: TestMqtt;
  let ws: TestWs;

  before(async () => {
    nm = networks();
    loop = await startLoopProcess({
      config: {
        device: { id: 'secrets' },
        plugins: ['system', 'wifi'],
        wifi: WIFI,
        log: { level: 'debug', json: false },
        mqtt: { users: [{ username: 'ha', password_hash: hashPassword('ha-pass') }] },
      },
      env: { NMCLI_STATE: nm.file },
    });
    anonymous = await connectMqtt(loop.mqtt);
    await anonymous.subscribe('#');
    user = await connectMqtt(loop.mqtt, { username: 'ha', password: 'ha-pass' });
    await subscribeAll(user, ['#', 'loop/#', `${loop.baseTopic}/#`, `${loop.baseTopic}/bridge/request/#`, `${loop.baseTopic}/wifi`]);
    ws = await connectWs(loop.ws);
    // The wifi plugin is up once its state is published (the hotspot: no known network yet).
    await anonymous.next((r) => r.topic === `${loop.baseTopic}/wifi` && (r.json as WifiState).mode === 'hotspot', 20_000);
  });
  after(async () => {
    await ws?.close();
    await anonymous?.end();
    await user?.end();
    await loop?.stop();
    if (loop) removeDir(loop.dataDir);
  });

  it('REST POST /api/wifi/connect joins, and no MQTT client sees the password', async () => {
    const res = await http('POST', `${loop.http}/api/wifi/connect`, { ssid: 'Home', password: HOME_PSK });
    expect(res.status, JSON.stringify(res.json)).to.equal(200);
    expect((res.json.data as { connected: boolean; ssid: string }).connected).to.equal(true);
    await anonymous.next(joined('Home'), 10_000);
    await user.next(joined('Home'), 10_000);
    expect(leaks(anonymous)).to.deep.equal([]);
    expect(leaks(user)).to.deep.equal([]);
  });

  it('a /ws request joins another network, and no MQTT client sees its password', async () => {
    ws.send({ type: 'request', id: 7, action: 'wifi/connect', data: { ssid: 'Office', password: OFFICE_PSK } });
    const answer = await ws.next(
      ofType('response', (m) => m.id === 7),
      15_000,
    );
    expect(answer.success, JSON.stringify(answer)).to.equal(true);
    expect((answer.data as { ssid: string }).ssid).to.equal('Office');
    await anonymous.next(joined('Office'), 10_000);
    await user.next(joined('Office'), 10_000);
    expect(leaks(anonymous)).to.deep.equal([]);
    expect(leaks(user)).to.deep.equal([]);
  });

  it('an MQTT request that carries a password is refused, says to use REST, and never reaches nmcli', async () => {
    const before = nm.calls().length;
    const at = anonymous.mark();
    await anonymous.publish(`${loop.baseTopic}/bridge/request/wifi/connect`, { ssid: 'Home', password: MQTT_PSK, transaction: 'x1' });
    const res = await anonymous.next(
      (r) => r.topic.endsWith('/bridge/response/wifi/connect') && (r.json as { transaction?: string }).transaction === 'x1',
      5000,
      at,
    );
    const body = res.json as { status: string; code: string; error: string };
    expect(body.status).to.equal('error');
    expect(body.code).to.equal('forbidden');
    expect(body.error).to.include('POST /api/wifi/connect');
    // `<plugin>/set` is refused the same way (an error event, no answer).
    await anonymous.publish(`${loop.baseTopic}/wifi/set`, { action: 'connect', ssid: 'Home', password: MQTT_PSK });
    const event = await anonymous.next(
      (r) => r.topic.endsWith('/bridge/event') && String((r.json as { message?: string }).message).includes('secret'),
      5000,
      at,
    );
    expect(String((event.json as { message: string }).message)).to.include('/api/wifi/connect');
    expect(
      nm
        .calls()
        .slice(before)
        .filter((argv) => argv.includes('connect') || argv.includes('up')),
    ).to.deep.equal([]);
    // What the client itself published is on the broker; nothing Loop sent back repeats it.
    const echoed = anonymous.received.slice(at).filter((r) => !r.topic.includes('/bridge/request/') && !r.topic.endsWith('/set'));
    expect(echoed.filter((r) => r.payload.toString('utf8').includes(MQTT_PSK)).map((r) => r.topic)).to.deep.equal([]);
  });

  it('a password that fails validation is refused without being quoted, over /ws and REST alike', async () => {
    ws.send({ type: 'request', id: 9, action: 'wifi/connect', data: { ssid: 'Home', password: LONG_PSK } });
    const answer = await ws.next(
      ofType('response', (m) => m.id === 9),
      10_000,
    );
    expect(answer.success).to.equal(false);
    expect(answer.code).to.equal('invalid');
    expect(String(answer.message)).to.include('password');
    expect(shows(JSON.stringify(answer), LONG_PSK), JSON.stringify(answer)).to.equal(false);
    const res = await http('POST', `${loop.http}/api/wifi/connect`, { ssid: 'Home', password: LONG_PSK });
    expect(res.status).to.equal(400);
    expect(shows(JSON.stringify(res.json), LONG_PSK), JSON.stringify(res.json)).to.equal(false);
    expect(anonymous.received.filter((r) => shows(r.payload.toString('utf8'), LONG_PSK)).map((r) => r.topic)).to.deep.equal([]);
  });

  it("no password reaches Loop's log (debug level)", () => {
    const out = loop.output();
    expect(out).to.include('wifi');
    expect(SECRETS.filter((s) => shows(out, s))).to.deep.equal([]);
  });
});

describe('secrets never travel on MQTT: an external mosquitto', function () {
  this.timeout(60_000);
  let nm: FakeNm;
  let mosquitto: Mosquitto;
  let loop: TestLoop;
  let watcher: TestMqtt;

  before(async function () {
    if (!MOSQUITTO) return skipBecause(this, 'mosquitto is not installed');
    nm = networks();
    process.env.NMCLI_STATE = nm.file;
    mosquitto = await startMosquitto();
    watcher = await connectMqtt(mosquitto.url);
    await watcher.subscribe('#');
    loop = await startTestLoop({ plugins: ['system', 'wifi'], wifi: WIFI, mqtt: { url: mosquitto.url } });
    await watcher.next((r) => r.topic === `${loop.baseTopic}/wifi` && (r.json as WifiState).mode === 'hotspot', 20_000);
  });
  after(async () => {
    await watcher?.end();
    await loop?.stop();
    if (loop) removeDir(loop.dataDir);
    await mosquitto?.stop();
    delete process.env.NMCLI_STATE;
  });

  it('the page joins WiFi and nothing on the shared broker shows the password', async () => {
    const res = await http('POST', `${loop.http}/api/wifi/connect`, { ssid: 'Home', password: HOME_PSK });
    expect(res.status, JSON.stringify(res.json)).to.equal(200);
    expect((res.json.data as { connected: boolean }).connected).to.equal(true);
    await watcher.next(joined('Home'), 10_000);
    expect(watcher.received.length).to.be.greaterThan(3);
    expect(leaks(watcher)).to.deep.equal([]);
  });
});
