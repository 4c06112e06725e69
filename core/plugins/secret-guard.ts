// Refuses a command that arrives over MQTT carrying a secret field: by then the broker has already
// shown it to every subscriber, so it must not work, or clients would keep sending secrets that way.
import { ActionError, secretsIn, type ActionSpec } from '../protocol/index.js';
import type { RouteTable } from '../http/action-routes.js';
import type { Command } from './dispatch.js';

/** The error for an MQTT command with a secret in it (naming the REST route to use), or null. */
export function secretOnMqtt(
  pluginId: string,
  spec: ActionSpec | undefined,
  routes: RouteTable | undefined,
  cmd: Command,
): ActionError | null {
  const present = spec ? secretsIn(spec, cmd.payload) : [];
  if (present.length === 0) return null;
  const route = routes?.find((r) => r.plugin === pluginId && r.action === cmd.action);
  const instead = route ? `the REST API (${route.method} ${route.path})` : 'the REST API';
  const fields = present.map((f) => `"${f}"`).join(', ');
  return new ActionError(
    'forbidden',
    `${pluginId}/${cmd.action}: ${fields} is a secret, and secrets never travel on MQTT (every subscriber could read them); ` +
      `send it through ${instead} or the page's /ws socket, or leave it out`,
  );
}
