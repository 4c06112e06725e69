// Builds the one device-based discovery payload (`<prefix>/device/<device_id>/config`) from the
// entity tables: device, origin and availability once, then a `cmps` entry per entity whose plugin
// runs (or is configured but failed at start, for what it announced before: a fault must not delete
// what people set up in Home Assistant). Components announced before but gone now are sent with only their platform (Home
// Assistant removes them), and keep being sent so until they come back: the retained payload is
// what a Home Assistant that was offline reads, so it must still say "removed". `cmps` and `p` are
// spelled as Home Assistant's documentation spells them. Pure: the plugin publishes what this returns.
import type { EntityContext, EntityDef, Platform } from './entity.js';

export interface DeviceFacts {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  /** The page's address (device configuration_url), when HTTP listens. */
  readonly configUrl: string | null;
  readonly model: string;
  readonly baseTopic: string;
  /** Ids of the plugins running now (bridge/info). */
  readonly running: ReadonlySet<string>;
  /** Ids of every plugin in the config's list, whatever its state (bridge/info); absent = turned off. */
  readonly configured: ReadonlySet<string>;
}

/** What was announced before (kept in the plugin's store). */
export interface Known {
  /** Announced with their options. */
  readonly components: Readonly<Record<string, Platform>>;
  /** Sent as removed (`{p}` only). */
  readonly removed: Readonly<Record<string, Platform>>;
}

export interface Discovery {
  readonly payload: Record<string, unknown>;
  /** What is announced now: component id → platform (removed ones excluded). */
  readonly components: Record<string, Platform>;
  /** What is sent as removed (`{p}` only): announced once, absent now. */
  readonly removed: Record<string, Platform>;
}

export const discoveryTopic = (prefix: string, deviceId: string): string => `${prefix}/device/${deviceId}/config`;
export const uniqueId = (deviceId: string, entity: string): string => `loop_${deviceId}_${entity}`;

export function buildDiscovery(
  facts: DeviceFacts,
  ctx: EntityContext,
  defs: readonly EntityDef[],
  previous: Known = { components: {}, removed: {} },
): Discovery {
  const cmps: Record<string, Record<string, unknown>> = {};
  const components: Record<string, Platform> = {};
  const removed: Record<string, Platform> = {};
  for (const def of defs) {
    const runs = facts.running.has(def.needs);
    // Failed or skipped at start: keep what was announced, removing nothing a restart may bring back.
    const held = !runs && facts.configured.has(def.needs) && def.id in previous.components;
    if (!runs && !held) continue;
    if (def.enabled && !def.enabled(ctx)) continue;
    cmps[def.id] = { p: def.platform, unique_id: uniqueId(facts.id, def.id), ...def.options(ctx) };
    components[def.id] = def.platform;
  }
  for (const [id, platform] of Object.entries({ ...previous.removed, ...previous.components })) {
    if (id in cmps) continue;
    cmps[id] = { p: platform };
    removed[id] = platform;
  }
  const device: Record<string, unknown> = {
    identifiers: [`loop_${facts.id}`],
    name: facts.name,
    manufacturer: 'Loop',
    model: facts.model,
    sw_version: facts.version,
  };
  if (facts.configUrl) device.configuration_url = facts.configUrl;
  const origin: Record<string, unknown> = { name: 'Loop', sw_version: facts.version };
  if (facts.configUrl) origin.support_url = facts.configUrl;
  return {
    payload: {
      device,
      origin,
      availability: [{ topic: `${facts.baseTopic}/bridge/state`, value_template: '{{ value_json.state }}' }],
      qos: 1,
      cmps,
    },
    components,
    removed,
  };
}
