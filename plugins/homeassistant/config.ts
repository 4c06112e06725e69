// The homeassistant plugin's config section (config/default.yaml `homeassistant:`).
import { Type, type Static } from '@sinclair/typebox';

export const homeassistantConfig = Type.Object(
  {
    /** Home Assistant's discovery prefix (its MQTT integration setting; `homeassistant` unless changed there). */
    discovery_prefix: Type.String({ pattern: '^[^#+/]+(/[^#+/]+)*$' }),
    /** Most milliseconds to wait, at random, before re-announcing when Home Assistant comes online (spreads a fleet). */
    announce_delay_ms: Type.Integer({ minimum: 0, maximum: 60_000 }),
    /** Publish the current clip's thumbnail (JPEG bytes) for Home Assistant's image entity. */
    thumbnail: Type.Boolean(),
    /** Seconds a notification (Home Assistant notify entity) stays on screen. */
    notify_seconds: Type.Number({ minimum: 0.5, maximum: 60 }),
  },
  { additionalProperties: false },
);
export type HomeassistantConfig = Static<typeof homeassistantConfig>;
