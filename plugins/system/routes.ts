// REST for the system plugin; every handler is a bus request, like any other client's.
import type { FastifyInstance } from 'fastify';
import { StorageReport, SystemState, type ScopedBusLike } from './types.js';
import { EnvelopeOf, ok } from '../../core/http/envelope.js';
import { Type } from '@sinclair/typebox';

export function systemRoutes(bus: ScopedBusLike) {
  return (app: FastifyInstance): void => {
    app.get('/api/dashboard/storage', {
      schema: { tags: ['system'], summary: 'Disk use: total, used, free, and what system, app and media take (bytes; unwrapped, as the first version).', response: { 200: StorageReport } },
    }, async () => bus.request('system', 'storage'));
    app.get('/api/system', {
      schema: { tags: ['system'], summary: 'Health now: CPU temperature, load, memory, disk, uptime.', response: { 200: EnvelopeOf(SystemState) } },
    }, async () => ok(await bus.request('system', 'health')));
    app.post('/api/system/restart', {
      schema: { tags: ['system'], summary: 'Restart Loop (when system.allow_restart).', response: { 200: EnvelopeOf(Type.Object({ restarting: Type.Boolean() })) } },
    }, async () => ok(await bus.request('system', 'restart'), 'restarting'));
  };
}
