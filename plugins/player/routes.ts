// REST for playback, in the first version's paths and envelope. Each handler asks the player over
// MQTT (bridge/request/player/...) and answers from the response.
import type { FastifyInstance } from 'fastify';
import type { ScopedBus } from '../../core/plugins/api.js';
import { PlayerState, playerActions } from '../../core/protocol/index.js';
import { EnvelopeOf, ErrorEnvelope, ok } from '../../core/http/envelope.js';

const errors = { 400: ErrorEnvelope, 404: ErrorEnvelope, 409: ErrorEnvelope, 503: ErrorEnvelope, 504: ErrorEnvelope };
const tags = ['playback'];

/** Actions reachable as POST /api/playback/<path> (loop-mode belongs to the loop: see plugins/loop/routes.ts). */
const ROUTES: ReadonlyArray<[path: string, action: keyof typeof playerActions]> = [
  ['toggle', 'toggle'], ['next', 'next'], ['previous', 'previous'], ['play', 'play'], ['pause', 'pause'],
  ['stop', 'stop'], ['seek', 'seek'], ['volume', 'volume'], ['mute', 'mute'],
];

export function registerPlaybackRoutes(app: FastifyInstance, bus: ScopedBus): void {
  app.get('/api/playback', {
    schema: { tags, summary: 'The player state (what plays, position, volume...)', response: { 200: EnvelopeOf(PlayerState), ...errors } },
  }, async () => ok(await bus.request('player', 'state', {}, { timeoutMs: 5000 })));

  for (const [path, action] of ROUTES) {
    const spec = playerActions[action];
    const hasBody = Object.keys(spec.request.properties).length > 0;
    app.post(`/api/playback/${path}`, {
      schema: {
        tags, summary: spec.description, ...(hasBody ? { body: spec.request } : {}),
        response: { 200: EnvelopeOf(spec.response), ...errors },
      },
    }, async (req) => ok(await bus.request(`player`, action, hasBody ? req.body : {}, { timeoutMs: 10_000 })));
  }
}
