// From the loop (retained `loop`) and the library (retained `media`) to the entries of mpv's
// playlist: play order, only items whose converted file is ready, each with its per-file options
// (a clip's repeats as loop-file, a still's duration × repeat as image-display-duration). Pure, so
// it is unit tested.
import type { LoopState, MediaItem } from '../../core/protocol/index.js';

export interface PlaylistEntry {
  slug: string;
  path: string;
  kind: 'video' | 'image';
  title: string;
  /** mpv per-file options for this entry (`loadfile <path> append <options>`). */
  options: Record<string, string | number>;
  /** Whether the converted file may carry sound (its source had some); a timeline needs all alike. */
  audio?: boolean;
  /** A still's clip (media `still_clip`): its file and length, repeated on a timeline for the still's seconds. */
  stillClip?: { path: string; length: number };
  /** A timeline (timeline.ts): the clip of each of its segments, in order; `path` is its `edl://` URL. */
  segments?: readonly PlaylistEntry[];
}

/** The library as the player needs it: slug → item, only what is ready and has a file. */
export function playableLibrary(items: readonly MediaItem[]): Map<string, MediaItem> {
  const map = new Map<string, MediaItem>();
  for (const it of items) if (it.processing_status === 'ready' && it.path) map.set(it.slug, it);
  return map;
}

export function titleOf(item: MediaItem): string {
  return item.filename.replace(/\.[^.]+$/, '') || item.slug;
}

export function entryFor(loop: LoopState, item: MediaItem, mode: 'all' | 'one'): PlaylistEntry {
  const li = loop.items.find((i) => i.slug === item.slug);
  const options: Record<string, string | number> = {};
  const repeat = li?.repeat ?? loop.repeat;
  if (item.kind === 'image') {
    // A still shown `repeat` times in a row is the same still, shown that much longer.
    options['image-display-duration'] = mode === 'one' ? 'inf' : (li?.duration ?? loop.image_duration) * repeat;
  } else {
    // Always explicit, even `no`: mpv restores an entry's own options when it ends, so a value the
    // player sets on the playing entry never leaks into entries that would otherwise inherit it.
    options['loop-file'] = mode === 'one' ? 'inf' : repeat > 1 ? repeat - 1 : 'no';
  }
  const entry: PlaylistEntry = { slug: item.slug, path: item.path as string, kind: item.kind, title: titleOf(item), options };
  if (item.kind === 'image') {
    const clip = item.still_clip;
    if (clip) Object.assign(entry, { stillClip: { path: clip.path, length: clip.duration }, audio: clip.has_audio });
    else entry.audio = false;
  } else {
    // Whether the converted file has sound (older libraries say only whether the upload had some).
    entry.audio = item.has_audio ?? item.source?.has_audio ?? false;
  }
  return entry;
}

/**
 * Every playable loop item in play order (mode 'all'). A lone clip loops inside its file
 * (loop-file=inf, a seek) rather than being reopened at each pass, so it loops seamlessly.
 */
export function planAll(loop: LoopState, library: ReadonlyMap<string, MediaItem>): PlaylistEntry[] {
  const out: PlaylistEntry[] = [];
  for (const slug of loop.order) {
    const item = library.get(slug);
    if (item) out.push(entryFor(loop, item, 'all'));
  }
  const [only] = out;
  if (out.length === 1 && only?.kind === 'video') return [entryFor(loop, library.get(only.slug) as MediaItem, 'one')];
  return out;
}

/**
 * Where playback should be: `preferred` when it is playable, else the first playable item after
 * it in play order (an item still converting is skipped, not waited for). null when nothing plays.
 */
export function startSlug(loop: LoopState, library: ReadonlyMap<string, MediaItem>, preferred: string | null): string | null {
  const order = loop.order;
  if (order.length === 0) return null;
  const from = preferred === null ? -1 : order.indexOf(preferred);
  for (let k = 0; k < order.length; k++) {
    const slug = order[(Math.max(from, 0) + k) % order.length] as string;
    if (library.has(slug)) return slug;
  }
  return null;
}

/**
 * The playlist mpv should hold when `current` plays: in mode 'all' every playable item, rotated so
 * that `current` comes first (mpv's --loop-playlist then wraps round to it); in mode 'one' only it.
 */
export function planFrom(loop: LoopState, library: ReadonlyMap<string, MediaItem>, current: string): PlaylistEntry[] {
  const item = library.get(current);
  if (!item) return [];
  if (loop.mode === 'one') return [entryFor(loop, item, 'one')];
  const all = planAll(loop, library);
  const i = all.findIndex((e) => e.slug === current);
  return i < 0 ? all : [...all.slice(i), ...all.slice(0, i)];
}

/** Whether two sets of per-file options are the same (mpv re-applies an entry's own at every pass). */
export function sameOptions(a: Readonly<Record<string, string | number>>, b: Readonly<Record<string, string | number>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => String(a[k]) === String(b[k]));
}

/** Two plans that would give the same playlist (rotation aside) need no rebuild. */
export function planKey(loop: LoopState, library: ReadonlyMap<string, MediaItem>, current: string | null): string {
  if (loop.mode === 'one') {
    const item = current === null ? undefined : library.get(current);
    return JSON.stringify(['one', item ? entryFor(loop, item, 'one') : null]);
  }
  return JSON.stringify(['all', planAll(loop, library)]);
}
