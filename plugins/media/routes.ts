// The media REST API (the first version's paths) and the files it serves. Library actions are a
// route table (bus requests like any other client's); the uploads (multipart here, tus in
// tus-route.ts) are not actions, because they are streams (docs/architecture.md says why), and the
// files are static.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { routesFor, type RouteTable } from '../../core/http/action-routes.js';
import { V1MediaItem, mediaActions, toV1Item } from '../../core/protocol/media.js';
import { Nullable } from '../../core/protocol/envelope.js';
import type { MediaConfig } from './config.js';
import type { MediaService } from './service.js';
import { registerUpload } from './upload-route.js';

/** Converted clips and thumbnails are served under this prefix (+ `clips/…`, `thumbs/…`). */
export const FILES_URL = '/media/files';

const r = routesFor('media', mediaActions);
/** Items in the first version's words (`completed` when playable). */
const v1View = { schema: V1MediaItem, from: toV1Item };
const Library = Type.Object({
  media: Type.Array(V1MediaItem),
  active: Nullable(Type.String()),
  last_updated: Type.String(),
  storage: Type.Optional(Type.Unknown()),
});

export const mediaRoutes: RouteTable = [
  r('GET', '/api/media', 'list', {
    summary: 'The library and the active item',
    view: {
      schema: Library,
      from: (s, bus) => ({
        media: s.items.map(toV1Item),
        active: bus.last('loop')?.active ?? null,
        last_updated: s.updated_at,
        storage: s.storage,
      }),
    },
  }),
  r('GET', '/api/media/:slug', 'get', { view: v1View }),
  r('DELETE', '/api/media/:slug', 'delete', { timeoutMs: 30_000, message: (d) => `deleted ${d.slug}` }),
  r('POST', '/api/media/:slug/retry', 'retry', { view: v1View }),
  r('POST', '/api/media/:slug/fit', 'fit', { view: v1View, summary: "Set one item's fit and convert it again" }),
  r('POST', '/api/media/cleanup', 'cleanup', { timeoutMs: 60_000, message: (d) => `removed ${d.removed.length} files` }),
];

/** The upload (a stream, not an action) and the converted files. */
export async function registerUploadAndFiles(app: FastifyInstance, svc: MediaService, cfg: MediaConfig): Promise<void> {
  await registerUpload(app, svc, cfg);

  // Converted clips and thumbnails: content-addressed names, so cacheable for good; ranges for seeking.
  const { default: fastifyStatic } = await import('@fastify/static');
  await app.register(fastifyStatic, {
    root: svc.layout.root,
    prefix: `${FILES_URL}/`,
    decorateReply: false,
    wildcard: true,
    index: false,
    dotfiles: 'deny',
    maxAge: '365d',
    immutable: true,
    acceptRanges: true,
    allowedPath: (path: string) => /^\/(clips|thumbs)\/[0-9a-f]{64}-[0-9a-f]{8}\.(mp4|png|jpg)$/.test(path),
    schemaHide: true,
  });
}
