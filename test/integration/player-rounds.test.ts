// Nobody touches anything, and the loop goes round: every clip plays in order, round after round,
// as mpv itself reports (its `path`) and as the `player` topic says. Each case starts from a state
// that once left mpv replaying one clip forever: a multi-clip upload to a fresh Loop, a lone clip
// that gets company, mode one back to all, a repeat changed while a clip plays.
import { expect } from 'chai';
import type { LoopState, MediaState, PlayerState } from '../../core/protocol/index.js';
import { makeClip, makeStill } from '../helpers/clips.js';
import { http, mqttRequest, type TestLoop, MpvWatch, type Media } from '../helpers/loop.js';
import { uploadFiles } from '../helpers/media-files.js';
import { clipsNamed, startPlayerBench, type PlayerBench } from '../helpers/player-bench.js';
import type { TestMqtt } from '../helpers/mqtt.js';
import { sleep, until } from '../helpers/wait.js';
import { changes, expectInOrder } from '../helpers/order.js';

interface Watchers {
  loop: TestLoop;
  mqtt: TestMqtt;
  mpv: MpvWatch;
}

/**
 * From now on, waits for `rounds` whole rounds of `order` (on mpv and on the `player` topic) and
 * checks each step. Returns mpv's path changes, for timing checks.
 */
async function seeRounds(
  w: Watchers,
  order: readonly string[],
  slugOf: (path: string) => string,
  rounds = 2,
): Promise<Array<{ slug: string; t: number }>> {
  const mqttSince = w.mqtt.mark();
  const mpvSince = w.mpv.paths.length;
  const need = rounds * order.length + 1;
  const fromMpv = () => w.mpv.paths.slice(mpvSince).map((p) => ({ slug: slugOf(p.path), t: p.t }));
  const fromTopic = () =>
    changes(
      w.mqtt.received
        .slice(mqttSince)
        .filter((m) => m.topic === `${w.loop.baseTopic}/player`)
        .map((m) => (m.json as PlayerState).slug),
    );
  const budget = (need + 2) * 2500;
  await until(() => fromMpv().length >= need && fromTopic().length >= need, budget, `${rounds} rounds of ${order.join(', ')}`, 100).catch(
    (err: Error) => {
      throw new Error(
        `${err.message}; mpv played ${
          fromMpv()
            .map((p) => p.slug)
            .join(' → ') || 'nothing new'
        }; player said ${fromTopic().join(' → ')}`,
      );
    },
  );
  const mpvSeq = fromMpv();
  expectInOrder(
    mpvSeq.map((p) => p.slug),
    order,
    'mpv',
  );
  expectInOrder(fromTopic(), order, 'player topic');
  return mpvSeq;
}

