// REST for the loop, in the first version's paths and envelope. Each handler is a bus client: it
// asks the loop over MQTT (bridge/request/loop/...) and answers from the response, so REST can do
// nothing that Home Assistant or Node-RED cannot.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { ScopedBus } from '../../core/plugins/api.js';
import { LoopState, loopActions } from '../../core/protocol/index.js';
import { EnvelopeOf, ErrorEnvelope, ok } from '../../core/http/envelope.js';

const SlugParams = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 200 }) });
type SlugParams = Static<typeof SlugParams>;

/** GET /api/loop: the first version's `{loop: [slug]}`, plus the whole loop state. */
const LoopView = Type.Object({ loop: Type.Array(Type.String()), ...LoopState.properties });

const errors = { 400: ErrorEnvelope, 404: ErrorEnvelope, 409: ErrorEnvelope, 503: ErrorEnvelope, 504: ErrorEnvelope };
const tags = ['loop'];

export function registerLoopRoutes(app: FastifyInstance, bus: ScopedBus): void {
  const ask = <T>(action: keyof typeof loopActions, payload: unknown = {}): Promise<T> => bus.request<T>('loop', action, payload);

  app.get('/api/loop', {
    schema: { tags, summary: 'The loop: ordered slugs, active item, mode and defaults', response: { 200: EnvelopeOf(LoopView), ...errors } },
  }, async () => {
    // Asked, not read from the retained topic, so a GET right after a change sees it.
    const state = await ask<LoopState>('state');
    return ok({ loop: state.items.map((i) => i.slug), ...state });
  });

  // Routes whose JSON body is the action's payload, as data: method, path, action.
  const bodyRoutes: Array<['POST' | 'PUT' | 'PATCH', string, keyof typeof loopActions, string[]]> = [
    ['POST', '/api/loop', 'add', tags],
    ['PUT', '/api/loop', 'reorder', tags],
    ['POST', '/api/loop/move', 'move', tags],
    ['PATCH', '/api/loop/settings', 'settings', tags],
    ['POST', '/api/playback/loop-mode', 'mode', ['playback']],
  ];
  for (const [method, url, action, routeTags] of bodyRoutes) {
    const spec = loopActions[action];
    app.route({
      method, url,
      schema: { tags: routeTags, summary: spec.description, body: spec.request, response: { 200: EnvelopeOf(spec.response), ...errors } },
      handler: async (req) => ok(await ask(action, req.body)),
    });
  }

  app.delete('/api/loop', {
    schema: { tags, summary: loopActions.clear.description, response: { 200: EnvelopeOf(loopActions.clear.response), ...errors } },
  }, async () => ok(await ask('clear')));

  app.delete('/api/loop/:slug', {
    schema: {
      tags, summary: loopActions.remove.description, params: SlugParams,
      response: { 200: EnvelopeOf(loopActions.remove.response), ...errors },
    },
  }, async (req) => ok(await ask('remove', { slug: (req.params as SlugParams).slug })));

  const ItemPatch = Type.Omit(loopActions.item.request, ['slug']);
  app.patch('/api/loop/items/:slug', {
    schema: {
      tags, summary: loopActions.item.description, params: SlugParams, body: ItemPatch,
      response: { 200: EnvelopeOf(loopActions.item.response), ...errors },
    },
  }, async (req) => ok(await ask('item', { ...(req.body as object), slug: (req.params as SlugParams).slug })));

  app.post('/api/media/:slug/activate', {
    schema: {
      tags: ['loop', 'media'], summary: loopActions.activate.description, params: SlugParams,
      response: { 200: EnvelopeOf(loopActions.activate.response), ...errors },
    },
  }, async (req) => ok(await ask('activate', { slug: (req.params as SlugParams).slug })));
}
