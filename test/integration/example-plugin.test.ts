// The example third-party plugin (examples/plugins/play-counter), written from docs/plugins.md
// alone, loaded from its folder: it sees clips play on a real mpv (followed on its lane, published
// from its lane's timer), answers over MQTT and REST, offers Home Assistant a sensor and a button
// through the plugin API, and adds a command to the `loop` command line.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';
import type { ActionResponse, BridgeInfo } from '../../core/protocol/index.js';
import { makeClip } from '../helpers/clips.js';
import { http, mqttRequest, startTestLoop, tempDir, type TestLoop, mpvSocket, publishLibrary, type Media } from '../helpers/loop.js';
import { connectMqtt, type TestMqtt } from '../helpers/mqtt.js';
import { until } from '../helpers/wait.js';
import { jinjaAvailable, render } from '../helpers/jinja.js';

interface Counts {
  counts: Record<string, number>;
  total: number;
}

const examplePath = join(packageRoot, 'examples', 'plugins', 'play-counter');

describe('example plugin: play-counter, loaded from a folder', () => {
  let loop: TestLoop;
  let mqtt: TestMqtt;
  before(async () => {
    const [a, b] = await Promise.all([makeClip({ seconds: 0.5 }), makeClip({ seconds: 0.5 })]);
    const A: Media = { slug: 'ex_a_0000000000000001', path: a, kind: 'video', duration: 0.5 };
    const B: Media = { slug: 'ex_b_0000000000000002', path: b, kind: 'video', duration: 0.5 };
    loop = await startTestLoop({
      plugins: ['system', 'player', 'loop', 'homeassistant', examplePath],
      player: { vo: 'null', ao: 'null', ipc_socket: mpvSocket() },
      loop: { repeat: 1 },
      homeassistant: { announce_delay_ms: 300, thumbnail: false },
      play_counter: { top: 5, publish_ms: 200 },
    });
    await publishLibrary(loop, [A, B]);
    for (const slug of [A.slug, B.slug]) expect((await http('POST', `${loop.http}/api/loop`, { slug })).status).to.equal(200);
    mqtt = await connectMqtt(loop.mqtt as string);
    await mqtt.subscribe(`${loop.baseTopic}/#`);
    await mqtt.subscribe('homeassistant/#');
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
    expect(info.plugins.find((p) => p.id === 'play_counter')?.entities?.map((e) => `${e.platform}:${e.id}`)).to.deep.equal([
      'sensor:total',
      'button:reset',
    ]);
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
    // Published from the plugin's lane timer (publish_ms), so a burst of clip starts is one message.
    const published = await mqtt.next((m) => m.topic === `${loop.baseTopic}/play_counter` && (m.json as Counts).total >= 1);
    expect(Object.keys((published.json as Counts).counts)).to.have.length.greaterThan(0);
  });

  it('validates payloads against its declaration before its handler runs; reset empties the counts', async () => {
    const bad = await http('POST', `${loop.http}/api/actions/play_counter/reset`, { everything: true });
    expect(bad.status).to.equal(400);
    const reset = await http('POST', `${loop.http}/api/actions/play_counter/reset`, {});
    expect(reset.status).to.equal(200);
    expect((reset.json.data as Counts).total).to.be.lessThan(2);
  });

  it('offers Home Assistant its sensor and button, and a press over MQTT runs its action', async () => {
    const topic = `homeassistant/device/${loop.runtime.config.device.id as string}/config`;
    const discovery = await mqtt.next((m) => m.topic === topic && JSON.stringify(m.json).includes('play_counter_reset'), 10_000);
    const cmps = (discovery.json as { cmps: Record<string, Record<string, unknown>> }).cmps;
    expect(cmps.play_counter_total).to.deep.include({
      p: 'sensor',
      name: 'Clip starts',
      state_topic: `${loop.baseTopic}/play_counter`,
      value_template: "{{ value_json['total'] }}",
      state_class: 'total',
    });
    expect(cmps.play_counter_reset).to.deep.include({
      p: 'button',
      command_topic: `${loop.baseTopic}/play_counter/set`,
      payload_press: 'reset',
    });
    // The built-ins' own entities are still there beside them.
    expect(cmps).to.have.property('restart');
    // Home Assistant's Jinja2 reads the count from what the plugin really publishes.
    const published = await mqtt.next((m) => m.topic === `${loop.baseTopic}/play_counter`);
    if (await jinjaAvailable()) {
      const shown = await render(cmps.play_counter_total?.value_template as string, published.payload.toString());
      expect(shown).to.equal(String((published.json as Counts).total));
    }

    // Home Assistant presses the button: the payload_press on the command_topic.
    await until(
      async () => ((await http('POST', `${loop.http}/api/actions/play_counter/counts`, {})).json.data as Counts).total > 0,
      15_000,
      'a count to reset',
    );
    const button = cmps.play_counter_reset ?? {};
    const since = mqtt.mark();
    await mqtt.publish(button.command_topic as string, button.payload_press as string);
    const after = await mqtt.next((m) => m.topic === `${loop.baseTopic}/play_counter` && (m.json as Counts).total === 0, 5000, since);
    expect(after.json).to.deep.equal({ counts: {}, total: 0 });
  });

  it('adds `loop play_counter topic` to the command line, listed by --help with the config', () => {
    const dir = tempDir();
    const file = join(dir, 'config.yaml');
    writeFileSync(file, `device:\n  id: counter_cli\ndata:\n  dir: ${dir}\nplugins: [system, ${examplePath}]\n`);
    const loopJs = join(packageRoot, 'bin', 'loop.js');
    const help = execFileSync(process.execPath, [loopJs, '--help', '--config', file], { encoding: 'utf8' });
    expect(help).to.match(/play_counter topic \[--config FILE\]\s+Print the MQTT topic the counts are published on/);
    expect(help, 'the built-ins are listed too').to.include('homeassistant remove');
    const out = execFileSync(process.execPath, [loopJs, 'play_counter', 'topic', '--config', file], { encoding: 'utf8' });
    expect(out.trim()).to.equal('loop/counter_cli/play_counter');
  });
});