describe('player: the loop goes round by itself', function () {
  this.timeout(90_000);

  describe('several clips uploaded at once to a fresh Loop', () => {
    let loop: TestLoop;
    let mqtt: TestMqtt;
    let mpv: MpvWatch;
    let bench: PlayerBench;

    before(async () => {
      bench = await startPlayerBench({ mediaPlugin: true });
      ({ loop, mqtt, mpv } = bench);
    });

    after(() => bench?.stop());

    it('plays every clip in order, round after round, with nobody touching anything', async () => {
      // Large enough that each conversion takes a moment: the first is ready (and plays alone) well before the rest.
      const files = await Promise.all([1, 2, 3].map((n) => makeClip({ seconds: 1, size: '1280x720', name: `upload-${n}` })));
      const r = await uploadFiles(
        `${loop.http}/api/media`,
        files.map((path) => ({ path, name: path.split('/').pop() as string })),
      );
      expect(r.status, JSON.stringify(r.json)).to.be.within(200, 202);
      // The first one to be ready plays alone (looping inside its file) while the others convert.
      let media: MediaState | undefined;
      await until(
        () => {
          media = loop.runtime.bus.last('media');
          return media?.items.length === 3 && media.items.every((i) => i.processing_status === 'ready');
        },
        60_000,
        'three clips converted',
      );
      await until(() => loop.runtime.bus.last('loop')?.order.length === 3, 5000, 'three clips in the loop');
      // The clip lined up when the last one became ready may still play first (an edit near a clip's
      // end waits for that end, so nothing flashes): the rounds are counted from the next clip on.
      const lined = mpv.paths.length;
      await until(() => mpv.paths.length >= lined + 2, 10_000, 'the player past the clip lined up before');
      const order = (loop.runtime.bus.last('loop') as LoopState).order;
      const bySlug = new Map((media as MediaState).items.map((i) => [i.path as string, i.slug]));
      await seeRounds({ loop, mqtt, mpv }, order, (p) => bySlug.get(p) ?? p);
    });
  });

  describe('changes made while a clip plays', () => {
    let loop: TestLoop;
    let mqtt: TestMqtt;
    let mpv: MpvWatch;
    let bench: PlayerBench;
    let A: Media;
    let B: Media;
    let C: Media;
    let S: Media;
    let slugOf: (path: string) => string;
    const w = (): Watchers => ({ loop, mqtt, mpv });
    const request = async (plugin: string, action: string, payload: object = {}): Promise<Record<string, unknown>> => {
      const res = await mqttRequest(mqtt, loop.baseTopic, plugin, action, payload);
      expect(res, `${plugin}/${action}`).to.deep.include({ status: 'ok' });
      return res;
    };
    const setLoop = async (slugs: string[], repeat = 1): Promise<void> => {
      await request('loop', 'clear');
      await request('loop', 'settings', { repeat, image_duration: 1 });
      for (const slug of slugs) expect((await http('POST', `${loop.http}/api/loop`, { slug })).status).to.equal(200);
    };
    /** Passes (a file's first frame or a loop-file pass; a segment in a timeline) while each clip was on screen. */
    const passes = (seq: Array<{ slug: string; t: number }>): number[] =>
      seq
        .slice(0, -1)
        .map((p, i) => mpv.events.filter((e) => e.event === 'pass' && e.t >= p.t && e.t < (seq[i + 1] as { t: number }).t).length);

    before(async () => {
      [A, B, C] = await clipsNamed(['round_a_000000000000001', 'round_b_000000000000002', 'round_c_000000000000003'], 1);
      S = { slug: 'round_s_000000000000004', path: await makeStill(), kind: 'image' };
      bench = await startPlayerBench({ media: [A, B, C, S] });
      ({ loop, mqtt, mpv, slugOf } = bench);
    });

    after(() => bench?.stop());

    it('a lone clip that loops by itself, then gets company, goes round with it', async () => {
      await setLoop([A.slug]);
      await mpv.playing(A.path);
      const since = mpv.mark();
      await until(() => mpv.events.slice(since).filter((e) => e.event === 'playback-restart').length >= 1, 4000, 'A looping alone');
      for (const m of [B, C]) expect((await http('POST', `${loop.http}/api/loop`, { slug: m.slug })).status).to.equal(200);
      await seeRounds(w(), [A.slug, B.slug, C.slug], slugOf);
    });

    it('mode one, then back to all: every clip again, in order', async () => {
      await setLoop([A.slug, B.slug, C.slug]);
      await request('loop', 'mode', { loop_mode: 'one' });
      // Cued in mode one: mpv holds B alone, loaded to loop forever.
      const since = mpv.mark();
      await request('player', 'play_slug', { slug: B.slug });
      await until(() => mpv.events.slice(since).filter((e) => e.event === 'playback-restart').length >= 2, 4000, 'B looping in mode one');
      expect(await mpv.path()).to.equal(B.path);
      await request('loop', 'mode', { loop_mode: 'all' });
      await seeRounds(w(), [A.slug, B.slug, C.slug], slugOf);
    });

    it('a repeat changed while a clip plays holds for every clip, that one included, in every round', async () => {
      await setLoop([A.slug, B.slug, C.slug]);
      await request('player', 'play_slug', { slug: A.slug });
      await request('loop', 'settings', { repeat: 2 });
      const seq = await seeRounds(w(), [A.slug, B.slug, C.slug], slugOf);
      expect(passes(seq), 'each clip shown twice (repeat 2) in each round').to.deep.equal(seq.slice(0, -1).map(() => 2));
      // And back to one pass each, changed while A plays its first pass.
      await request('player', 'play_slug', { slug: A.slug });
      await request('loop', 'settings', { repeat: 1 });
      const again = await seeRounds(w(), [A.slug, B.slug, C.slug], slugOf);
      expect(passes(again), 'each clip shown once (repeat 1)').to.deep.equal(again.slice(0, -1).map(() => 1));
    });

    it('a still honours its repeat count: shown duration × repeat, every round', async () => {
      await setLoop([A.slug, S.slug]);
      await request('loop', 'item', { slug: S.slug, duration: 0.5, repeat: 3 });
      const seq = await seeRounds(w(), [A.slug, S.slug], slugOf);
      const still = seq
        .slice(0, -1)
        .map((p, i) => ({ slug: p.slug, ms: (seq[i + 1] as { t: number }).t - p.t }))
        .filter((p) => p.slug === S.slug);
      expect(still.length).to.be.at.least(2);
      // 0.5 s × 3: never shorter than that (a repeat ignored would be 0.5 s); loose above, machines are shared.
      for (const s of still) expect(s.ms, 'the still stays 1.5 s').to.be.within(1350, 3500);
      await sleep(10);
    });
  });
});
