// The example third-party plugin (examples/plugins/play-counter), written from docs/plugins.md
// alone, loaded from its folder: it sees clips play on a real mpv and answers over MQTT and REST.
import { expect } from 'chai';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';
import type { ActionResponse, BridgeInfo } from '../../core/protocol/index.js';
import { makeClip } from '../helpers/clips.js';
import { http, mqttRequest, startTestLoop, type TestLoop, mpvSocket, publishLibrary, type Media } from '../helpers/loop.js';
import { connectMqtt, type TestMqtt } from '../helpers/mqtt.js';
import { until } from '../helpers/wait.js';

interface Counts {
  counts: Record<string, number>;
  total: number;
}

describe('example plugin: play-counter, loaded from a folder', () => {
  let loop: TestLoop;
  let mqtt: TestMqtt;
  before(async () => {
    const [a, b] = await Promise.all([makeClip({ seconds: 0.5 }), makeClip({ seconds: 0.5 })]);
    const A: Media = { slug: 'ex_a_0000000000000001', path: a, kind: 'video', duration: 0.5 };
    const B: Media = { slug: 'ex_b_0000000000000002', path: b, kind: 'video', duration: 0.5 };
    loop = await startTestLoop({
      plugins: ['system', 'player', 'loop', join(packageRoot, 'examples', 'plugins', 'play-counter')],
      player: { vo: 'null', ao: 'null', ipc_socket: mpvSocket() },
      loop: { repeat: 1 },
      play_counter: { top: 5 },
    });
    await publishLibrary(loop, [A, B]);
    for (const slug of [A.slug, B.slug]) expect((await http('POST', `${loop.http}/api/loop`, { slug })).status).to.equal(200);
    mqtt = await connectMqtt(loop.mqtt as string);
    await mqtt.subscribe(`${loop.baseTopic}/#`);
  });
  after(async () => {
    await mqtt?.end();
    await loop?.stop();
  });

  it('runs beside the built-ins and lists its actions in bridge/info', async () => {
    const info = (await mqtt.next((m) => m.topic.endsWith('/bridge/info'))).json as BridgeInfo;
    expect(info.plugins.find((p) => p.id === 'play_counter'))
      .to.include({ state: 'running' })
      .and.to.have.property('actions')
      .that.deep.equals(['counts', 'reset']);
  });

  it('counts clips as they play, and answers over MQTT and REST', async () => {
    let counts: Counts = { counts: {}, total: 0 };
    await until(
      async () => {
        counts = (await http('POST', `${loop.http}/api/actions/play_counter/counts`, {})).json.data as Counts;
        return counts.total >= 4;
      },
      15_000,
      'four clip starts counted',
    );
    expect(Object.keys(counts.counts)).to.have.members(['ex_a_0000000000000001', 'ex_b_0000000000000002']);
    // Matched on the response topic and a fresh transaction (the request itself comes back on `#` too).
    const res = (await mqttRequest(mqtt, loop.baseTopic, 'play_counter', 'counts')) as unknown as ActionResponse<Counts>;
    expect(res.status).to.equal('ok');
    if (res.status === 'ok') expect(res.data.total).to.be.at.least(4);
    const retained = await mqtt.next((m) => m.topic === `${loop.baseTopic}/play_counter`);
    expect((retained.json as Counts).total).to.be.at.least(1);
  });

  it('validates payloads against its declaration before its handler runs; reset empties the counts', async () => {
    const bad = await http('POST', `${loop.http}/api/actions/play_counter/reset`, { everything: true });
    expect(bad.status).to.equal(400);
    const reset = await http('POST', `${loop.http}/api/actions/play_counter/reset`, {});
    expect(reset.status).to.equal(200);
    expect((reset.json.data as Counts).total).to.be.lessThan(2);
  });
});
