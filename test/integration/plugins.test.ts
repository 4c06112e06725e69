// The plugin host: third-party plugins from folders, failure isolation, dependency order.
import { expect } from 'chai';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';
import type { ActionResponse, BridgeEvent, BridgeInfo } from '../../core/protocol/index.js';
import { connectMqtt } from '../helpers/mqtt.js';
import { http, startTestLoop, type TestLoop } from '../helpers/loop.js';

const fixture = (name: string) => join(packageRoot, 'test', 'fixtures', 'plugins', name);

describe('plugin host', () => {
  let loop: TestLoop;
  before(async () => {
    loop = await startTestLoop({
      plugins: ['system', fixture('broken'), fixture('hello'), fixture('needs-broken'), fixture('bad-entities')],
      hello: { greeting: 'Ahoy' },
      http: { request_timeout_ms: 500 },
    });
  });
  after(async () => loop.stop());

  it('a plugin that throws at start is reported in bridge/info and bridge/event; the others run', async () => {
    const c = await connectMqtt(loop.mqtt as string);
    await c.subscribe(`${loop.baseTopic}/bridge/info`);
    const info = (await c.next((m) => m.topic.endsWith('bridge/info'))).json as BridgeInfo;
    const byId = Object.fromEntries(info.plugins.map((p) => [p.id, p]));
    expect(byId.broken).to.include({ state: 'failed' });
    expect(byId.broken?.error).to.match(/flux capacitor/);
    expect(byId.needs_broken).to.include({ state: 'skipped' });
    expect(byId.needs_broken?.error).to.match(/broken/);
    expect(byId.system).to.include({ state: 'running' });
    expect(byId.hello).to.include({ state: 'running' });
    await c.end();
    const health = await http('GET', `${loop.http}/api/health`);
    expect(health.status).to.equal(200);
  });

  it('a plugin whose Home Assistant entities are declared wrongly is refused at load, saying what is wrong', async () => {
    const c = await connectMqtt(loop.mqtt as string);
    await c.subscribe(`${loop.baseTopic}/bridge/info`);
    const info = (await c.next((m) => m.topic.endsWith('bridge/info'))).json as BridgeInfo;
    await c.end();
    const bad = info.plugins.find((p) => p.id.endsWith('bad-entities'));
    expect(bad).to.include({ state: 'failed' });
    expect(bad?.error).to.match(/declares Home Assistant entities wrongly/);
    expect(bad?.error, 'the template in a field').to.match(
      /entities\.0\.field: is "x }}{{ states\('lock\.front'\) }}"; must match pattern/,
    );
    expect(bad?.error, 'the button bound to no action').to.include('entities.1.action: "nothing" is not one of the plugin\'s actions');
    expect(
      info.plugins.some((p) => p.id === 'bad_entities'),
      'it never ran',
    ).to.equal(false);
  });

  it('serves a third-party plugin action over MQTT with its config section and validation', async () => {
    const c = await connectMqtt(loop.mqtt as string);
    await c.subscribe(`${loop.baseTopic}/bridge/response/hello/#`);
    await c.publish(`${loop.baseTopic}/bridge/request/hello/greet`, { name: 'Ada', transaction: 1 });
    const ok = (await c.next((m) => (m.json as ActionResponse).transaction === 1)).json as ActionResponse<{ text: string }>;
    expect(ok.status).to.equal('ok');
    if (ok.status === 'ok') expect(ok.data.text).to.equal('Ahoy, Ada');
    await c.publish(`${loop.baseTopic}/bridge/request/hello/greet`, { name: '', transaction: 2 });
    const bad = (await c.next((m) => (m.json as ActionResponse).transaction === 2)).json as ActionResponse;
    expect(bad.status).to.equal('error');
    await c.end();
  });

  it('a request to a failed plugin says it is unavailable and why', async () => {
    const c = await connectMqtt(loop.mqtt as string);
    await c.subscribe(`${loop.baseTopic}/bridge/#`);
    await c.publish(`${loop.baseTopic}/bridge/request/broken/anything`, { transaction: 'x' });
    const res = (await c.next((m) => m.topic.endsWith('bridge/response/broken/anything'))).json as ActionResponse;
    expect(res).to.include({ status: 'error', code: 'unavailable' });
    const ev = (await c.next((m) => m.topic.endsWith('bridge/event') && String((m.json as BridgeEvent).message).includes('broken')))
      .json as BridgeEvent;
    expect(ev.level).to.equal('error');
    await c.end();
  });

  it('any action is reachable over REST; a plugin that does not answer in time is a 504', async () => {
    const ok = await http('POST', `${loop.http}/api/actions/hello/greet`, { name: 'Bob' });
    expect(ok.status).to.equal(200);
    expect(ok.json.data).to.deep.equal({ text: 'Ahoy, Bob' });
    const bad = await http('POST', `${loop.http}/api/actions/hello/greet`, { name: 42 });
    expect(bad.status).to.equal(400);
    const slow = await http('POST', `${loop.http}/api/actions/hello/wait`, { ms: 1500 });
    expect(slow.status).to.equal(504);
    expect(String(slow.json.message)).to.match(/no answer from hello\/wait within 500 ms/);
    const missing = await http('POST', `${loop.http}/api/actions/nobody/x`, {});
    expect(missing.status).to.equal(404);
  });
});
