// Loop as Home Assistant sees it: the one discovery payload checked against HA's documented rules,
// every template rendered with real Jinja2 against the payloads Loop really publishes, then every
// command entity driven as HA drives it (its command topic, its command template) on a real mpv,
// with real uploads converted by ffmpeg, and the state read back as HA reads it.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loopActions, type MediaItem, type MediaState, type PlayerState } from '../../core/protocol/index.js';
import { version } from '../../core/paths.js';
import { makeClip } from '../helpers/clips.js';
import { componentProblems, devicePayloadProblems, type Json } from '../helpers/ha-rules.js';
import { jinjaAvailable, render, renderAll } from '../helpers/jinja.js';
import { MpvWatch, mpvSocket, startTestLoop, type TestLoop } from '../helpers/loop.js';
import { uploadFiles, waitItem } from '../helpers/media-files.js';
import { connectMqtt, type Received, type TestMqtt } from '../helpers/mqtt.js';
import { skipBecause } from '../helpers/skip.js';
import { until } from '../helpers/wait.js';

type Cmps = Record<string, Json>;

describe('Home Assistant: Loop is one device whose entities work', function () {
  this.timeout(30000);
  let loop: TestLoop;
  let mqtt: TestMqtt;
  let mpv: MpvWatch;
  let discoveryTopic: string;
  let payload: Json;
  let cmps: Cmps;
  const socket = mpvSocket();
  const items: MediaItem[] = [];
  /** A `media` payload seen while a conversion was queued or running. */
  let busyMedia: Received | undefined;

  const T = (rel: string): string => `${loop.baseTopic}/${rel}`;
  /** The last message on a topic, as HA would hold it (retained on subscribe, then live). */
  const lastOn = (topic: string): Received | undefined => [...mqtt.received].reverse().find((m) => m.topic === topic);
  const latestDiscovery = (): Json => lastOn(discoveryTopic)?.json as Json;
  /** Waits until the entity's value template, applied to its state topic's latest payload, renders `pred`. */
  const waitState = async (id: string, pred: (s: string) => boolean, what: string, ms = 10000): Promise<string> => {
    const c = cmps[id] as Json;
    let last = '';
    await until(
      async () => {
        const m = lastOn(c.state_topic as string);
        if (!m) return false;
        last = c.value_template ? await render(c.value_template as string, m.payload.toString()) : m.payload.toString();
        return pred(last);
      },
      ms,
      `${id} to show ${what} (last: ${last})`,
      150,
    );
    return last;
  };
  /** What HA publishes when the entity is used: command_template applied to the value, on command_topic. */
  const command = async (id: string, value: string | number): Promise<string> => {
    const c = cmps[id] as Json;
    const body = c.command_template ? await render(c.command_template as string, value) : String(value);
    await mqtt.publish(c.command_topic as string, body, { qos: 0 });
    return body;
  };
  const player = (): PlayerState => loop.runtime.bus.last('player') as PlayerState;

  before(async function () {
    // Three real conversions, one at a time: slow on a loaded machine (no assertion on time here).
    this.timeout(180_000);
    if (!(await jinjaAvailable())) skipBecause(this, 'no Jinja2 for /usr/bin/python3 (apt-get install python3-jinja2)');
    const clips = await Promise.all([makeClip({ seconds: 6 }), makeClip({ seconds: 6 }), makeClip({ seconds: 6 })]);
    loop = await startTestLoop({
      plugins: ['system', 'player', 'loop', 'media', 'homeassistant'],
      player: { vo: 'null', ao: 'null', ipc_socket: socket, hang_timeout_ms: 2000 },
      loop: { repeat: 1, image_duration: 1 },
      system: { allow_restart: false },
      homeassistant: { announce_delay_ms: 300 },
    });
    discoveryTopic = `homeassistant/device/${loop.runtime.config.device.id as string}/config`;
    mqtt = await connectMqtt(loop.mqtt as string);
    await mqtt.subscribe('homeassistant/#');
    await mqtt.subscribe(`${loop.baseTopic}/#`);
    // Two uploads with the same name (told apart as "(2)"), one with an apostrophe and accents.
    const names = ["Cat's video.mp4", "Cat's video.mp4", 'Café à la plage.mp4'];
    for (const [i, path] of clips.entries()) {
      const r = await uploadFiles(`${loop.http}/api/media`, [{ path, name: names[i] as string }]);
      const slug = (r.json.data as { items: Array<{ slug: string }> }).items[0]?.slug as string;
      // REST speaks the first version's words (`completed`); the bus's library item is what HA's side reads.
      await waitItem(loop.http, slug, (it) => it.processing_status === 'completed', 120_000);
      await until(
        () => loop.runtime.bus.last('media')?.items.some((it) => it.slug === slug && it.processing_status === 'ready') === true,
        10_000,
        `${slug} ready on the bus`,
      );
      items.push(loop.runtime.bus.last('media')?.items.find((it) => it.slug === slug) as MediaItem);
    }
    busyMedia = mqtt.received.find(
      (m) =>
        m.topic === T('media') &&
        (m.json as MediaState).items.some((i) => i.processing_status !== 'ready' && i.processing_status !== 'failed'),
    );
    mpv = new MpvWatch(socket);
    await mpv.attach();
    // Wait for the announcement that knows the whole library.
    await mqtt.next(
      (m) => m.topic === discoveryTopic && ((m.json as { cmps?: Cmps })?.cmps?.clip?.options as unknown[] | undefined)?.length === 3,
      10000,
    );
    payload = latestDiscovery();
    cmps = payload.cmps as Cmps;
    // An error for the Last error sensor: a command no plugin knows.
    await mqtt.publish(T('player/set'), 'frobnicate');
    await mqtt.next((m) => m.topic === T('homeassistant/last_error'));
  });

  after(async () => {
    mpv?.close();
    await mqtt?.end();
    await loop?.stop();
  });

  it('announces itself once, retained, on homeassistant/device/<device id>/config (no per-entity topics)', async () => {
    const fresh = await connectMqtt(loop.mqtt as string);
    try {
      await fresh.subscribe('homeassistant/#');
      const m = await fresh.next((x) => x.topic === discoveryTopic);
      expect(m.retain).to.equal(true);
      expect(m.json).to.deep.equal(payload);
      await new Promise((r) => setTimeout(r, 300));
      expect(fresh.received.map((x) => x.topic)).to.deep.equal([discoveryTopic]);
    } finally {
      await fresh.end();
    }
  });

  it('names the device, its origin and its availability as Home Assistant documents them', async () => {
    expect(devicePayloadProblems(payload)).to.deep.equal([]);
    const id = loop.runtime.config.device.id as string;
    const info = loop.runtime.bus.last('bridge/info');
    expect(payload.device).to.deep.include({ identifiers: [`loop_${id}`], name: 'Loop test', manufacturer: 'Loop', sw_version: version });
    expect((payload.device as Json).model)
      .to.be.a('string')
      .and.not.equal('');
    expect((payload.device as Json).configuration_url)
      .to.equal(info?.config_url)
      .and.match(/^http:\/\//);
    expect(payload.origin).to.deep.include({ name: 'Loop', sw_version: version });
    const avty = payload.availability as Array<{ topic: string; value_template: string }>;
    expect(avty).to.have.length(1);
    expect(avty[0]?.topic).to.equal(T('bridge/state'));
    expect(await render(avty[0]?.value_template as string, (lastOn(T('bridge/state')) as Received).payload.toString())).to.equal('online');
  });

  it("offers the entities of the plugins that run, each following its platform's rules", () => {
    const problems = Object.entries(cmps).flatMap(([id, c]) => componentProblems(id, c));
    expect(problems).to.deep.equal([]);
    expect(Object.keys(cmps)).to.have.members([
      'state',
      'title',
      'position',
      'duration',
      'playing',
      'next',
      'previous',
      'volume',
      'message',
      'thumbnail',
      'clip',
      'loop_mode',
      'repeat',
      'still_duration',
      'media_count',
      'processing',
      'storage_free',
      'cpu_temperature',
      'restart',
      'last_error',
    ]);
    // wifi and display do not run here: their entities are not offered.
    expect(cmps).to.not.have.any.keys('wifi_signal', 'wifi_connected', 'brightness', 'screen_on');
    const ids = Object.values(cmps).map((c) => c.unique_id);
    expect(new Set(ids).size).to.equal(ids.length);
  });

  it("keeps every topic inside the device's tree, and sends commands only to running plugins' set topics", () => {
    const running = (loop.runtime.bus.last('bridge/info')?.plugins ?? []).filter((p) => p.state === 'running').map((p) => p.id);
    for (const [id, c] of Object.entries(cmps)) {
      for (const k of ['state_topic', 'json_attributes_topic', 'image_topic']) {
        if (c[k] !== undefined) expect(c[k], `${id}.${k}`).to.match(new RegExp(`^${loop.baseTopic}/[a-z_/]+$`));
      }
      if (c.command_topic !== undefined) {
        const m = new RegExp(`^${loop.baseTopic}/([a-z_]+)/set$`).exec(c.command_topic as string);
        expect(m, `${id}.command_topic`).to.not.equal(null);
        expect(running, `${id} commands ${m?.[1]}`).to.include(m?.[1]);
      }
    }
  });

  it('renders every value template against the payload its state topic really carries', async () => {
    // player/position ticks (not retained) while something plays.
    await mqtt.next((m) => m.topic === T('player/position'), 5000, mqtt.mark());
    const rows = Object.entries(cmps).filter(([, c]) => c.state_topic && c.value_template);
    const jobs = rows.map(([id, c]) => {
      const m = lastOn(c.state_topic as string);
      expect(m, `a payload on ${id}'s state topic ${String(c.state_topic)}`).to.not.equal(undefined);
      return { template: c.value_template as string, value: (m as Received).payload.toString() };
    });
    const results = await renderAll(jobs);
    for (const [i, [id, c]] of rows.entries()) {
      const r = results[i];
      expect(r?.ok, `${id}: ${r && !r.ok ? r.error : ''}`).to.equal(true);
      const out = r?.ok ? r.result : '';
      const numeric =
        c.platform === 'number' ||
        c.state_class !== undefined ||
        ['duration', 'temperature', 'data_size'].includes(c.device_class as string);
      if (c.p === 'sensor' && c.device_class === 'enum') expect(c.options, id).to.include(out);
      else if (c.p === 'sensor' && numeric)
        expect(out === 'None' || Number.isFinite(Number(out)), `${id} renders a number: ${out}`).to.equal(true);
      if (c.p === 'binary_sensor') expect(['ON', 'OFF'], id).to.include(out);
      if (c.p === 'switch') expect([c.state_on, c.state_off], id).to.include(out);
      if (c.p === 'select') expect(c.options, id).to.include(out);
      if (c.p === 'number') expect(Number(out), id).to.be.within(c.min as number, c.max as number);
    }
    expect(await render(cmps.media_count?.value_template as string, (lastOn(T('media')) as Received).payload.toString())).to.equal('3');
    expect(await render(cmps.processing?.value_template as string, (lastOn(T('media')) as Received).payload.toString())).to.equal('OFF');
    expect(busyMedia, 'a media payload while converting').to.not.equal(undefined);
    expect(await render(cmps.processing?.value_template as string, (busyMedia as Received).payload.toString())).to.equal('ON');
    expect(
      await render(cmps.last_error?.value_template as string, (lastOn(T('homeassistant/last_error')) as Received).payload.toString()),
    ).to.match(/frobnicate/);
  });

  it("offers select options the command side accepts: loop modes from the loop's contract, clips by unique human names", () => {
    const modes = (loopActions.mode.request.properties.loop_mode.anyOf as Array<{ const: string }>).map((x) => x.const);
    expect(cmps.loop_mode?.options).to.deep.equal(modes);
    expect(cmps.clip?.options).to.deep.equal(["Cat's video", "Cat's video (2)", 'Café à la plage']);
  });

  it('the Playing switch pauses and resumes mpv', async () => {
    const sw = cmps.playing as Json;
    await waitState('playing', (s) => s === sw.state_on, 'playing');
    await command('playing', sw.payload_off as string);
    await waitState('playing', (s) => s === sw.state_off, 'paused');
    expect(await mpv.ipc.getProperty('pause')).to.equal(true);
    await command('playing', sw.payload_on as string);
    await waitState('playing', (s) => s === sw.state_on, 'playing again');
    expect(await mpv.ipc.getProperty('pause')).to.equal(false);
  });

  it('the Loop mode select, Repeat count and Still duration numbers change the loop', async () => {
    await command('loop_mode', 'one');
    await waitState('loop_mode', (s) => s === 'one', 'one');
    await command('repeat', 3);
    await waitState('repeat', (s) => s === '3', '3');
    await command('still_duration', 7);
    await waitState('still_duration', (s) => Number(s) === 7, '7');
    await command('loop_mode', 'all');
    await waitState('loop_mode', (s) => s === 'all', 'all');
    // Left at `one`: the clip chosen below stays on screen while the next tests look at it.
    await command('loop_mode', 'one');
    await waitState('loop_mode', (s) => s === 'one', 'one again');
  });

  it("the Volume slider sets mpv's volume", async () => {
    await command('volume', 40);
    await waitState('volume', (s) => Number(s) === 40, '40');
    expect(await mpv.ipc.getProperty('volume')).to.equal(40);
  });

  it('the Clip select plays the clip chosen by name, and shows it as the current option', async () => {
    const target = items[1] as MediaItem;
    await command('clip', "Cat's video (2)");
    await waitState('clip', (s) => s === "Cat's video (2)", 'the chosen name');
    await until(() => player().slug === target.slug && player().state === 'playing', 8000, 'the chosen clip to play');
    await mpv.playing(target.path as string);
  });

  it("the Thumbnail image carries the playing clip's JPEG bytes", async () => {
    const slug = player().slug as string;
    const item = items.find((i) => i.slug === slug) as MediaItem;
    const file = join(loop.dataDir, 'media', (item.thumbnail_url as string).replace('/media/files/', ''));
    const expected = await readFile(file);
    await until(
      () => lastOn(cmps.thumbnail?.image_topic as string)?.payload.equals(expected) === true,
      8000,
      'the thumbnail of the playing clip',
    );
    expect(expected.subarray(0, 3).toString('hex')).to.equal('ffd8ff');
  });

  it('the Next and Previous buttons move through the loop', async () => {
    const before = player().slug;
    await command('next', cmps.next?.payload_press as string);
    await until(() => player().slug !== before && player().state === 'playing', 8000, 'the next clip');
    const title = await waitState('title', (s) => s === player().title, 'the new title');
    expect(title).to.not.equal('');
    await command('previous', cmps.previous?.payload_press as string);
    await until(() => player().slug === before, 8000, 'the previous clip');
  });

  it("the Screen message notify puts the text on mpv's screen", async () => {
    const since = mqtt.mark();
    const body = await command('message', 'Doorbell "front"');
    expect(JSON.parse(body)).to.deep.equal({ action: 'show_text', text: 'Doorbell "front"', seconds: 5 });
    // The same action over a request answers once mpv took the command.
    const transaction = 'osd1';
    await mqtt.publish(T('bridge/request/player/show_text'), { text: 'Doorbell', transaction });
    const res = await mqtt.next((m) => m.topic === T('bridge/response/player/show_text') && (m.json as Json).transaction === transaction);
    expect(res.json).to.deep.include({ status: 'ok', data: { shown: true } });
    expect(mqtt.received.slice(since).filter((m) => m.topic === T('bridge/event') && (m.json as Json).level === 'error')).to.deep.equal([]);
  });

  it('the Restart button reaches the system plugin (refused here: system.allow_restart is false)', async () => {
    const since = mqtt.mark();
    await command('restart', cmps.restart?.payload_press as string);
    const ev = await mqtt.next((m) => m.topic === T('bridge/event') && (m.json as Json).source === 'system', 5000, since);
    expect((ev.json as Json).message).to.match(/restart is disabled/);
  });

  it('announces again when Home Assistant comes online, after a short random delay', async () => {
    const since = mqtt.mark();
    await mqtt.publish('homeassistant/status', 'offline');
    await mqtt.publish('homeassistant/status', 'online');
    const again = await mqtt.next((m) => m.topic === discoveryTopic, 5000, since);
    expect(again.json).to.deep.equal(latestDiscovery());
    expect(mqtt.received.slice(since).filter((m) => m.topic === discoveryTopic)).to.have.length(1);
  });

  it('announces the clip select again when the library changes', async () => {
    const gone = items[2] as MediaItem;
    const since = mqtt.mark();
    await mqtt.publish(T('bridge/request/media/delete'), { slug: gone.slug });
    const m = await mqtt.next(
      (x) => x.topic === discoveryTopic && ((x.json as { cmps: Cmps }).cmps.clip?.options as string[]).length === 2,
      8000,
      since,
    );
    expect((m.json as { cmps: Cmps }).cmps.clip?.options).to.deep.equal(["Cat's video", "Cat's video (2)"]);
  });
});

describe('Home Assistant: several devices, removal and uninstall', function () {
  this.timeout(30000);
  const opened: TestLoop[] = [];
  after(async () => {
    for (const l of opened) await l.stop().catch(() => undefined);
  });

  const discoveryOf = async (l: TestLoop): Promise<Json> => {
    const c = await connectMqtt(l.mqtt as string);
    try {
      await c.subscribe(`homeassistant/device/${l.runtime.config.device.id as string}/config`);
      return (await c.next((m) => m.payload.length > 0 && (m.json as { cmps?: Cmps }).cmps !== undefined)).json as Json;
    } finally {
      await c.end();
    }
  };

  it('two Loops are two devices whose identifiers and unique ids never collide', async () => {
    const a = await startTestLoop({ plugins: ['system', 'loop', 'homeassistant'] });
    opened.push(a);
    const b = await startTestLoop({ plugins: ['system', 'loop', 'homeassistant'] });
    opened.push(b);
    const [pa, pb] = await Promise.all([discoveryOf(a), discoveryOf(b)]);
    expect((pa.device as Json).identifiers).to.not.deep.equal((pb.device as Json).identifiers);
    const ua = Object.values(pa.cmps as Cmps).map((c) => c.unique_id);
    const ub = Object.values(pb.cmps as Cmps).map((c) => c.unique_id);
    expect(ua.filter((u) => ub.includes(u))).to.deep.equal([]);
    expect(ua).to.include(`loop_${a.runtime.config.device.id as string}_loop_mode`);
    await a.stop();
    await b.stop();
  });

  it('a plugin turned off takes its entities away: sent with only their platform, and kept so', async () => {
    const id = `rm${Math.random().toString(36).slice(2, 7)}`;
    const first = await startTestLoop({ device: { id }, plugins: ['system', 'loop', 'homeassistant'] });
    const dataDir = first.dataDir;
    expect((await discoveryOf(first)).cmps)
      .to.have.property('loop_mode')
      .that.has.property('p', 'select');
    await first.stop();
    const second = await startTestLoop({ device: { id }, plugins: ['system', 'homeassistant'] }, { dataDir });
    opened.push(second);
    const p = await discoveryOf(second);
    expect((p.cmps as Cmps).loop_mode).to.deep.equal({ p: 'select' });
    expect((p.cmps as Cmps).repeat).to.deep.equal({ p: 'number' });
    expect(componentProblems('storage_free', (p.cmps as Cmps).storage_free as Json)).to.deep.equal([]);
    const mqtt = await connectMqtt(second.mqtt as string);
    try {
      await mqtt.subscribe(`${second.baseTopic}/bridge/response/#`);
      await mqtt.publish(`${second.baseTopic}/bridge/request/homeassistant/announce`, { transaction: 'a1' });
      const res = await mqtt.next((m) => (m.json as Json)?.transaction === 'a1');
      expect((res.json as { data: { components: string[] } }).data.components).to.not.include('loop_mode');
    } finally {
      await mqtt.end();
    }
    // The retained payload still says removed: a Home Assistant that was offline reads it later.
    expect((await discoveryOf(second)).cmps)
      .to.have.property('loop_mode')
      .that.deep.equals({ p: 'select' });
  });

  it('`loop homeassistant remove` empties the retained discovery, and the running plugin stays quiet', async function () {
    const l = await startTestLoop({ plugins: ['system', 'homeassistant'], homeassistant: { announce_delay_ms: 0 } });
    opened.push(l);
    const topic = `homeassistant/device/${l.runtime.config.device.id as string}/config`;
    const mqtt = await connectMqtt(l.mqtt as string);
    try {
      await mqtt.subscribe(topic);
      await mqtt.next((m) => m.payload.length > 0);
      const { execFile } = await import('node:child_process');
      const { writeFileSync } = await import('node:fs');
      const { stringify } = await import('yaml');
      const cfg = join(l.dataDir, 'remove.yaml');
      writeFileSync(cfg, stringify({ device: { id: l.runtime.config.device.id }, mqtt: { port: l.runtime.mqttPort } }));
      const { packageRoot } = await import('../../core/paths.js');
      const out = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          [join(packageRoot, 'bin', 'loop.js'), 'homeassistant', 'remove', '--config', cfg],
          (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)),
        ),
      );
      expect(out).to.contain(`removed: ${topic}`);
      await mqtt.next((m) => m.payload.length === 0);
      const since = mqtt.mark();
      await mqtt.publish('homeassistant/status', 'online');
      await new Promise((r) => setTimeout(r, 800));
      expect(mqtt.received.slice(since).filter((m) => m.payload.length > 0)).to.deep.equal([]);
    } finally {
      await mqtt.end();
    }
    this.timeout(30000);
  });
});
