// The loop plugin's contract: the queue, its mode and its actions.
// Owned by plugins/loop; extend fields here (never elsewhere).
import { Nullable, Names } from './envelope.js';
import { Type, type Static } from '@sinclair/typebox';
import { LoopMode } from './player.js';
import type { ActionSpec } from './envelope.js';

/**
 * Why a loop item cannot play now (the player skips it until it can): its converted file is missing
 * on disk, it is still converting, its conversion failed, or the library does not list it (kept, not
 * dropped, only while the library is empty: an empty index may be a lost one).
 */
export const Unplayable = Names('file_missing', 'converting', 'failed', 'not_in_library');
export type Unplayable = Static<typeof Unplayable>;

export const LoopItem = Type.Object({
  slug: Type.String(),
  /** Times this item plays before the next; null = the loop's default. */
  repeat: Nullable(Type.Integer({ minimum: 1 })),
  /** Seconds a still image stays; null = the loop's default. */
  duration: Nullable(Type.Number({ exclusiveMinimum: 0 })),
  /** Present only while the item cannot play (derived from the library and the disk, never stored). */
  unplayable: Type.Optional(Unplayable),
});
export type LoopItem = Static<typeof LoopItem>;

export const LoopState = Type.Object({
  items: Type.Array(LoopItem),
  current_index: Type.Integer(),
  active: Nullable(Type.String()),
  mode: LoopMode,
  repeat: Type.Integer({ minimum: 1 }),
  image_duration: Type.Number(),
  shuffle: Type.Boolean(),
  /**
   * The 32-bit seed the round on screen was dealt from (mulberry32; the next round's is derived from
   * it): two players given the same seed and the same items deal the same order. null while shuffle is off.
   */
  shuffle_seed: Nullable(Type.Integer({ minimum: 0, maximum: 0xffffffff })),
  /** The slugs in the order they play: `items` order, or a shuffled one when shuffle is on. */
  order: Type.Array(Type.String()),
  /** Bumped each time the loop asks the player to start `active` afresh (activate, next, removal of the playing item...). */
  cue: Type.Integer({ minimum: 0 }),
  updated_at: Type.String(),
});
export type LoopState = Static<typeof LoopState>;

const Slug = Type.String({ minLength: 1, maxLength: 200 });
const Slugs = Type.Object({ loop: Type.Array(Type.String()) });
/** Answer of the actions that choose what plays: the new active item and the cue the player will apply. */
const Cued = Type.Object({ loop: Type.Array(Type.String()), active: Nullable(Type.String()), cue: Type.Integer() });
const Empty = Type.Object({}, { additionalProperties: false });

export const loopActions = {
  add: {
    description: 'Append a library item to the loop (or insert it at position).',
    request: Type.Object({ slug: Slug, position: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
    response: Slugs,
    shorthand: 'slug',
  },
  remove: {
    description: 'Remove an item from the loop (when it is playing, the next one starts).',
    request: Type.Object({ slug: Slug }, { additionalProperties: false }),
    response: Slugs,
    shorthand: 'slug',
  },
  reorder: {
    description: 'Replace the order with this full list of slugs (same members, no duplicates).',
    request: Type.Object({ loop: Type.Array(Slug) }, { additionalProperties: false }),
    response: Slugs,
  },
  move: {
    description: 'Move the item at index from to index to.',
    request: Type.Object({ from: Type.Integer({ minimum: 0 }), to: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
    response: Slugs,
  },
  clear: { description: 'Empty the loop.', request: Empty, response: Slugs },
  activate: {
    description: 'Play this item now; adds it to the loop when absent.',
    request: Type.Object({ slug: Slug }, { additionalProperties: false }),
    response: Cued,
    shorthand: 'slug',
  },
  state: {
    description: 'The loop as the retained `loop` topic carries it (read after your own writes).',
    request: Empty,
    response: LoopState,
  },
  next: { description: 'Make the next item in play order the active one.', request: Empty, response: Cued },
  previous: { description: 'Make the previous item in play order the active one.', request: Empty, response: Cued },
  mode: {
    description: 'Set the loop mode: all items in turn, or the current one forever.',
    request: Type.Object({ loop_mode: LoopMode }, { additionalProperties: false }),
    response: Type.Object({ loop_mode: LoopMode }),
    shorthand: 'loop_mode',
  },
  settings: {
    description:
      'Set the loop defaults: repeat count, still-image duration, shuffle. shuffle_seed deals this round afresh from that seed (shuffle must be on).',
    request: Type.Object(
      {
        repeat: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        image_duration: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86400 })),
        shuffle: Type.Optional(Type.Boolean()),
        shuffle_seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffffffff })),
      },
      { additionalProperties: false },
    ),
    response: LoopState,
  },
  check: {
    description:
      'Check the loop against the library and the files on disk now (the player asks when it finds a file missing): drops items the library no longer lists, marks those that cannot play.',
    request: Empty,
    response: LoopState,
  },
  item: {
    description: 'Override repeat count or still duration for one item (null restores the default).',
    request: Type.Object(
      {
        slug: Slug,
        repeat: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1000 }))),
        duration: Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 86400 }))),
      },
      { additionalProperties: false },
    ),
    response: LoopItem,
  },
} satisfies Record<string, ActionSpec>;
