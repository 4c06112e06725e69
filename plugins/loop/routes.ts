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

  app.post('/api/loop', {
    schema: {
      tags, summary: loopActions.add.description, body: loopActions.add.request,
      response: { 200: EnvelopeOf(loopActions.add.response), ...errors },
    },
  }, async (req) => ok(await ask('add', req.body)));

  app.put('/api/loop', {
    schema: {
      tags, summary: loopActions.reorder.description, body: loopActions.reorder.request,
      response: { 200: EnvelopeOf(loopActions.reorder.response), ...errors },
    },
  }, async (req) => ok(await ask('reorder', req.body)));

  app.delete('/api/loop', {
    schema: { tags, summary: loopActions.clear.description, response: { 200: EnvelopeOf(loopActions.clear.response), ...errors } },
  }, async () => ok(await ask('clear')));

  app.delete('/api/loop/:slug', {
    schema: {
      tags, summary: loopActions.remove.description, params: SlugParams,
      response: { 200: EnvelopeOf(loopActions.remove.response), ...errors },
    },
  }, async (req) => ok(await ask('remove', { slug: (req.params as SlugParams).slug })));

  app.post('/api/loop/move', {
    schema: {
      tags, summary: loopActions.move.description, body: loopActions.move.request,
      response: { 200: EnvelopeOf(loopActions.move.response), ...errors },
    },
  }, async (req) => ok(await ask('move', req.body)));

  app.patch('/api/loop/settings', {
    schema: {
      tags, summary: loopActions.settings.description, body: loopActions.settings.request,
      response: { 200: EnvelopeOf(loopActions.settings.response), ...errors },
    },
  }, async (req) => ok(await ask('settings', req.body)));

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

  app.post('/api/playback/loop-mode', {
    schema: {
      tags: ['playback'], summary: loopActions.mode.description, body: loopActions.mode.request,
      response: { 200: EnvelopeOf(loopActions.mode.response), ...errors },
    },
  }, async (req) => ok(await ask('mode', req.body)));
}
