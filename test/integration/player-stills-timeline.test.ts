// Stills in the timeline: photos uploaded to the real media plugin get their still clip (a short
// clip of the screen's profile), and a loop of clips and photos then plays as one mpv timeline, no
// playlist fallback: mpv holds one edl:// entry, no file starts at any transition, each photo's
// segment lasts its seconds on mpv's timeline and on the clock, and `player` names the photo on
// screen (kind image, its seconds as the duration). The frames bench measures it on a screen.
import { expect } from 'chai';
import { statSync } from 'node:fs';
import type { PlayerState, V1MediaItem } from '../../core/protocol/index.js';
import { makeClip, makeStill } from '../helpers/clips.js';
import { defaultMediaConfig } from '../../plugins/media/config.js';
import { ffmpegArgv } from '../../plugins/media/ffmpeg-run.js';
import { stillClipArgs } from '../../plugins/media/profile.js';
import { mqttRequest, publishLibrary, type Media } from '../helpers/loop.js';
import { ffmpeg as runFfmpeg, uploadConverted } from '../helpers/media-files.js';
import { clipsNamed, startPlayerBench, type PlayerBench } from '../helpers/player-bench.js';
import { until } from '../helpers/wait.js';

/**
 * Tolerances on the clock (vo=null: mpv's own clock, seen over IPC on a shared, busy machine: one
 * change seen 154 ms late at load 13). Each photo: less than the shortest part it could lose or
 * gain (0.5 s); their median: a few frames. mpv's timeline is checked to the millisecond, and the
 * frames bench measures the screen.
 */
const EACH_SLACK_S = 0.3;
const MEDIAN_SLACK_S = 0.1;

describe('player: a loop of clips and photos as one timeline (stills with their clips)', function () {
  this.timeout(90_000);
  let bench: PlayerBench;
  let clipA: V1MediaItem;
  let photoP: V1MediaItem;
  let clipB: V1MediaItem;
  let photoQ: V1MediaItem;
  const seconds = new Map<string, number>();
  const request = async (plugin: string, action: string, payload: object = {}): Promise<void> => {
    const res = await mqttRequest(bench.mqtt, bench.loop.baseTopic, plugin, action, payload);
    expect(res, `${plugin}/${action}`).to.deep.include({ status: 'ok' });
  };

  before(async () => {
    bench = await startPlayerBench({ mediaPlugin: true, player: { timeline: 'auto' } });
    // The clip with sound loses it (media.video.keep_audio is off): it still fits a timeline with silent photos.
    const [a, p, b, q] = await Promise.all([
      makeClip({ seconds: 1, name: 'line-a', audio: true }),
      makeStill({ name: 'photo-p' }),
      makeClip({ seconds: 1, name: 'line-b' }),
      makeStill({ name: 'photo-q', format: 'jpg' }),
    ]);
    // One at a time, so the loop (add_to_loop) takes them in this order.
    clipA = await uploadConverted(bench.loop.http, a);
    photoP = await uploadConverted(bench.loop.http, p);
    clipB = await uploadConverted(bench.loop.http, b);
    photoQ = await uploadConverted(bench.loop.http, q);
    seconds.set(photoP.slug, 2.5).set(photoQ.slug, 1);
    for (const [slug, duration] of seconds) await request('loop', 'item', { slug, duration });
  });

  after(() => bench?.stop());

  it('makes each photo a small clip of the profile beside its picture, silent when clips are', () => {
    for (const photo of [photoP, photoQ]) {
      const clip = photo.still_clip;
      expect(clip, photo.slug).to.be.an('object');
      if (!clip) return;
      expect(clip.duration).to.equal(2);
      expect(clip.has_audio).to.equal(false);
      expect(clip.path).to.match(/\.mp4$/);
      expect(photo.path).to.match(/\.png$/);
      // One keyframe and its repeats: a few KB, whatever the still's seconds.
      expect(statSync(clip.path).size).to.be.below(64 * 1024);
    }
    expect(clipA.has_audio).to.equal(false);
    expect(clipB.has_audio).to.equal(false);
  });

  it("plays as one timeline: each photo's segment lasts its seconds, no file starts, `player` names the photo", async () => {
    const { mpv, mqtt, loop } = bench;
    await request('player', 'play_slug', { slug: clipA.slug });
    await mpv.playing(clipA.path as string);
    const list = (await mpv.ipc.getProperty('playlist')) as Array<{ filename: string }>;
    expect(list, 'no playlist fallback').to.have.length(1);
    expect(list[0]?.filename.startsWith('edl://')).to.equal(true);
    // Photo P (2.5 s) is a whole still clip and half of one; Q (1 s) a part of one.
    const chapters = (await mpv.ipc.getProperty('chapter-list')) as Array<{ title: string; time: number }>;
    expect(chapters.map((c) => c.title)).to.deep.equal(['loop:0', 'loop:1', 'loop:1.1', 'loop:2', 'loop:3']);
    const at = (title: string): number => chapters.find((c) => c.title === title)?.time ?? Number.NaN;
    expect(at('loop:2') - at('loop:1'), 'photo P on the timeline').to.be.closeTo(2.5, 1e-3);
    const total = (await mpv.ipc.getProperty('duration')) as number;
    expect(total - at('loop:3'), 'photo Q on the timeline').to.be.closeTo(1, 1e-3);

    // Two rounds on the clock (11 s): every change of item seen by a second viewer of mpv.
    const events = mpv.mark();
    const paths = mpv.paths.length;
    const states = mqtt.received.length;
    await new Promise((r) => setTimeout(r, 11_500));
    expect(
      mpv.events.slice(events).filter((e) => e.event === 'start-file'),
      'no file started',
    ).to.have.length(0);
    const bySlug = new Map<string, string>();
    for (const it of [clipA, photoP, clipB, photoQ]) bySlug.set(it.still_clip?.path ?? (it.path as string), it.slug);
    const seen = mpv.paths.slice(paths).map((p) => ({ slug: bySlug.get(p.path) ?? p.path, t: p.t }));
    const errors: number[] = [];
    for (let i = 0; i + 1 < seen.length; i++) {
      const want = seconds.get((seen[i] as { slug: string }).slug);
      if (want === undefined) continue;
      const shown = ((seen[i + 1] as { t: number }).t - (seen[i] as { t: number }).t) / 1000;
      expect(shown, `${seen[i]?.slug} on screen`).to.be.closeTo(want, EACH_SLACK_S);
      errors.push(shown - want);
    }
    expect(errors.length, 'photos measured on the clock').to.be.at.least(3);
    const median = [...errors].sort((x, y) => x - y)[Math.floor(errors.length / 2)] as number;
    expect(median, `median error of ${errors.map((e) => e.toFixed(3)).join(', ')} s`).to.be.closeTo(0, MEDIAN_SLACK_S);

    const shownStates = mqtt.received
      .slice(states)
      .filter((m) => m.topic === `${loop.baseTopic}/player`)
      .map((m) => m.json as PlayerState);
    for (const photo of [photoP, photoQ]) {
      const s = shownStates.find((x) => x.slug === photo.slug);
      expect(s, `player named ${photo.slug}`).to.be.an('object');
      expect(s?.kind).to.equal('image');
      expect(s?.duration).to.equal(seconds.get(photo.slug));
    }
  });
});

