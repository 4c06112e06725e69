// The first version's event shapes on /ws (seed-protocol): what its clients read, kept only for
// them. A client that connects with `?shapes=contract` (the page) gets the contract's payloads.
import { toV1Item, type MediaItem } from '../protocol/index.js';
import type { Shape } from '../protocol/rooms.js';

type Obj = Record<string, unknown>;
/** Event payloads in the first version's shapes (new fields ride along), by the route's `shape`. */
export const V1_SHAPES: Record<Shape, (p: Obj) => Obj> = {
  as_is: (p) => p,
  // The first version's page read data.player.{is_playing,current_media,loop_index,...}.
  player: (p) => ({
    player: {
      ...p,
      is_playing: p.state === 'playing',
      current_media: p.slug ?? null,
      loop_index: p.index ?? 0,
    },
  }),
  loop: (p) => ({ ...p, loop: Array.isArray(p.items) ? (p.items as Obj[]).map((i) => i.slug) : [] }),
  slug: (p) => ({ slug: p.slug }),
  // Items in the first version's words: `completed` when playable (see toV1Item).
  library: (p) => ({ ...p, items: Array.isArray(p.items) ? (p.items as MediaItem[]).map(toV1Item) : [] }),
  media_event: (p) => (p.item ? { ...p, item: toV1Item(p.item as MediaItem) } : p),
};
