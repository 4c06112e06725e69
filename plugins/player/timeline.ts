// Pure: a loop of clips and stills as one continuous mpv timeline (an `edl://` URL), so transitions
// and the wrap-around cross no file boundary (mpv re-creates the decoder at every file boundary:
// the last frame is held 60-180 ms; inside a timeline it is not). Each pass of a clip is its own
// segment, titled `loop:<n>` so the chapter mpv reports maps back to the item on screen. A picture
// cannot be an EDL segment (mpv 0.35 fails the whole timeline; 0.40 documents no more), so a still
// plays as its still clip (the media plugin's short clip of the picture, `still_clip`) repeated in
// parts with `length=` for its seconds: the parts after the first are titled otherwise, so they
// belong to the still's segment. Only EDL features mpv 0.35 documents are used (`%n%` quoting,
// `title`, and `length`, a basic parameter in every version; 0.40, the device's, not run here). A
// still without its clip yet, a lone clip and mode one stay a playlist (playlist.ts). Unit tested
// (player-timeline).
import type { PlaylistEntry } from './playlist.js';

/** `player.timeline`: `auto` plays a loop of clips as one timeline; `off` always uses the playlist. */
export type TimelineMode = 'auto' | 'off';

/** A timeline entry's own options: it loops round by itself; `end` is set per pass to cut it at a clip boundary. */
export const TIMELINE_OPTIONS: Readonly<Record<string, string>> = { 'loop-file': 'inf', end: 'none' };

const TITLE = /^loop:(\d+)$/;

/** How many times a playlist entry plays in a row (its loop-file: `no` once, n → n+1). */
export function passesOf(e: PlaylistEntry): number {
  const lf = e.options['loop-file'];
  if (lf === undefined || lf === 'no') return 1;
  const n = Number(lf);
  return Number.isInteger(n) && n >= 0 ? n + 1 : 1;
}

/** How long a still shows (its seconds × repeat), when it is finite. */
function stillSeconds(e: PlaylistEntry): number | null {
  const d = Number(e.options['image-display-duration']);
  return Number.isFinite(d) && d > 0 ? d : null;
}

/** Whether one entry can be a timeline segment: a clip that ends, or a still that has its clip and ends. */
function segmentable(e: PlaylistEntry): boolean {
  if (e.segments) return false;
  if (e.kind === 'image') return e.stillClip !== undefined && e.stillClip.length > 0 && stillSeconds(e) !== null;
  return e.options['loop-file'] !== 'inf';
}

/**
 * Whether a plan can be one timeline: two items or more, each a clip or a still with its clip (no
 * endless entry), all with sound or all without (the media plugin keeps sound for all or none and
 * gives a still's clip a silent track when clips keep theirs; in mpv 0.35 a timeline whose first
 * segment has no sound stalls on a segment that has some).
 */
export function timelineFits(plan: readonly PlaylistEntry[]): boolean {
  const audio = plan[0]?.audio ?? false;
  return plan.length >= 2 && plan.every((e) => segmentable(e) && (e.audio ?? false) === audio);
}

/** An EDL value of any bytes: `%<byte length>%<value>` (paths may hold `,` or `;`). */
function quoted(value: string): string {
  return `%${Buffer.byteLength(value, 'utf8')}%${value}`;
}

/** Seconds as an EDL value: microseconds, no float noise. */
function seconds(t: number): string {
  return String(Math.round(t * 1e6) / 1e6);
}

/**
 * A still's `total` seconds as parts of its clip of `length` seconds: whole clips, then what is
 * left (a part shorter than a microsecond is none).
 */
export function stillParts(total: number, length: number): number[] {
  const whole = Math.max(1, Math.ceil(total / length - 1e-6));
  return Array.from({ length: whole }, (_, k) => Math.min(length, total - k * length));
}

/** One segment's EDL entries: a clip whole; a still as its clip's parts, the first titled by the segment. */
function edlParts(s: PlaylistEntry, i: number): string[] {
  const title = `loop:${i}`;
  const shown = s.kind === 'image' ? stillSeconds(s) : null;
  if (!s.stillClip || shown === null) return [`${quoted(s.path)},title=${quoted(title)}`];
  const file = quoted(s.stillClip.path);
  // The later parts are titled apart (`loop:<n>.<k>`): their chapters belong to the still's segment.
  return stillParts(shown, s.stillClip.length).map(
    (len, k) => `${file},length=${seconds(len)},title=${quoted(k === 0 ? title : `${title}.${k}`)}`,
  );
}

