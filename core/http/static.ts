// The dashboard (web/dist): hashed assets cached for good and served precompressed (.br/.gz made at
// build time, chosen by Accept-Encoding), index.html never cached and answered at every view's path
// (given by the composition root, from web/src/paths.ts) so a reload or a shared link works. No fallback for other paths: /api, /ws,
// /mqtt and typos keep their own answers.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { webDistDir } from '../paths.js';
import { placeholderPage } from './placeholder.js';

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';
/** Icons and the manifest keep their names across builds: a day, then ask again. */
export const SHORT = 'public, max-age=86400';

export interface DashboardOptions {
  deviceName: string;
  /** The page's view paths, each answered with index.html. */
  viewPaths: readonly string[];
  distDir?: string;
}

export async function serveDashboard(app: FastifyInstance, o: DashboardOptions): Promise<void> {
  const root = o.distDir ?? webDistDir;
  if (!existsSync(join(root, 'index.html'))) {
    // Not built (npm run build builds it; npm start does so when it is missing or stale).
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/html').header('cache-control', REVALIDATE).send(placeholderPage(o.deviceName)),
    );
    return;
  }
  const { default: fastifyStatic } = await import('@fastify/static');
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    index: false,
    preCompressed: true,
    cacheControl: false,
    globIgnore: ['**/*.gz', '**/*.br'],
    setHeaders: (reply, path) => {
      const rel = path.slice(root.length);
      reply.header('cache-control', rel.startsWith('/assets/') ? IMMUTABLE : rel.startsWith('/index.html') ? REVALIDATE : SHORT);
      reply.header('x-content-type-options', 'nosniff');
    },
  });
  for (const path of o.viewPaths) {
    app.get(path, { schema: { hide: true } }, (_req, reply) => reply.sendFile('index.html'));
  }
}
