// The loop plugin's contract: the queue, its mode and its actions.
// Owned by plugins/loop; extend fields here (never elsewhere).
import { Type, type Static } from 'typebox';
import { LoopMode } from './player.js';
import type { ActionSpec } from './envelope.js';

export const LoopItem = Type.Object({
  slug: Type.String(),
  /** Times this item plays before the next; null = the loop's default. */
  repeat: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  /** Seconds a still image stays; null = the loop's default. */
  duration: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()]),
});
export type LoopItem = Static<typeof LoopItem>;

export const LoopState = Type.Object({
  items: Type.Array(LoopItem),
  current_index: Type.Integer(),
  active: Type.Union([Type.String(), Type.Null()]),
  mode: LoopMode,
  repeat: Type.Integer({ minimum: 1 }),
  image_duration: Type.Number(),
  shuffle: Type.Boolean(),
  updated_at: Type.String(),
});
export type LoopState = Static<typeof LoopState>;

const Slug = Type.String({ minLength: 1, maxLength: 200 });
const Slugs = Type.Object({ loop: Type.Array(Type.String()) });

export const loopActions = {
  add: {
    description: 'Append a library item to the loop (or insert it at position).',
    request: Type.Object({ slug: Slug, position: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
    response: Slugs, shorthand: 'slug',
  },
  remove: { description: 'Remove an item from the loop.', request: Type.Object({ slug: Slug }, { additionalProperties: false }), response: Slugs },
  reorder: {
    description: 'Replace the order with this full list of slugs (same members, no duplicates).',
    request: Type.Object({ loop: Type.Array(Slug) }, { additionalProperties: false }), response: Slugs,
  },
  move: {
    description: 'Move the item at index from to index to.',
    request: Type.Object({ from: Type.Integer({ minimum: 0 }), to: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
    response: Slugs,
  },
  clear: { description: 'Empty the loop.', request: Type.Object({}, { additionalProperties: false }), response: Slugs },
  activate: {
    description: 'Play this item now; adds it to the loop when absent.',
    request: Type.Object({ slug: Slug }, { additionalProperties: false }),
    response: Type.Object({ loop: Type.Array(Type.String()), active: Type.String() }), shorthand: 'slug',
  },
  mode: {
    description: 'Set the loop mode: all items in turn, or the current one forever.',
    request: Type.Object({ loop_mode: LoopMode }, { additionalProperties: false }),
    response: Type.Object({ loop_mode: LoopMode }), shorthand: 'loop_mode',
  },
  settings: {
    description: 'Set the loop defaults: repeat count, still-image duration, shuffle.',
    request: Type.Object({
      repeat: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
      image_duration: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86400 })),
      shuffle: Type.Optional(Type.Boolean()),
    }, { additionalProperties: false }),
    response: LoopState,
  },
  item: {
    description: 'Override repeat count or still duration for one item (null restores the default).',
    request: Type.Object({
      slug: Slug,
      repeat: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1000 }), Type.Null()])),
      duration: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 86400 }), Type.Null()])),
    }, { additionalProperties: false }),
    response: LoopItem,
  },
} satisfies Record<string, ActionSpec>;
