// The Fastify server: envelope and errors, OpenAPI at /api/docs, CORS when configured, the
// dashboard (web/dist or a placeholder), and WebSocket upgrades routed by path (/ws, /mqtt).
import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { version, webDistDir } from '../paths.js';
import { installErrorHandlers } from './errors.js';
import { placeholderPage } from './placeholder.js';

export interface HttpOptions {
  host: string;
  port: number;
  bodyLimit: number;
  corsOrigins: string[];
  docsUi: boolean;
  deviceName: string;
  log: Logger;
}

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export async function createHttpServer(o: HttpOptions): Promise<{ app: FastifyInstance; upgrades: Map<string, UpgradeHandler> }> {
  const app = Fastify({
    // The cast is not a no-op for tsc: without it Fastify types the instance by pino's Logger, and
    // FastifyInstance (as plugins and routes take it) no longer fits.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: o.log as FastifyBaseLogger,
    bodyLimit: o.bodyLimit,
  });
  // Query strings and path params are text, so they are coerced; JSON bodies are not, so that
  // `{"slug": 5}` is a 400 over REST exactly as it is an `invalid` over MQTT.
  const strict = addFormats(new Ajv({ allErrors: true, coerceTypes: false, useDefaults: true, removeAdditional: false, strict: false }));
  const coercing = addFormats(new Ajv({ allErrors: true, coerceTypes: 'array', useDefaults: true, removeAdditional: false, strict: false }));
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema));
  installErrorHandlers(app);

  const { default: swagger } = await import('@fastify/swagger');
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Loop REST API', version, description: 'Every route is a client of the MQTT bus; see docs/mqtt.md for the same actions over MQTT.' },
      tags: [{ name: 'dashboard' }, { name: 'system' }, { name: 'player' }, { name: 'loop' }, { name: 'media' }],
    },
  });
  if (o.docsUi) {
    const { default: swaggerUi } = await import('@fastify/swagger-ui');
    await app.register(swaggerUi, { routePrefix: '/api/docs' });
  } else {
    // The UI is opt-in (http.docs_ui): it costs ~2 MB of RSS on a 512 MB device. The JSON stays.
    app.get('/api/docs/json', { schema: { hide: true } }, async () => app.swagger());
    app.get('/api/docs', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/api/docs/json'));
  }

  if (o.corsOrigins.length) {
    const allowed = new Set(o.corsOrigins);
    app.addHook('onRequest', async (req, reply) => {
      const origin = req.headers.origin;
      if (!origin || !(allowed.has(origin) || allowed.has('*'))) return;
      reply.header('Access-Control-Allow-Origin', origin).header('Vary', 'Origin');
      if (req.method === 'OPTIONS') {
        reply.header('Access-Control-Allow-Methods', 'GET,POST,PUT,DELETE,OPTIONS')
          .header('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'content-type')
          .status(204).send();
      }
    });
  }

  if (existsSync(webDistDir)) {
    const { default: fastifyStatic } = await import('@fastify/static');
    await app.register(fastifyStatic, { root: webDistDir, prefix: '/', wildcard: false, index: ['index.html'] });
  } else {
    app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html').send(placeholderPage(o.deviceName)));
  }

  const upgrades = new Map<string, UpgradeHandler>();
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const handler = upgrades.get(path);
    if (handler) handler(req, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });
  return { app, upgrades };
}
