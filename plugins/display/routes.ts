// REST for the display: the first version's brightness path, plus power and the schedule.
import { Type } from '@sinclair/typebox';
import { routesFor, type RouteTable } from '../../core/http/action-routes.js';
import { displayActions } from '../../core/protocol/index.js';

const r = routesFor('display', displayActions);

export const displayRoutes: RouteTable = [
  r('GET', '/api/display', 'state'),
  // The first version answered {brightness}.
  r('GET', '/api/display/brightness', 'state', {
    summary: 'The brightness, 0..100',
    view: { schema: Type.Object({ brightness: Type.Integer() }), from: (s) => ({ brightness: s.brightness }) },
  }),
  r('POST', '/api/display/brightness', 'brightness'),
  r('POST', '/api/display/power', 'power'),
  r('PUT', '/api/display/schedule', 'schedule'),
];
