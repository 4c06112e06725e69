// The loop queue as pure functions: each operation takes the persisted document and returns the
// next one, or throws an ActionError that says what is wrong (so the document stays as it was).
import { Type, type Static } from '@sinclair/typebox';
import { ActionError, LoopItem, LoopMode, Nullable, type LoopState, type Unplayable } from '../../core/protocol/index.js';
import { deal, placeNew, randomSeed } from './shuffle.js';

/** What the loop persists (LoopState without what is derived from it), checked on every read. */
export const LoopDoc = Type.Object({
  items: Type.Array(LoopItem),
  active: Nullable(Type.String()),
  mode: LoopMode,
  repeat: Type.Number(),
  image_duration: Type.Number(),
  shuffle: Type.Boolean(),
  /** Play order while shuffle is on (a permutation of the slugs); empty otherwise. */
  shuffled: Type.Array(Type.String()),
  /** The seed the round on screen was dealt from (shuffle.ts); null while shuffle is off. */
  seed: Nullable(Type.Integer({ minimum: 0, maximum: 0xffffffff })),
  /** Slugs added since the round was dealt, in the order they came (they play first in its rest). */
  fresh: Type.Array(Type.String()),
  /** The next round, dealt when the last item of this one came on screen (rounds.ts); empty otherwise. */
  upcoming: Type.Array(Type.String()),
  cue: Type.Number(),
});
export type LoopDoc = Static<typeof LoopDoc>;

/** The stored document's version; version 2 added the shuffle seed and the rounds. */
export const DOC_VERSION = 2;
/** migrations[n] turns a version n-1 document into version n (the store applies them on read). */
export const migrations = { 2: (old: unknown): LoopDoc => migrateV1(old) };

/** The loop document as version 1 stored it (before the shuffle seed). */
interface LoopDocV1 extends Omit<LoopDoc, 'seed' | 'fresh' | 'upcoming'> {
  seed?: unknown;
}

/** Version 1 → 2: the order and the items are kept as they were; a shuffled loop gets a seed for its next rounds. */
export function migrateV1(old: unknown, seed: () => number = randomSeed): LoopDoc {
  const doc = old as LoopDocV1;
  return { ...doc, seed: doc.shuffle ? seed() : null, fresh: [], upcoming: [] };
}

/** What the loop knows of a slug in the library: absent, present, or present but unusable. */
export type LibraryLookup = (slug: string) => 'ready' | 'pending' | 'failed' | 'unknown' | 'no_library';

/** Where a fresh seed comes from (turning shuffle on without one); tests pass a fixed one. */
export type SeedSource = () => number;

export function emptyDoc(
  defaults: Pick<LoopDoc, 'mode' | 'repeat' | 'image_duration' | 'shuffle'>,
  seed: SeedSource = randomSeed,
): LoopDoc {
  return { items: [], active: null, shuffled: [], seed: defaults.shuffle ? seed() : null, fresh: [], upcoming: [], cue: 0, ...defaults };
}

export function slugsOf(doc: LoopDoc): string[] {
  return doc.items.map((i) => i.slug);
}

export function playOrder(doc: LoopDoc): string[] {
  return doc.shuffle ? doc.shuffled : slugsOf(doc);
}

/** The published state; `marks` (derived from the library and the disk, never stored) say which items cannot play. */
export function toState(doc: LoopDoc, marks: ReadonlyMap<string, Unplayable> = new Map(), now = new Date()): LoopState {
  return {
    items: doc.items.map((i) => {
      const unplayable = marks.get(i.slug);
      return unplayable ? { ...i, unplayable } : { ...i };
    }),
    current_index: doc.active === null ? -1 : doc.items.findIndex((i) => i.slug === doc.active),
    active: doc.active,
    mode: doc.mode,
    repeat: doc.repeat,
    image_duration: doc.image_duration,
    shuffle: doc.shuffle,
    shuffle_seed: doc.shuffle ? doc.seed : null,
    order: [...playOrder(doc)],
    cue: doc.cue,
    updated_at: now.toISOString(),
  };
}

