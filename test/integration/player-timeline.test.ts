// The timeline mode (player.timeline auto): a loop of clips plays as one mpv timeline (edl://), so
// no transition crosses a file boundary. Checked from mpv's own properties (its `path`, `chapter`,
// `playlist`, events on a second IPC connection) and from the `player` topic: every clip plays in
// order for two whole rounds with no file started, and an edit made while a clip plays neither
// restarts nor cuts that clip; the new order takes over at its end.
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PlayerState } from '../../core/protocol/index.js';
import { http, mqttRequest, MpvWatch, mpvSocket, publishLibrary, startPlayerLoop, type Media, type TestLoop } from '../helpers/loop.js';
import type { TestMqtt } from '../helpers/mqtt.js';
import { clipsNamed, startPlayerBench, type PlayerBench } from '../helpers/player-bench.js';
import { until } from '../helpers/wait.js';
import { changes, expectInOrder } from '../helpers/order.js';

describe('player: a loop of clips as one timeline', function () {
  this.timeout(90_000);
  let loop: TestLoop;
  let mqtt: TestMqtt;
  let mpv: MpvWatch;
  let bench: PlayerBench;
  let A: Media;
  let B: Media;
  let C: Media;
  let slugOf: (path: string) => string;
  const request = async (plugin: string, action: string, payload: object = {}): Promise<void> => {
    const res = await mqttRequest(mqtt, loop.baseTopic, plugin, action, payload);
    expect(res, `${plugin}/${action}`).to.deep.include({ status: 'ok' });
  };
  const fromTopic = (since: number): string[] =>
    changes(
      mqtt.received
        .slice(since)
        .filter((m) => m.topic === `${loop.baseTopic}/player`)
        .map((m) => (m.json as PlayerState).slug),
    );
  const fromMpv = (since: number): Array<{ slug: string; t: number }> =>
    mpv.paths.slice(since).map((p) => ({ slug: slugOf(p.path), t: p.t }));

  before(async () => {
    [A, B, C] = await clipsNamed(['line_a_0000000000000001', 'line_b_0000000000000002', 'line_c_0000000000000003'], 1.2);
    bench = await startPlayerBench({ media: [A, B, C], player: { timeline: 'auto' } });
    ({ loop, mqtt, mpv, slugOf } = bench);
    await request('loop', 'clear');
    await bench.addToLoop([A, B, C]);
  });

  after(() => bench?.stop());

  it('plays every clip in order for two whole rounds, inside one file: no file starts, the wrap-around included', async () => {
    await request('player', 'play_slug', { slug: A.slug });
    await mpv.playing(A.path);
    // mpv holds one entry, the timeline, with one chapter per clip.
    const list = (await mpv.ipc.getProperty('playlist')) as Array<{ filename: string }>;
    expect(list).to.have.length(1);
    expect(list[0]?.filename.startsWith('edl://')).to.equal(true);
    const chapters = (await mpv.ipc.getProperty('chapter-list')) as Array<{ title: string }>;
    expect(chapters.map((c) => c.title)).to.deep.equal(['loop:0', 'loop:1', 'loop:2']);
    const events = mpv.mark();
    const paths = mpv.paths.length;
    const topic = mqtt.mark();
    const need = 2 * 3 + 1;
    await until(() => fromMpv(paths).length >= need && fromTopic(topic).length >= need, 20_000, 'two rounds', 100);
    const seq = fromMpv(paths).map((p) => p.slug);
    expect(seq[0]).to.equal(B.slug);
    expectInOrder(seq, [A.slug, B.slug, C.slug], 'mpv');
    expectInOrder(fromTopic(topic), [A.slug, B.slug, C.slug], 'player topic');
    expect(
      mpv.events.slice(events).filter((e) => e.event === 'start-file' || e.event === 'end-file'),
      'no file boundary: every transition inside the timeline',
    ).to.deep.equal([]);
    // The player's state reads as for a single clip: its own position and length, not the timeline's.
    const state = loop.runtime.bus.last('player') as PlayerState;
    expect(state.duration).to.be.closeTo(1.2, 0.1);
  });

  it('a reorder made while a clip plays neither restarts nor cuts it; the new order follows it', async () => {
    // Wait for B to come on screen, then for it to be well into its pass.
    const mark = mpv.paths.length;
    await until(() => fromMpv(mark).some((p) => p.slug === B.slug), 6000, 'B on screen');
    const bStart = fromMpv(mark).find((p) => p.slug === B.slug) as { t: number };
    await until(async () => ((await mpv.ipc.getProperty('time-pos')) as number) % 1.2 > 0.3 || false, 2000, 'B under way', 20);
    const events = mpv.mark();
    const paths = mpv.paths.length;
    const topic = mqtt.mark();
    const res = await http('PUT', `${loop.http}/api/loop`, { loop: [A.slug, C.slug, B.slug] });
    expect(res.status).to.equal(200);
    // B plays on: the next clip to come is A (after B in the new order), not C.
    await until(() => fromMpv(paths).length >= 1, 4000, 'the clip after B');
    const after = fromMpv(paths)[0] as { slug: string; t: number };
    expect(after.slug, 'after B, the new order: A').to.equal(A.slug);
    // The old timeline ended (at B's end: eof, as cut) and the new one started: the one file boundary.
    const ended = mpv.events.slice(events).find((e) => e.event === 'end-file');
    expect(ended?.reason, 'the old timeline ended where it was cut').to.equal('eof');
    const boundary = (ended as { t: number }).t;
    expect(
      mpv.events.slice(events).filter((e) => e.t < boundary && (e.event === 'seek' || e.event === 'playback-restart')),
      'nothing restarted B or jumped in it',
    ).to.deep.equal([]);
    // Not cut short: B was on screen its whole length (loose below, for timer granularity; no upper bound).
    expect(boundary - bStart.t, 'B on screen its whole 1.2 s').to.be.at.least(1100);
    expect(after.t).to.be.at.least(boundary);
    // The new timeline took over at that boundary: one file started there, and mpv holds only it afterwards.
    await until(async () => ((await mpv.ipc.getProperty('playlist')) as unknown[]).length === 1, 3000, 'the old timeline retired');
    const seqFrom = mqtt.mark();
    const pathsFrom = mpv.paths.length;
    await until(() => fromMpv(pathsFrom).length >= 7 && fromTopic(seqFrom).length >= 7, 20_000, 'two rounds in the new order', 100);
    expectInOrder(
      fromMpv(pathsFrom).map((p) => p.slug),
      [A.slug, C.slug, B.slug],
      'mpv',
    );
    expectInOrder(fromTopic(seqFrom), [A.slug, C.slug, B.slug], 'player topic');
    expect(fromTopic(topic)[0], 'the topic never said anything but B until B ended').to.equal(B.slug);
  });

  it('removing another clip and adding one back while a clip plays never interrupts it', async () => {
    const mark = mpv.paths.length;
    await until(() => fromMpv(mark).length >= 1, 4000, 'a clip starts');
    const onScreen = fromMpv(mark)[0] as { slug: string; t: number };
    const other = [A, B, C].find((m) => m.slug !== onScreen.slug) as Media;
    const events = mpv.mark();
    const paths = mpv.paths.length;
    await request('loop', 'remove', { slug: other.slug });
    expect((await http('POST', `${loop.http}/api/loop`, { slug: other.slug })).status).to.equal(200);
    await until(() => fromMpv(paths).length >= 1, 4000, 'the next clip');
    const next = fromMpv(paths)[0] as { slug: string; t: number };
    const ended = mpv.events.slice(events).find((e) => e.event === 'end-file');
    const boundary = Math.min(next.t, ended?.t ?? next.t);
    expect(ended?.reason ?? 'eof').to.equal('eof');
    expect(
      mpv.events.slice(events).filter((e) => e.t < boundary && (e.event === 'seek' || e.event === 'playback-restart')),
      `${onScreen.slug} played to its end`,
    ).to.deep.equal([]);
    expect(boundary - onScreen.t, 'the clip on screen was not cut short').to.be.at.least(1100);
    const order = (loop.runtime.bus.last('loop') as { order: string[] }).order;
    const from = mpv.paths.length;
    await until(() => fromMpv(from).length >= 4, 10_000, 'a round');
    expectInOrder(
      fromMpv(from).map((p) => p.slug),
      order,
      'mpv',
    );
  });

  it("seek and position are the clip's own, not the timeline's", async () => {
    const mark = mpv.paths.length;
    await until(() => fromMpv(mark).length >= 1, 4000, 'a clip starts');
    const onScreen = loop.runtime.bus.last('player') as PlayerState;
    const res = await mqttRequest(mqtt, loop.baseTopic, 'player', 'seek', { position: 0.6 });
    expect(res).to.deep.include({ status: 'ok' });
    // mpv is at the clip's start on the timeline plus 0.6 s (the clip's own chapter, still).
    const chapters = (await mpv.ipc.getProperty('chapter-list')) as Array<{ time: number }>;
    const chapter = (await mpv.ipc.getProperty('chapter')) as number;
    const pos = (await mpv.ipc.getProperty('time-pos')) as number;
    expect(pos - (chapters[chapter] as { time: number }).time).to.be.within(0.55, 1.2);
    expect(slugOf(((await mpv.path()) as string) ?? '')).to.equal(onScreen.slug);
    const bad = await mqttRequest(mqtt, loop.baseTopic, 'player', 'seek', { position: 5 });
    expect(bad, 'past the clip, not into the next one').to.deep.include({ status: 'error' });
  });

  it('a timeline mpv cannot open (a broken file) is played as a playlist: the good clips go round', async () => {
    const brokenPath = join(dirname(A.path), 'broken.mp4');
    await writeFile(brokenPath, Buffer.alloc(4096, 7));
    const broken: Media = { slug: 'line_x_0000000000000009', path: brokenPath, kind: 'video', duration: 1 };
    const bySlug = new Map([A, B, C, broken].map((m) => [m.path, m.slug]));
    const socket2 = mpvSocket();
    const other = await startPlayerLoop({ socket: socket2 });
    const watch = new MpvWatch(socket2);
    try {
      await publishLibrary(other, [A, broken, B]);
      await watch.attach();
      for (const m of [A, broken, B]) expect((await http('POST', `${other.http}/api/loop`, { slug: m.slug })).status).to.equal(200);
      const from = watch.paths.length;
      await until(
        () =>
          changes(watch.paths.slice(from).map((p) => bySlug.get(p.path) ?? p.path)).filter((s) => s === A.slug || s === B.slug).length >= 4,
        15_000,
        'A and B going round',
        100,
      );
      const list = (await watch.ipc.getProperty('playlist')) as Array<{ filename: string }>;
      expect(list.length, 'a playlist of files').to.be.at.least(2);
      expect(
        list.filter((e) => e.filename.startsWith('edl://')),
        'no timeline (all three are clips: only the fallback explains it)',
      ).to.deep.equal([]);
      expect((other.runtime.bus.last('player') as PlayerState).state).to.equal('playing');
    } finally {
      watch.close();
      await other.stop();
    }
  });

  it('off: the same loop is a playlist of files again', async () => {
    const offSocket = mpvSocket();
    const off = await startPlayerLoop({ socket: offSocket, player: { timeline: 'off' } });
    try {
      await publishLibrary(off, [A, B, C]);
      for (const m of [A, B, C]) expect((await http('POST', `${off.http}/api/loop`, { slug: m.slug })).status).to.equal(200);
      const watch = new MpvWatch(offSocket);
      await watch.attach();
      try {
        await until(async () => ((await watch.ipc.getProperty('playlist')) as unknown[]).length === 3, 5000, 'three playlist entries');
        expect(((await watch.ipc.getProperty('path')) as string).startsWith('edl://')).to.equal(false);
      } finally {
        watch.close();
      }
    } finally {
      await off.stop();
    }
  });
});
