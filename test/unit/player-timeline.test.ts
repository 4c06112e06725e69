// The loop of clips as one mpv timeline (plugins/player/timeline.ts): when a plan becomes one, its
// edl:// URL (one segment per pass), the rotation a rebuild starts from, and mpv's chapters mapped
// back to segments. A table, then the edge cases.
import { expect } from 'chai';
import type { PlaylistEntry } from '../../plugins/player/playlist.js';
import {
  afterCurrent,
  asTimeline,
  edlFiles,
  edlUrl,
  mapChapters,
  passAt,
  passesOf,
  segmentAt,
  segmentEnd,
  segmentLength,
  stillParts,
  timelineFits,
} from '../../plugins/player/timeline.js';

function clip(slug: string, loopFile: string | number = 'no'): PlaylistEntry {
  return { slug, path: `/m/${slug}.mp4`, kind: 'video', title: slug, options: { 'loop-file': loopFile } };
}
function still(slug: string): PlaylistEntry {
  return { slug, path: `/m/${slug}.png`, kind: 'image', title: slug, options: { 'image-display-duration': 5 } };
}
/** A still whose clip the media plugin has made (2 s of the picture), shown `seconds`. */
function stillWithClip(slug: string, seconds: number | string = 5, audio = false): PlaylistEntry {
  return { ...still(slug), options: { 'image-display-duration': seconds }, stillClip: { path: `/m/${slug}.mp4`, length: 2 }, audio };
}

