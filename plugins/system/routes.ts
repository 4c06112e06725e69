// REST for the system plugin, as a table: each row runs one declared action over the bus.
import { routesFor, type RouteTable } from '../../core/http/action-routes.js';
import { systemActions } from '../../core/protocol/index.js';

const r = routesFor('system', systemActions);

export const systemRoutes: RouteTable = [
  // Unwrapped, as the first version answered.
  r('GET', '/api/dashboard/storage', 'storage', { envelope: false }),
  r('GET', '/api/system', 'health', { summary: 'Health now: CPU temperature, load, memory, disk, uptime.' }),
  r('GET', '/api/settings', 'settings'),
  r('PATCH', '/api/settings', 'update_settings'),
  r('POST', '/api/system/restart', 'restart', { message: () => 'restarting' }),
];
