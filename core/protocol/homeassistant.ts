// The homeassistant plugin's contract: what it publishes beside discovery, and its actions.
// Owned by plugins/homeassistant; extend fields here (never elsewhere).
import { Type, type Static } from '@sinclair/typebox';
import { NoPayload, Nullable, type ActionSpec } from './envelope.js';

/** The last error Loop reported on `bridge/event`, kept (retained) so Home Assistant sees it after a restart. */
export const HaLastError = Type.Object({
  message: Type.String(),
  source: Type.String(),
  type: Type.String(),
  timestamp: Type.String(),
});
export type HaLastError = Static<typeof HaLastError>;

/** The clip playing now under the name Home Assistant's clip select shows (retained; name null when none). */
export const HaClip = Type.Object({ name: Nullable(Type.String()), slug: Nullable(Type.String()) });
export type HaClip = Static<typeof HaClip>;

/** The current clip's thumbnail as JPEG bytes (retained, not JSON: Home Assistant's image entity reads it as is). */
export const HA_THUMBNAIL_TOPIC = 'homeassistant/thumbnail';

const Announced = Type.Object({
  /** The discovery topic (`<prefix>/device/<device_id>/config`). */
  topic: Type.String(),
  /** Component ids announced (removed ones excluded). */
  components: Type.Array(Type.String()),
});

export const homeassistantActions = {
  announce: {
    description: 'Publish the Home Assistant discovery payload now (also after a `remove`, which it undoes).',
    request: NoPayload,
    response: Announced,
  },
  remove: {
    description:
      'Remove this device from Home Assistant (empty retained discovery payload); announces again only after a restart or an `announce`.',
    request: NoPayload,
    response: Type.Object({ topic: Type.String() }),
  },
  play_clip: {
    description: "Play the library item shown under this name in Home Assistant's clip select.",
    request: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
    response: Type.Object({ slug: Type.String() }),
    shorthand: 'name',
    coalesce: true,
  },
} satisfies Record<string, ActionSpec>;
