// The MQTT API as Home Assistant or Node-RED sees it: requests with transactions, fire-and-forget
// `/set`, clear errors for bad payloads, and the broker's credentials and authorisation.
import { expect } from 'chai';
import { connectMqtt, type TestMqtt } from '../helpers/mqtt.js';
import { startTestLoop, type TestLoop } from '../helpers/loop.js';
import { hashPassword } from '../../core/broker/passwords.js';
import { sleep } from '../helpers/wait.js';
import type { ActionResponse, BridgeEvent, BridgeInfo, SystemState } from '../../core/protocol/index.js';

describe('MQTT API (embedded broker, real TCP clients)', () => {
  let loop: TestLoop;
  let c: TestMqtt;
  const t = (rel: string) => `${loop.baseTopic}/${rel}`;

  before(async () => {
    loop = await startTestLoop();
    c = await connectMqtt(loop.mqtt as string);
    await c.subscribe(`${loop.baseTopic}/#`);
  });
  after(async () => {
    await c.end();
    await loop.stop();
  });

  it('publishes retained bridge/state online and bridge/info with the plugins', async () => {
    const state = await c.next((m) => m.topic === t('bridge/state'));
    expect(state.retain).to.equal(true);
    expect(state.json).to.deep.equal({ state: 'online' });
    const info = (await c.next((m) => m.topic === t('bridge/info'))).json as BridgeInfo;
    expect(info.device_id).to.equal(loop.baseTopic.split('/')[1]);
    expect(info.broker).to.equal('embedded');
    expect(info.plugins.find((p) => p.id === 'system')).to.include({ state: 'running' });
    // Start-up is complete once Loop is up: the plugins list is final (the homeassistant plugin waits for it).
    expect(info.ready).to.equal(true);
  });

  it('answers bridge/request with the transaction echoed', async () => {
    const since = c.mark();
    await c.publish(t('bridge/request/system/health'), { transaction: 'abc-1' });
    const res = (await c.next((m) => m.topic === t('bridge/response/system/health'), 5000, since)).json as ActionResponse<SystemState>;
    expect(res.status).to.equal('ok');
    expect(res.transaction).to.equal('abc-1');
    if (res.status === 'ok') expect(res.data.cpus).to.be.greaterThan(0);
  });

  it('answers bad requests with an error response and a bridge/event, and keeps serving', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['bridge/request/system/health', '{"transaction": 5, oops', /not valid JSON/],
      ['bridge/request/system/health', '[1,2]', /JSON object/],
      ['bridge/request/system/health', '{"transaction": 6, "extra": 1}', /extra: unknown key/],
      ['bridge/request/system/teleport', '{"transaction": 7}', /unknown action "teleport"/],
      ['bridge/request/toaster/on', '{"transaction": 8}', /unknown plugin "toaster"/],
    ];
    for (const [topic, body, why] of cases) {
      const since = c.mark();
      await c.publish(t(topic), body);
      const res = (await c.next((m) => m.topic === t(topic.replace('request', 'response')), 5000, since)).json as ActionResponse;
      expect(res.status, topic + body).to.equal('error');
      if (res.status === 'error') expect(res.error).to.match(why);
      const ev = (await c.next((m) => m.topic === t('bridge/event'), 5000, since)).json as BridgeEvent;
      expect(ev.level).to.equal('error');
    }
    const ok = c.mark();
    await c.publish(t('bridge/request/system/storage'), { transaction: 'after' });
    const res = (await c.next((m) => m.topic === t('bridge/response/system/storage'), 5000, ok)).json as ActionResponse;
    expect(res).to.include({ status: 'ok', transaction: 'after' });
  });

  it('takes fire-and-forget commands on <plugin>/set: bare word, JSON string, {action}', async () => {
    for (const body of ['health', '"health"', '{"action":"health"}']) {
      const since = c.mark();
      await c.publish(t('system/set'), body);
      // health republishes the retained system state
      const m = await c.next((x) => x.topic === t('system'), 5000, since);
      expect((m.json as SystemState).hostname).to.be.a('string');
    }
    const since = c.mark();
    await c.publish(t('system/set'), '{"action":"fly"}');
    const ev = (await c.next((m) => m.topic === t('bridge/event'), 5000, since)).json as BridgeEvent;
    expect(ev.message).to.match(/unknown action "fly"/);
    await c.publish(t('system/set'), '{{{');
    const ev2 = (
      await c.next((m) => m.topic === t('bridge/event') && String((m.json as BridgeEvent).message).includes('neither'), 5000, since)
    ).json as BridgeEvent;
    expect(ev2.level).to.equal('error');
  });

  it('refuses outside clients that try to forge Loop state', async () => {
    const before = c.received.filter((m) => m.topic === t('system')).length;
    const forger = await connectMqtt(loop.mqtt as string);
    await forger.publish(t('system'), { hacked: true }, { qos: 0 }).catch(() => undefined);
    await forger.end();
    const probe = await connectMqtt(loop.mqtt as string);
    await probe.subscribe(t('system'));
    const retained = await probe.next((m) => m.topic === t('system'));
    expect((retained.json as Record<string, unknown>).hacked).to.equal(undefined);
    await probe.end();
    expect(c.received.filter((m) => m.topic === t('system') && (m.json as Record<string, unknown>).hacked)).to.have.length(0);
    expect(before).to.be.greaterThan(0);
  });
});

describe('MQTT broker credentials', () => {
  let loop: TestLoop | null = null;
  afterEach(async () => {
    await loop?.stop();
    loop = null;
  });

  it('refuses anonymous clients when allow_anonymous is false, accepts a configured user', async () => {
    loop = await startTestLoop({
      mqtt: { allow_anonymous: false, users: [{ username: 'ha', password_hash: hashPassword('p4ss "word"') }] },
    });
    const url = loop.mqtt as string;
    const anon = await connectMqtt(url, { reconnectPeriod: 0 }).then(
      () => 'connected',
      (e: Error) => e.message,
    );
    expect(anon).to.match(/Not authorized|Bad username|credentials|refused/i);
    const wrong = await connectMqtt(url, { reconnectPeriod: 0, username: 'ha', password: 'nope' }).then(
      () => 'connected',
      (e: Error) => e.message,
    );
    expect(wrong).to.not.equal('connected');
    await sleep(300); // a wrong password makes this address wait 0.25 s before its next check
    const ok = await connectMqtt(url, { username: 'ha', password: 'p4ss "word"' });
    await ok.subscribe(`${loop.baseTopic}/bridge/state`);
    const st = await ok.next((m) => m.topic.endsWith('bridge/state'));
    expect(st.json).to.deep.equal({ state: 'online' });
    await ok.end();
  });

  it('lets anonymous clients in from loopback only by default (the default config)', async () => {
    loop = await startTestLoop();
    const ok = await connectMqtt(loop.mqtt as string);
    expect(ok.client.connected).to.equal(true);
    await ok.end();
  });
});
