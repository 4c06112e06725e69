// Home Assistant entities a plugin offers on its own topics and actions, declared as data
// (`LoopPlugin.entities`) and published per plugin in bridge/info; the homeassistant plugin turns
// them into discovery like its own. Fields are plain values, never templates: the fields a
// sensor reads are names, so nothing a plugin declares can run inside Home Assistant's Jinja.
import { Type, type Static } from '@sinclair/typebox';

/** The end of the component id (`<plugin>_<id>`) and of its unique_id. */
const EntityId = Type.String({ pattern: '^[a-z0-9_]{1,40}$' });
/** What Home Assistant shows. */
const EntityName = Type.String({ minLength: 1, maxLength: 64 });
const Icon = Type.String({ pattern: '^mdi:[a-z0-9-]{1,64}$' });

/** A value read from one field of one of the plugin's state topics. */
export const SensorEntity = Type.Object(
  {
    platform: Type.Literal('sensor'),
    id: EntityId,
    name: EntityName,
    /** The state topic, relative to the base topic (e.g. `play_counter`). */
    topic: Type.String({ pattern: '^[a-z0-9_]+(/[a-z0-9_]+)*$', maxLength: 128 }),
    /** The JSON field shown; dots reach into nested objects (`disk.free`). */
    field: Type.String({ pattern: '^[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*$', maxLength: 128 }),
    unit: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
    device_class: Type.Optional(Type.String({ pattern: '^[a-z_]{1,32}$' })),
    state_class: Type.Optional(Type.Union([Type.Literal('measurement'), Type.Literal('total'), Type.Literal('total_increasing')])),
    icon: Type.Optional(Icon),
  },
  { additionalProperties: false },
);

/** A button that runs one of the plugin's actions, with no payload (`<plugin>/set`). */
export const ButtonEntity = Type.Object(
  {
    platform: Type.Literal('button'),
    id: EntityId,
    name: EntityName,
    /** One of the plugin's declared actions that needs no payload. */
    action: Type.String({ pattern: '^[a-z0-9_]{1,64}$' }),
    icon: Type.Optional(Icon),
  },
  { additionalProperties: false },
);

export const PluginEntity = Type.Union([SensorEntity, ButtonEntity]);
export type PluginEntity = Static<typeof PluginEntity>;
