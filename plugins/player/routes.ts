// REST for playback, in the first version's paths and envelope, as a table: each row runs one
// declared action over the bus (loop-mode belongs to the loop: see plugins/loop/routes.ts).
import { routesFor, type RouteTable } from '../../core/http/action-routes.js';
import { playerActions } from '../../core/protocol/index.js';

const r = routesFor('player', playerActions);

export const playbackRoutes: RouteTable = [
  r('GET', '/api/playback', 'state', { summary: 'The player state (what plays, position, volume...)', timeoutMs: 5000 }),
  ...(['toggle', 'next', 'previous', 'play', 'pause', 'stop', 'seek', 'volume', 'mute'] as const).map((action) =>
    r('POST', `/api/playback/${action}`, action, { timeoutMs: 10_000 }),
  ),
];
