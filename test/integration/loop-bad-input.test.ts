// Bad input from any side (REST, MQTT request, MQTT set, WebSocket) gets a clear error, and the
// loop and what plays stay exactly as they were.
import { expect } from 'chai';
import type { BridgeEvent, LoopState } from '../../core/protocol/index.js';
import { makeClip } from '../helpers/clips.js';
import { http, mqttRequest, type TestLoop, MpvWatch, mpvSocket, publishLibrary, startPlayerLoop, type Media } from '../helpers/loop.js';
import { connectMqtt, type TestMqtt } from '../helpers/mqtt.js';
import { connectWs, ofType, type TestWs } from '../helpers/ws.js';

describe('loop and player: bad input is refused clearly and changes nothing', function () {
  this.timeout(20000);
  let loop: TestLoop;
  let mqtt: TestMqtt;
  let ws: TestWs;
  let mpv: MpvWatch;
  const socket = mpvSocket();
  let A: Media;
  let B: Media;
  let snapshot: string;
  const T = (rel: string): string => `${loop.baseTopic}/${rel}`;
  const loopNow = (): string => {
    const { updated_at: _u, ...rest } = loop.runtime.bus.last('loop') as LoopState;
    return JSON.stringify(rest);
  };
  const request = (plugin: string, action: string, payload: object | string): Promise<Record<string, unknown>> =>
    mqttRequest(mqtt, loop.baseTopic, plugin, action, payload, 3000);

  before(async () => {
    const [a, b] = await Promise.all([makeClip({ seconds: 2 }), makeClip({ seconds: 2 })]);
    A = { slug: 'bad_a_000000000000000a', path: a, kind: 'video', duration: 2 };
    B = { slug: 'bad_b_000000000000000b', path: b, kind: 'video', duration: 2 };
    loop = await startPlayerLoop({ socket });
    await publishLibrary(loop, [A, B, { slug: 'bad_c_000000000000000c', path: a, kind: 'video' }]);
    mqtt = await connectMqtt(loop.mqtt as string);
    await mqtt.subscribe(`${loop.baseTopic}/#`);
    ws = await connectWs(loop.ws);
    mpv = new MpvWatch(socket);
    await mpv.attach();
    for (const slug of [A.slug, B.slug]) await http('POST', `${loop.http}/api/loop`, { slug });
    await mpv.playing(A.path);
    snapshot = loopNow();
  });

  afterEach(async () => {
    expect(loopNow(), 'the loop is unchanged').to.equal(snapshot);
    expect(await mpv.path(), 'the same clip plays').to.equal(A.path);
  });

  after(async () => {
    mpv?.close();
    await ws?.close();
    await mqtt?.end();
    await loop?.stop();
  });

  it('unknown slugs: 404 with the slug named, over REST and MQTT', async () => {
    const add = await http('POST', `${loop.http}/api/loop`, { slug: 'nope_1234' });
    expect(add.status).to.equal(404);
    expect(add.json).to.deep.include({ success: false, code: 'not_found', message: 'no media item "nope_1234" in the library' });
    const del = await http('DELETE', `${loop.http}/api/loop/nope_1234`);
    expect(del.status).to.equal(404);
    expect(del.json.message).to.equal('"nope_1234" is not in the loop');
    const act = await http('POST', `${loop.http}/api/media/nope_1234/activate`);
    expect(act.status).to.equal(404);
    const res = await request('player', 'play_slug', { slug: 'nope_1234' });
    expect(res).to.deep.include({ status: 'error', code: 'not_found' });
    const item = await request('loop', 'item', { slug: 'nope_1234', repeat: 3 });
    expect(item).to.deep.include({ status: 'error', code: 'not_found', error: '"nope_1234" is not in the loop' });
  });

  it('adding a slug already in the loop is a conflict', async () => {
    const add = await http('POST', `${loop.http}/api/loop`, { slug: A.slug });
    expect(add.status).to.equal(409);
    expect(add.json.message).to.match(/already in the loop \(at 0\)/);
  });

  it('reorder lists with duplicates, unknown or missing slugs are refused, naming them', async () => {
    const dup = await http('PUT', `${loop.http}/api/loop`, { loop: [A.slug, A.slug, B.slug] });
    expect(dup.status).to.equal(400);
    expect(dup.json.message).to.match(new RegExp(`duplicates: ${A.slug}`));
    expect(dup.json.errors).to.deep.equal({ duplicates: [A.slug], unknown: [], missing: [] });
    const unknown = await http('PUT', `${loop.http}/api/loop`, { loop: [A.slug, B.slug, 'ghost'] });
    expect(unknown.status).to.equal(400);
    expect(unknown.json.message).to.match(/not in the loop: ghost/);
    const missing = await http('PUT', `${loop.http}/api/loop`, { loop: [B.slug] });
    expect(missing.status).to.equal(400);
    expect(missing.json.message).to.match(new RegExp(`missing from the new order: ${A.slug}`));
  });

  it('out-of-range indexes and positions are refused with the valid range', async () => {
    const mv = await request('loop', 'move', { from: 5, to: 0 });
    expect(mv).to.deep.include({ status: 'error', code: 'invalid', error: 'from index 5 is out of range: the loop has 2 items (0..1)' });
    const neg = await request('loop', 'move', { from: -1, to: 0 });
    expect(neg).to.deep.include({ status: 'error', code: 'invalid' });
    const pos = await http('POST', `${loop.http}/api/loop`, { slug: 'bad_c_000000000000000c', position: 9 });
    expect(pos.status).to.equal(400);
    expect(pos.json.message).to.equal('position 9 is out of range: the loop has 2 items (0..2)');
    const seek = await http('POST', `${loop.http}/api/playback/seek`, { position: 99 });
    expect(seek.status).to.equal(400);
    expect(seek.json.message).to.match(/outside this clip \(0\.\.2\.00 s\)/);
  });

  it('wrong types and unknown fields are refused before anything runs', async () => {
    const cases: Array<[string, string, unknown]> = [
      ['POST', '/api/loop', { slug: { name: 'a' } }],
      ['POST', '/api/loop', { slug: A.slug, position: 'first' }],
      ['POST', '/api/loop', {}],
      ['PUT', '/api/loop', { loop: 'a,b' }],
      ['POST', '/api/playback/loop-mode', { loop_mode: 'sometimes' }],
      ['POST', '/api/playback/seek', { position: 'x' }],
      ['POST', '/api/playback/volume', { volume: 101 }],
      ['PATCH', '/api/loop/settings', { repeat: 0 }],
      ['PATCH', '/api/loop/settings', { image_duration: -1 }],
      ['PATCH', '/api/loop/settings', { colour: 'red' }],
    ];
    for (const [method, path, body] of cases) {
      const res = await http(method, `${loop.http}${path}`, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).to.equal(400);
      expect(res.json.success).to.equal(false);
      expect(res.json.message).to.be.a('string').and.not.equal('');
    }
    const bad = await request('loop', 'mode', { loop_mode: 3 });
    expect(bad).to.deep.include({ status: 'error', code: 'invalid' });
    expect(String(bad.error)).to.match(/loop_mode/);
    const notJson = await request('loop', 'add', '{not json');
    expect(notJson).to.deep.include({ status: 'error', code: 'invalid', error: 'payload is not valid JSON' });
  });

  it('garbage on player/set and loop/set becomes a bridge/event error, not a crash', async () => {
    const since = mqtt.mark();
    await mqtt.publish(T('player/set'), 'explode');
    const ev = await mqtt.next((m) => m.topic === T('bridge/event') && (m.json as BridgeEvent).level === 'error', 3000, since);
    expect((ev.json as BridgeEvent).message).to.match(/unknown action "explode"/);
    await mqtt.publish(T('loop/set'), { reorder: 'x' });
    await mqtt.next((m) => m.topic === T('bridge/event') && /loop/.test((m.json as BridgeEvent).message), 3000, since);
  });

  it('over the WebSocket, a bad request gets a response with success false and the reason', async () => {
    const since = ws.mark();
    ws.send({ type: 'request', id: 'r1', action: 'loop/move', data: { from: 0, to: 7 } });
    const res = await ws.next(
      ofType('response', (m) => m.id === 'r1'),
      3000,
      since,
    );
    expect(res.success).to.equal(false);
    expect(String(res.message)).to.match(/to index 7 is out of range/);
  });
});