/** The `edl://` URL of these segments, one per pass, each titled by its index (a still: several parts). */
export function edlUrl(segments: readonly PlaylistEntry[]): string {
  return `edl://${segments.flatMap((s, i) => edlParts(s, i)).join(';')}`;
}

/**
 * The plan as mpv should hold it: one timeline entry when it fits (and the mode allows), else the
 * plan itself. The timeline is a cycle of passes; `skip` passes are moved from its start to its
 * end (a rebuild's timeline starts with the pass after the one on screen).
 */
export function asTimeline(plan: PlaylistEntry[], mode: TimelineMode, skip = 0): PlaylistEntry[] {
  if (mode === 'off' || !timelineFits(plan)) return plan;
  const cycle = plan.flatMap((e) => Array.from({ length: passesOf(e) }, () => e));
  const k = skip % cycle.length;
  const segments = [...cycle.slice(k), ...cycle.slice(0, k)];
  const first = segments[0] as PlaylistEntry;
  return [{ slug: first.slug, path: edlUrl(segments), kind: 'video', title: first.title, options: { ...TIMELINE_OPTIONS }, segments }];
}

/** The plan after the clip on screen (a playlist rebuild's tail, appended to take over when it ends). */
export function afterCurrent<T>(plan: readonly T[]): T[] {
  return plan.length > 1 ? [...plan.slice(1), plan[0] as T] : [...plan];
}

/** Which pass of its clip segment `k` is (1 = the first), counting round the cycle. */
export function passAt(segments: readonly PlaylistEntry[], k: number): number {
  const slug = segments[k]?.slug;
  let p = 1;
  while (p < segments.length && segments[(k - p + segments.length) % segments.length]?.slug === slug) p++;
  return p;
}

export interface ChapterMark {
  title?: string;
  time: number;
}

/** Where each segment starts on the timeline, and which segment each of mpv's chapters belongs to. */
export interface SegmentMap {
  starts: number[];
  byChapter: number[];
}

/**
 * From mpv's `chapter-list` to segments: each segment's chapter carries its title; chapters the
 * source files bring along (a converted file may keep its own) belong to the segment before them.
 * null when the list is not this timeline's (not every segment found).
 */
export function mapChapters(list: readonly ChapterMark[], count: number): SegmentMap | null {
  const starts: number[] = new Array<number>(count).fill(Number.NaN);
  const byChapter: number[] = [];
  let seg = 0;
  for (const c of list) {
    const m = TITLE.exec(c.title ?? '');
    if (m) {
      seg = Number(m[1]);
      if (seg < count && Number.isNaN(starts[seg])) starts[seg] = c.time;
    }
    byChapter.push(seg);
  }
  return count > 0 && starts.every((t) => Number.isFinite(t)) ? { starts, byChapter } : null;
}

/** The segment on screen for mpv's `chapter`, or null when unknown. */
export function segmentAt(map: SegmentMap, chapter: number | null): number | null {
  if (chapter === null || chapter < 0) return null;
  return map.byChapter[chapter] ?? null;
}

/** Where segment `k` ends on the timeline (the next pass or clip boundary); null for the last one (the timeline's end). */
export function segmentEnd(map: SegmentMap, k: number): number | null {
  return map.starts[k + 1] ?? null;
}

/** How long segment `k` lasts (to the next segment, or to the end of the timeline). */
export function segmentLength(map: SegmentMap, k: number, total: number | null): number | null {
  const start = map.starts[k];
  const next = map.starts[k + 1] ?? total;
  return start === undefined || next === null || next === undefined ? null : next - start;
}

/** The file of each segment of an `edl://` URL written by edlUrl() (for a viewer of mpv's `path`); null for any other path. */
export function edlFiles(path: string): string[] | null {
  if (!path.startsWith('edl://')) return null;
  const files: string[] = [];
  let i = 'edl://'.length;
  while (i < path.length) {
    const m = /^%(\d+)%/.exec(path.slice(i));
    if (!m) return null;
    const start = i + m[0].length;
    const bytes = Buffer.from(path.slice(start), 'utf8').subarray(0, Number(m[1])).toString('utf8');
    files.push(bytes);
    const next = path.indexOf(';', start + bytes.length);
    if (next < 0) break;
    i = next + 1;
  }
  return files;
}