describe('player timeline (a loop of clips as one edl:// timeline)', () => {
  const rows: Array<[string, PlaylistEntry[], boolean]> = [
    ['two clips', [clip('a'), clip('b')], true],
    ['clips with repeats', [clip('a', 2), clip('b')], true],
    ['a lone clip (loops inside its file already)', [clip('a', 'inf')], false],
    ['mode one', [clip('a', 'inf')], false],
    ['a still without its clip yet (mpv cannot put a picture in an EDL)', [clip('a'), still('s')], false],
    ['a still with its clip among clips', [clip('a'), stillWithClip('s'), clip('b')], true],
    ['two stills with their clips', [stillWithClip('s'), stillWithClip('t')], true],
    ['a still with its clip shown forever (mode one)', [stillWithClip('s', 'inf'), clip('a')], false],
    ['a still with a silent track among clips that have sound', [{ ...clip('a'), audio: true }, stillWithClip('s', 5, true)], true],
    ['a still without sound among clips that have some', [{ ...clip('a'), audio: true }, stillWithClip('s')], false],
    [
      'clips that all have sound',
      [
        { ...clip('a'), audio: true },
        { ...clip('b'), audio: true },
      ],
      true,
    ],
    ['clips with and without sound (mpv 0.35 stalls on them)', [clip('a'), { ...clip('b'), audio: true }], false],
    ['nothing', [], false],
  ];
  for (const [what, plan, fits] of rows) {
    it(`${what}: ${fits ? 'one timeline' : 'a playlist'}`, () => {
      expect(timelineFits(plan)).to.equal(fits);
      const shaped = asTimeline(plan, 'auto');
      if (fits) {
        expect(shaped).to.have.length(1);
        expect(shaped[0]?.path.startsWith('edl://')).to.equal(true);
        expect(shaped[0]?.options).to.deep.equal({ 'loop-file': 'inf', end: 'none' });
      } else {
        expect(shaped).to.equal(plan);
      }
      // `off` is always the playlist.
      expect(asTimeline(plan, 'off')).to.equal(plan);
    });
  }

  it('has one segment per pass, each titled by its index, paths quoted by byte length', () => {
    const [t] = asTimeline([clip('a', 1), clip('b'), clip('c', 2)], 'auto');
    expect(t?.segments?.map((s) => s.slug)).to.deep.equal(['a', 'a', 'b', 'c', 'c', 'c']);
    expect(t?.slug).to.equal('a');
    expect(t?.path.split(';')[0]).to.equal('edl://%8%/m/a.mp4,title=%6%loop:0');
    // A path with the EDL's separators and multibyte characters stays one value.
    const odd = { ...clip('x'), path: '/m/é,;x.mp4' };
    const url = edlUrl([odd, clip('b')]);
    expect(url.startsWith('edl://%12%/m/é,;x.mp4,title=%6%loop:0;')).to.equal(true);
    expect(edlFiles(url)).to.deep.equal(['/m/é,;x.mp4', '/m/b.mp4']);
    expect(edlFiles('/m/a.mp4')).to.equal(null);
  });

  it("puts a still's clip in as parts for its seconds, the later parts titled apart", () => {
    const [t] = asTimeline([clip('a'), stillWithClip('s', 5), clip('b', 1)], 'auto');
    expect(t?.segments?.map((x) => x.slug)).to.deep.equal(['a', 's', 'b', 'b']);
    expect(t?.path.split(';')).to.deep.equal([
      'edl://%8%/m/a.mp4,title=%6%loop:0',
      '%8%/m/s.mp4,length=2,title=%6%loop:1',
      '%8%/m/s.mp4,length=2,title=%8%loop:1.1',
      '%8%/m/s.mp4,length=1,title=%8%loop:1.2',
      '%8%/m/b.mp4,title=%6%loop:2',
      '%8%/m/b.mp4,title=%6%loop:3',
    ]);
    // A viewer reads one file per part (mpv's chapters are the parts).
    expect(edlFiles(t?.path ?? '')).to.deep.equal(['/m/a.mp4', '/m/s.mp4', '/m/s.mp4', '/m/s.mp4', '/m/b.mp4', '/m/b.mp4']);
    // mpv's chapters: one per part; the still's later parts belong to its segment.
    const map = mapChapters(
      ['loop:0', 'loop:1', 'loop:1.1', 'loop:1.2', 'loop:2', 'loop:3'].map((title, k) => ({
        title,
        time: [0, 1, 3, 5, 6, 7][k] as number,
      })),
      4,
    );
    expect(map).to.deep.equal({ starts: [0, 1, 6, 7], byChapter: [0, 1, 1, 1, 2, 3] });
    if (map) expect(segmentLength(map, 1, 8)).to.equal(5);
  });

  it("cuts a still's seconds into whole clips and the rest", () => {
    const rows: Array<[number, number, number[]]> = [
      [5, 2, [2, 2, 1]],
      [4, 2, [2, 2]],
      [1, 2, [1]],
      [2.5, 1, [1, 1, 0.5]],
      [4.0000001, 2, [2, 2]],
      [0.04, 2, [0.04]],
    ];
    for (const [total, length, parts] of rows) {
      const got = stillParts(total, length);
      expect(got.length, `${total} s of ${length} s clips`).to.equal(parts.length);
      got.forEach((p, k) => expect(p).to.be.closeTo(parts[k] as number, 1e-6));
    }
  });

  it('counts passes from loop-file, and which pass a segment is, round the cycle', () => {
    expect([clip('a'), clip('a', 0), clip('a', 2), clip('a', 'inf')].map(passesOf)).to.deep.equal([1, 1, 3, 1]);
    // A rebuild's timeline may start mid-run: [a(2nd), b, b, a(1st)].
    const segs = ['a', 'b', 'b', 'a'].map((s) => clip(s));
    expect(segs.map((_, k) => passAt(segs, k))).to.deep.equal([2, 1, 2, 1]);
  });

  it('a rebuild starts with the pass after the one on screen: skip moves passes to the end', () => {
    const plan = [clip('a', 1), clip('b'), clip('c')];
    expect(asTimeline(plan, 'auto', 1)[0]?.segments?.map((s) => s.slug)).to.deep.equal(['a', 'b', 'c', 'a']);
    expect(asTimeline(plan, 'auto', 2)[0]?.segments?.map((s) => s.slug)).to.deep.equal(['b', 'c', 'a', 'a']);
    expect(asTimeline(plan, 'auto', 2)[0]?.slug).to.equal('b');
    expect(afterCurrent(['a', 'b', 'c'])).to.deep.equal(['b', 'c', 'a']);
    expect(afterCurrent(['a'])).to.deep.equal(['a']);
  });

  it("maps mpv's chapters to segments, a source file's own chapters included", () => {
    const list = [
      { title: 'loop:0', time: 0 },
      { title: 'loop:1', time: 1 },
      { title: 'Intro', time: 1.5 }, // a chapter the file of segment 1 brought along
      { title: 'loop:2', time: 2.04 },
    ];
    const map = mapChapters(list, 3);
    expect(map).to.deep.equal({ starts: [0, 1, 2.04], byChapter: [0, 1, 1, 2] });
    if (!map) return;
    expect([0, 1, 2, 3].map((c) => segmentAt(map, c))).to.deep.equal([0, 1, 1, 2]);
    expect(segmentAt(map, null)).to.equal(null);
    expect(segmentAt(map, -1)).to.equal(null);
    expect(segmentEnd(map, 0)).to.equal(1);
    expect(segmentEnd(map, 2)).to.equal(null);
    expect(segmentLength(map, 1, 3)).to.be.closeTo(1.04, 1e-9);
    expect(segmentLength(map, 2, 3)).to.be.closeTo(0.96, 1e-9);
    expect(segmentLength(map, 2, null)).to.equal(null);
    // Another file's chapters (or none): not this timeline.
    expect(mapChapters([{ title: 'Intro', time: 0 }], 2)).to.equal(null);
    expect(mapChapters([], 2)).to.equal(null);
  });
});
