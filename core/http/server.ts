// The Fastify server: envelope and errors, the guard (host, origin, content type, login; CORS for
// configured origins), OpenAPI at /api/docs, the dashboard (core/http/static.ts), and
// WebSocket upgrades routed by path (/ws, /mqtt), each checked by the same guard first.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { version } from '../paths.js';
import { installErrorHandlers } from './errors.js';
import { SECURITY_HEADERS, type Guard } from './guard.js';
import { lazyCompilers } from './lazy-compile.js';
import { serveDashboard } from './static.js';
import { guardUpgradeSocket, refuseUpgrade } from './upgrade.js';

export interface HttpOptions {
  host: string;
  port: number;
  bodyLimit: number;
  guard: Guard;
  docsUi: boolean;
  deviceName: string;
  /** The page's view paths (from the composition root). */
  viewPaths: readonly string[];
  log: Logger;
}

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const DOCS_CSP = (SECURITY_HEADERS['Content-Security-Policy'] ?? '').replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export async function createHttpServer(o: HttpOptions): Promise<{ app: FastifyInstance; upgrades: Map<string, UpgradeHandler> }> {
  // Query strings and path params are text, so they are coerced; JSON bodies are not, so that
  // `{"slug": 5}` is a 400 over REST exactly as it is an `invalid` over MQTT. Each Ajv is made on the
  // first request that needs it, and every route's validator and serializer on that route's first
  // request (lazy-compile.ts says why).
  let strict: Ajv | null = null;
  let coercing: Ajv | null = null;
  const ajvFor = (httpPart: string | undefined): Ajv =>
    httpPart === 'body'
      ? (strict ??= addFormats(new Ajv({ allErrors: true, coerceTypes: false, useDefaults: true, removeAdditional: false, strict: false })))
      : (coercing ??= addFormats(
          new Ajv({ allErrors: true, coerceTypes: 'array', useDefaults: true, removeAdditional: false, strict: false }),
        ));
  const app = Fastify({
    // The cast is not a no-op for tsc: without it Fastify types the instance by pino's Logger, and
    // FastifyInstance (as plugins and routes take it) no longer fits.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: o.log as FastifyBaseLogger,
    bodyLimit: o.bodyLimit,
    schemaController: { compilersFactory: lazyCompilers(({ schema, httpPart }) => ajvFor(httpPart).compile(schema)) },
  });
  installErrorHandlers(app);
  o.guard.install(app);
  // A POST that declares JSON but sends nothing (logout, next...) is an empty payload, not an error.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) =>
    body === '' ? done(null, undefined) : json(req, body as string, done),
  );

  const { default: swagger } = await import('@fastify/swagger');
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Loop REST API',
        version,
        description: 'Every route is a client of the MQTT bus; see docs/mqtt.md for the same actions over MQTT.',
      },
      tags: [{ name: 'dashboard' }, { name: 'system' }, { name: 'player' }, { name: 'loop' }, { name: 'media' }, { name: 'auth' }],
      components: {
        securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'loop_session' }, token: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ session: [] }, { token: [] }],
    },
  });
  if (o.docsUi) {
    const { default: swaggerUi } = await import('@fastify/swagger-ui');
    await app.register(async (scope) => {
      // Swagger UI sets a few inline styles (its icon sprite): allowed on these pages only; scripts stay 'self'.
      scope.addHook('onSend', async (_req, reply) => void reply.header('Content-Security-Policy', DOCS_CSP));
      await scope.register(swaggerUi, { routePrefix: '/api/docs' });
    });
  } else {
    // The UI is opt-in (http.docs_ui): it costs ~2 MB of RSS on a 512 MB device. The JSON stays.
    app.get('/api/docs/json', { schema: { hide: true } }, async () => app.swagger());
    app.get('/api/docs', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/api/docs/json'));
  }

  // The page's own files are public (the login view is one of them); the guard learns their URLs here.
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => void o.guard.publicUrls.add(route.url));
    await serveDashboard(scope, { deviceName: o.deviceName, viewPaths: o.viewPaths });
  });

  const upgrades = new Map<string, UpgradeHandler>();
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // First, before anything is written: the client may reset the socket at any moment.
    guardUpgradeSocket(socket, o.log);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const handler = upgrades.get(path);
    if (!handler) return refuseUpgrade(socket, 404, 'Not Found');
    const refused = o.guard.upgrade(req);
    if (refused) return refuseUpgrade(socket, refused.status, refused.reason);
    handler(req, socket, head);
  });
  return { app, upgrades };
}
