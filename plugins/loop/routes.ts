// REST for the loop, in the first version's paths and envelope, as a table: each row runs one
// declared action over the bus (see core/http/action-routes.ts).
import { Type } from '@sinclair/typebox';
import { routesFor, type RouteTable } from '../../core/http/action-routes.js';
import { LoopState, loopActions } from '../../core/protocol/index.js';

/** GET /api/loop: the first version's `{loop: [slug]}`, plus the whole loop state. */
const LoopView = Type.Object({ loop: Type.Array(Type.String()), ...LoopState.properties });

const r = routesFor('loop', loopActions);

export const loopRoutes: RouteTable = [
  // Asked, not read from the retained topic, so a GET right after a change sees it.
  r('GET', '/api/loop', 'state', {
    summary: 'The loop: ordered slugs, active item, mode and defaults',
    view: { schema: LoopView, from: (s) => ({ loop: s.items.map((i) => i.slug), ...s }) },
  }),
  r('POST', '/api/loop', 'add'),
  r('PUT', '/api/loop', 'reorder'),
  r('DELETE', '/api/loop', 'clear'),
  r('POST', '/api/loop/move', 'move'),
  r('PATCH', '/api/loop/settings', 'settings'),
  r('DELETE', '/api/loop/:slug', 'remove'),
  r('PATCH', '/api/loop/items/:slug', 'item'),
  r('POST', '/api/playback/loop-mode', 'mode'),
  r('POST', '/api/media/:slug/activate', 'activate'),
];