function checkLibrary(slug: string, library: LibraryLookup): void {
  const status = library(slug);
  if (status === 'no_library')
    throw new ActionError('unavailable', 'the media library has not published its state yet (is the media plugin running?)');
  if (status === 'unknown') throw new ActionError('not_found', `no media item "${slug}" in the library`);
  if (status === 'failed') throw new ActionError('conflict', `media item "${slug}" failed to convert; retry or delete it`);
}

function indexOf(doc: LoopDoc, slug: string): number {
  return doc.items.findIndex((i) => i.slug === slug);
}

function range(doc: LoopDoc, extra = 0): string {
  const n = doc.items.length + extra;
  return n === 0 ? 'the loop is empty' : `the loop has ${doc.items.length} item${doc.items.length === 1 ? '' : 's'} (0..${n - 1})`;
}

/**
 * Keeps the shuffled order a permutation of the items: drops gone slugs; new ones play first in the
 * rest of this round (after the item on screen and the ones added before them), not at random places.
 */
function withOrder(doc: LoopDoc): LoopDoc {
  if (!doc.shuffle) return { ...doc, shuffled: [], seed: null, fresh: [], upcoming: [] };
  const present = new Set(slugsOf(doc));
  const kept = doc.shuffled.filter((s) => present.has(s));
  const inOrder = new Set(kept);
  const added = slugsOf(doc).filter((s) => !inOrder.has(s));
  const fresh = doc.fresh.filter((s) => present.has(s));
  return {
    ...doc,
    shuffled: placeNew(kept, added, doc.active, fresh),
    fresh: [...fresh, ...added],
    upcoming: doc.upcoming.filter((s) => present.has(s)),
  };
}

export function add(doc: LoopDoc, slug: string, position: number | undefined, library: LibraryLookup): LoopDoc {
  if (indexOf(doc, slug) >= 0) throw new ActionError('conflict', `"${slug}" is already in the loop (at ${indexOf(doc, slug)})`);
  checkLibrary(slug, library);
  if (position !== undefined && position > doc.items.length) {
    throw new ActionError('invalid', `position ${position} is out of range: ${range(doc, 1)}`);
  }
  const items = [...doc.items];
  items.splice(position ?? items.length, 0, { slug, repeat: null, duration: null });
  // The first item of an empty loop starts playing.
  const starts = doc.active === null;
  return withOrder({ ...doc, items, active: starts ? slug : doc.active, cue: starts ? doc.cue + 1 : doc.cue });
}

/** The slug that plays after `slug` in play order (wrapping), skipping `slug` itself; null when none. */
function neighbour(doc: LoopDoc, slug: string, step: 1 | -1): string | null {
  const order = playOrder(doc);
  const i = order.indexOf(slug);
  if (order.length < 2 || i < 0) return order.find((s) => s !== slug) ?? null;
  return order[(i + step + order.length) % order.length] ?? null;
}

export function remove(doc: LoopDoc, slug: string): LoopDoc {
  const i = indexOf(doc, slug);
  if (i < 0) throw new ActionError('not_found', `"${slug}" is not in the loop`);
  return drop(doc, slug);
}

/** Removes a slug if present (a library deletion); the playing one hands over to its successor. */
export function drop(doc: LoopDoc, slug: string): LoopDoc {
  if (indexOf(doc, slug) < 0) return doc;
  const wasActive = doc.active === slug;
  const successor = wasActive ? neighbour(doc, slug, 1) : doc.active;
  const items = doc.items.filter((it) => it.slug !== slug);
  return withOrder({ ...doc, items, active: successor, cue: wasActive ? doc.cue + 1 : doc.cue });
}

export function reorder(doc: LoopDoc, order: readonly string[]): LoopDoc {
  const seen = new Set<string>();
  const duplicates = [...new Set(order.filter((s) => (seen.has(s) ? true : (seen.add(s), false))))];
  const current = new Set(slugsOf(doc));
  const unknown = order.filter((s) => !current.has(s));
  const missing = slugsOf(doc).filter((s) => !seen.has(s));
  const problems: string[] = [];
  if (duplicates.length) problems.push(`duplicates: ${duplicates.join(', ')}`);
  if (unknown.length) problems.push(`not in the loop: ${unknown.join(', ')}`);
  if (missing.length) problems.push(`missing from the new order: ${missing.join(', ')}`);
  if (problems.length) {
    throw new ActionError('invalid', `the new order must list each loop item exactly once (${problems.join('; ')})`, {
      duplicates,
      unknown,
      missing,
    });
  }
  const bySlug = new Map(doc.items.map((i) => [i.slug, i]));
  return { ...doc, items: order.map((s) => bySlug.get(s) as LoopItem) };
}

