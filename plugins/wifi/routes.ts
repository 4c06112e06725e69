// REST for WiFi: the first version's paths (scan, connect, hotspot toggle) plus status, saved
// networks and forget, as a table of declared actions (see core/http/action-routes.ts).
import { Type } from '@sinclair/typebox';
import { routesFor, type RouteTable } from '../../core/http/action-routes.js';
import { wifiActions } from '../../core/protocol/index.js';

const r = routesFor('wifi', wifiActions);

// Joining a network can take the connect timeout, plus leaving the hotspot and a rescan; and every
// action waits for the one before it (NetworkManager changes run one at a time).
const SLOW = { timeoutMs: 120_000 };

export const wifiRoutes: RouteTable = [
  r('GET', '/api/wifi/status', 'status', SLOW),
  r('GET', '/api/wifi/scan', 'scan', SLOW),
  r('POST', '/api/wifi/connect', 'connect', { ...SLOW, message: (d) => `connected to ${d.ssid}` }),
  r('GET', '/api/wifi/saved', 'saved', SLOW),
  r('DELETE', '/api/wifi/saved/:ssid', 'forget', SLOW),
  // The first version's toggle answered {hotspot_active}; `{active}` in the body sets it instead.
  r('POST', '/api/wifi/hotspot', 'hotspot', {
    ...SLOW,
    view: { schema: Type.Object({ hotspot_active: Type.Boolean(), ssid: Type.String() }), from: (d) => d },
  }),
];
