// Routes the core answers itself: health, the state document (and the first version's dashboard
// document), the gateway's status.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Bus } from '../bus/bus.js';
import type { DashboardView } from '../dashboard.js';
import type { Gateway } from '../gateway/gateway.js';
import { StateDocument } from '../protocol/index.js';
import { EnvelopeOf, ok } from './envelope.js';

export function registerCoreRoutes(
  app: FastifyInstance,
  deps: { bus: Bus; view: DashboardView; gateway: () => Gateway | null; version: string; requestTimeoutMs: number },
): void {
  app.get(
    '/api/health',
    {
      schema: {
        tags: ['system'],
        summary: 'Liveness: answers while the HTTP server and the bus are up.',
        response: {
          200: Type.Object({ status: Type.String(), version: Type.String(), mqtt_connected: Type.Boolean(), uptime: Type.Number() }),
        },
      },
    },
    async () => ({ status: 'ok', version: deps.version, mqtt_connected: deps.bus.client.connected, uptime: process.uptime() }),
  );

  app.get(
    '/api/state',
    {
      schema: {
        tags: ['dashboard'],
        summary:
          "The contract's state in one document: the last value of each retained topic a page shows (player, loop, media, wifi, wifi/networks, display, system, settings, bridge/info) and the media jobs in progress.",
        response: { 200: EnvelopeOf(StateDocument) },
      },
    },
    async () => ok(deps.view.state()),
  );

  app.get(
    '/api/dashboard',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'The whole dashboard (player, wifi, system, library, loop, jobs); unwrapped, as the first version answered.',
      },
    },
    async () => deps.view.build(),
  );

  const RoomCounts = Type.Object({ dashboard: Type.Integer(), progress: Type.Integer(), wifi: Type.Integer(), system: Type.Integer() });
  app.get(
    '/api/websocket/status',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'WebSocket gateway connections, per room.',
        response: {
          200: EnvelopeOf(
            Type.Object({
              connections: Type.Object({ total_connections: Type.Integer(), rooms: RoomCounts, healthy_connections: Type.Integer() }),
            }),
          ),
        },
      },
    },
    async () => {
      const gw = deps.gateway();
      const connections = gw
        ? gw.status()
        : { total_connections: 0, rooms: { dashboard: 0, progress: 0, wifi: 0, system: 0 }, healthy_connections: 0 };
      return ok({ connections });
    },
  );

  // Any action of any plugin over REST, as over MQTT and the WebSocket: nothing is reachable
  // from one client kind only. The payload is validated by the plugin host against the contract.
  app.post(
    '/api/actions/:plugin/:action',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'Run any plugin action (see docs/mqtt-reference.md); the body is the action payload.',
        params: Type.Object({ plugin: Type.String({ pattern: '^[a-z0-9_-]+$' }), action: Type.String({ pattern: '^[a-z0-9_]+$' }) }),
        body: Type.Optional(Type.Object({}, { additionalProperties: true })),
        response: { 200: EnvelopeOf(Type.Unknown()) },
      },
    },
    async (req) => {
      const { plugin, action } = req.params as { plugin: string; action: string };
      return ok(await deps.bus.requestRaw(plugin, action, req.body ?? {}, { timeoutMs: deps.requestTimeoutMs }));
    },
  );
}