export function move(doc: LoopDoc, from: number, to: number): LoopDoc {
  for (const [name, v] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (v >= doc.items.length) throw new ActionError('invalid', `${name} index ${v} is out of range: ${range(doc)}`);
  }
  const items = [...doc.items];
  const [it] = items.splice(from, 1);
  items.splice(to, 0, it as LoopItem);
  return { ...doc, items };
}

export function clear(doc: LoopDoc): LoopDoc {
  if (doc.items.length === 0) return doc;
  return { ...doc, items: [], shuffled: [], fresh: [], upcoming: [], active: null, cue: doc.cue + 1 };
}

export function activate(doc: LoopDoc, slug: string, library: LibraryLookup): LoopDoc {
  let next = doc;
  if (indexOf(doc, slug) < 0) {
    checkLibrary(slug, library);
    next = withOrder({ ...doc, items: [...doc.items, { slug, repeat: null, duration: null }] });
  }
  return { ...next, active: slug, cue: next.cue + 1 };
}

export function step(doc: LoopDoc, direction: 1 | -1): LoopDoc {
  if (doc.items.length === 0) throw new ActionError('conflict', 'the loop is empty: add an item first');
  const order = playOrder(doc);
  const i = doc.active === null ? -1 : order.indexOf(doc.active);
  const target = i < 0 ? order[0] : order[(i + direction + order.length) % order.length];
  return { ...doc, active: target ?? null, cue: doc.cue + 1 };
}

export function setMode(doc: LoopDoc, mode: LoopMode): LoopDoc {
  return { ...doc, mode };
}

export function settings(
  doc: LoopDoc,
  s: { repeat?: number; image_duration?: number; shuffle?: boolean; shuffle_seed?: number },
  freshSeed: SeedSource = randomSeed,
): LoopDoc {
  const next: LoopDoc = {
    ...doc,
    repeat: s.repeat ?? doc.repeat,
    image_duration: s.image_duration ?? doc.image_duration,
    shuffle: s.shuffle ?? doc.shuffle,
  };
  if (s.shuffle_seed !== undefined) {
    if (!next.shuffle) throw new ActionError('invalid', 'shuffle_seed needs shuffle on (send shuffle: true with it)');
    // A given seed deals this round afresh with no item pinned first: same seed + same items → same order.
    return { ...next, seed: s.shuffle_seed, shuffled: deal(slugsOf(next), s.shuffle_seed), fresh: [], upcoming: [] };
  }
  // Turning shuffle on deals a fresh round from a fresh seed, starting with what plays now.
  if (next.shuffle && !doc.shuffle) {
    const seed = freshSeed();
    return { ...next, seed, shuffled: deal(slugsOf(next), seed, { first: next.active }), fresh: [], upcoming: [] };
  }
  return withOrder(next);
}

export function setItem(doc: LoopDoc, slug: string, patch: { repeat?: number | null; duration?: number | null }): LoopDoc {
  const i = indexOf(doc, slug);
  if (i < 0) throw new ActionError('not_found', `"${slug}" is not in the loop`);
  const items = [...doc.items];
  const cur = items[i] as LoopItem;
  items[i] = {
    slug,
    repeat: patch.repeat === undefined ? cur.repeat : patch.repeat,
    duration: patch.duration === undefined ? cur.duration : patch.duration,
  };
  return { ...doc, items };
}

/** The player moved on by itself (end of a clip): the active item follows, without a new cue. */
export function follow(doc: LoopDoc, slug: string): LoopDoc {
  if (doc.active === slug || indexOf(doc, slug) < 0) return doc;
  return { ...doc, active: slug };
}