describe('player: a still whose clip arrives while the loop plays as a playlist', function () {
  this.timeout(60_000);
  let bench: PlayerBench;
  after(() => bench?.stop());

  it('plays the loop as a playlist until then, and as one timeline from the next boundary on', async () => {
    const [a, b] = await clipsNamed(['late_a_0000000000000001', 'late_b_0000000000000002'], 1);
    const png = await makeStill({ name: 'late-photo' });
    const stillClip = png.replace(/\.png$/, '-still.mp4');
    await runFfmpeg([...ffmpegArgv(png, stillClip, stillClipArgs(defaultMediaConfig))]);
    const photo: Media = { slug: 'late_photo_0000000000000003', path: png, kind: 'image' };
    bench = await startPlayerBench({ media: [a, photo, b], player: { timeline: 'auto' }, loop: { image_duration: 1 } });
    const { mpv, loop } = bench;
    await bench.addToLoop([a, photo, b]);
    await mpv.playing(a.path);
    const filenames = async (): Promise<string[]> =>
      ((await mpv.ipc.getProperty('playlist')) as Array<{ filename: string }>).map((e) => e.filename);
    // No clip for the photo yet: a playlist (appended entry by entry after the first starts).
    await until(async () => (await filenames()).includes(b.path), 8000, 'the playlist');
    const before = await filenames();
    expect(before, 'the picture itself').to.include(png);
    expect(
      before.filter((f) => f.startsWith('edl://')),
      'no timeline',
    ).to.deep.equal([]);
    // The media plugin made the clip: the library says so.
    await publishLibrary(loop, [a, { ...photo, stillClip: { path: stillClip, duration: 2 } }, b]);
    await until(async () => (await filenames()).some((f) => f.startsWith('edl://')), 8000, 'a timeline appended');
    // Once the timeline plays, it is all mpv holds (the playlist's entries retired).
    await until(async () => (await filenames()).length === 1, 8000, 'only the timeline left');
    expect((await filenames())[0]?.startsWith('edl://')).to.equal(true);
  });
});
