// Floods and oversized commands from an MQTT client: every open page stays connected, an error
// quotes only a short excerpt, the queue does not grow without bound (no listener leak), and the
// player settles within about a second of the flood's end.
import { expect } from 'chai';
import mqtt from 'mqtt';
import type { BridgeEvent, LoopState } from '../../core/protocol/index.js';
import { makeClip } from '../helpers/clips.js';
import { http, publishLibrary, startPlayerLoop, type Media, type TestLoop } from '../helpers/loop.js';
import { connectMqtt, type TestMqtt } from '../helpers/mqtt.js';
import { sleep, until } from '../helpers/wait.js';
import { connectWs, ofType, type TestWs } from '../helpers/ws.js';

describe('command floods and oversized commands', () => {
  let loop: TestLoop;
  let watcher: TestMqtt;
  let pages: TestWs[] = [];
  const closed: number[] = [];
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);

  before(async () => {
    const clips = await Promise.all([0, 1, 2].map(() => makeClip({ seconds: 3 })));
    const media: Media[] = clips.map((path, i) => ({ slug: `flood_${i}_000000000000000${i}`, path, kind: 'video', duration: 3 }));
    loop = await startPlayerLoop();
    await publishLibrary(loop, media);
    for (const m of media) expect((await http('POST', `${loop.http}/api/loop`, { slug: m.slug })).status).to.equal(200);
    watcher = await connectMqtt(loop.mqtt as string);
    await watcher.subscribe(`${loop.baseTopic}/#`);
    pages = await Promise.all([0, 1].map(() => connectWs(loop.ws)));
    for (const [i, p] of pages.entries()) {
      p.send({ type: 'subscribe', room: 'dashboard' });
      await p.next(ofType('subscribe_response'));
      p.ws.on('close', (code) => closed.push(i * 10_000 + code));
    }
    process.on('warning', onWarning);
  });
  after(async () => {
    process.off('warning', onWarning);
    for (const p of pages) await p.close();
    await watcher?.end();
    await loop?.stop();
  });

  it('a 1.1 MB command cuts its sender off at the packet limit; a 0.9 MB bad one gets a short error; every page stays connected', async () => {
    // Past mqtt.limits.max_packet_bytes (1 MB): the broker closes that client while the bytes arrive.
    const big = await mqtt.connectAsync(loop.mqtt as string, { clientId: `big-${Date.now()}`, reconnectPeriod: 0 });
    const gone = new Promise<void>((resolve) => big.once('close', () => resolve()));
    big.publish(`${loop.baseTopic}/player/set`, JSON.stringify({ action: 'volume', volume: 'x'.repeat(1_100_000) }), { qos: 0 });
    await gone;
    big.end(true);
    // Under the limit, a bad command is refused, and the error quotes only an excerpt of it.
    const since = watcher.mark();
    const sinceWs = pages.map((p) => p.mark());
    await watcher.publish(`${loop.baseTopic}/player/set`, JSON.stringify({ action: 'volume', volume: 'x'.repeat(900_000) }), { qos: 1 });
    const ev = (await watcher.next((m) => m.topic.endsWith('/bridge/event') && (m.json as BridgeEvent).level === 'error', 5000, since))
      .json as BridgeEvent;
    expect(JSON.stringify(ev).length).to.be.lessThan(2000);
    expect(ev.message).to.match(/volume/);
    for (const [i, p] of pages.entries()) {
      const err = await p.next(ofType('error'), 5000, sinceWs[i]);
      expect(JSON.stringify(err).length).to.be.lessThan(2000);
    }
    expect(closed, 'pages closed').to.deep.equal([]);
  });

  it('10k next commands in a second: pages stay connected, the queue coalesces, the player settles within a second', async () => {
    const flooder = await mqtt.connectAsync(loop.mqtt as string, { clientId: `flood-${Date.now()}`, reconnectPeriod: 0 });
    const topic = `${loop.baseTopic}/player/set`;
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 10_000; i++) {
      flooder.publish(topic, 'next', { qos: 0 });
      if (i % 500 === 499) await sleep(50);
    }
    await flooder.endAsync();
    const end = Date.now();
    // The loop's cue counts applied moves: it must stop climbing soon after the flood ends.
    await sleep(1000);
    const cueAt1s = (loop.runtime.bus.last('loop') as LoopState).cue;
    await sleep(1500);
    const cueLater = (loop.runtime.bus.last('loop') as LoopState).cue;
    expect(cueLater, `cue still moving ${Date.now() - end} ms after the flood`).to.equal(cueAt1s);
    // Coalescing: far fewer moves were applied than commands sent.
    expect(cueLater).to.be.lessThan(5000);
    // The player plays what the loop says.
    await until(
      () => loop.runtime.bus.last('player')?.slug === (loop.runtime.bus.last('loop') as LoopState).active,
      5000,
      'player on the active item',
    );
    expect(closed, 'pages closed').to.deep.equal([]);
    for (const p of pages) expect(p.ws.readyState).to.equal(p.ws.OPEN);
    expect(
      warnings.filter((w) => /MaxListeners/.test(w)),
      'listener leaks',
    ).to.deep.equal([]);
    // In-process, so this is the test's RSS too (its own client buffers included): a loose bound.
    expect((process.memoryUsage().rss - before) / 2 ** 20).to.be.lessThan(80);
  });
});
