// The one JSON schema of Loop's config: core sections here, each built-in plugin's section from
// its own folder (plugins/<id>/config.ts), handed in by the composition root (app/builtin.ts).
// `loop config schema` prints it; config/schema.json is it.
import { Nullable } from '../protocol/envelope.js';
import { DeviceName } from '../protocol/settings.js';
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Port = Type.Integer({ minimum: 0, maximum: 65535 });

export const coreSections = {
  device: Type.Object(
    {
      // `group` is the fleet's group topic tree (`<base_topic>/group/<name>/...`), so no device may be called that.
      id: Nullable(Type.String({ pattern: '^(?![Gg][Rr][Oo][Uu][Pp]$)[A-Za-z0-9_-]+$', maxLength: 64 })),
      name: DeviceName,
    },
    { additionalProperties: false },
  ),
  data: Type.Object({ dir: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  log: Type.Object(
    {
      level: Type.Union([
        Type.Literal('trace'),
        Type.Literal('debug'),
        Type.Literal('info'),
        Type.Literal('warn'),
        Type.Literal('error'),
        Type.Literal('fatal'),
        Type.Literal('silent'),
      ]),
      json: Type.Boolean(),
    },
    { additionalProperties: false },
  ),
  http: Type.Object(
    {
      host: Type.String(),
      port: Port,
      cors_origins: Type.Array(Type.String()),
      allowed_hosts: Type.Array(Type.String({ minLength: 1, pattern: '^[A-Za-z0-9.:_-]+$' })),
      docs_ui: Type.Boolean(),
      body_limit: Type.Integer({ minimum: 1024 }),
      request_timeout_ms: Type.Integer({ minimum: 100, maximum: 600_000 }),
    },
    { additionalProperties: false },
  ),
  mqtt: Type.Object(
    {
      url: Nullable(Type.String({ pattern: '^(mqtts?|wss?|tcp|tls)://' })),
      username: Nullable(Type.String()),
      password: Nullable(Type.String()),
      base_topic: Type.String({ pattern: '^[^#+/]+(/[^#+/]+)*$' }),
      listen: Type.Boolean(),
      host: Nullable(Type.String()),
      port: Port,
      websocket: Type.Boolean(),
      allow_anonymous: Type.Union([Type.Boolean(), Type.Literal('loopback')]),
      users: Type.Array(
        Type.Object(
          {
            username: Type.String({ minLength: 1 }),
            password_hash: Type.String({ pattern: '^scrypt\\$' }),
          },
          { additionalProperties: false },
        ),
      ),
      password_file: Nullable(Type.String()),
      keepalive: Type.Integer({ minimum: 2, maximum: 3600 }),
      groups: Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]+$', maxLength: 64 }), { maxItems: 32 }),
      acl: Nullable(Type.String()),
      acl_file: Nullable(Type.String()),
      client_id_binding: Type.Boolean(),
      limits: Type.Object(
        {
          max_packet_bytes: Type.Integer({ minimum: 1024, maximum: 268_435_455 }),
          max_connections: Type.Integer({ minimum: 1 }),
          connect_timeout_seconds: Type.Number({ minimum: 1, maximum: 600 }),
          retained_messages_per_user: Type.Integer({ minimum: 0 }),
          retained_bytes_per_user: Type.Integer({ minimum: 0 }),
          auth_concurrency: Type.Integer({ minimum: 1, maximum: 16 }),
          auth_queue: Type.Integer({ minimum: 0 }),
          auth_backoff_max_seconds: Type.Number({ minimum: 0, maximum: 3600 }),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
  gateway: Type.Object(
    {
      max_connections: Type.Integer({ minimum: 1 }),
      max_message_bytes: Type.Integer({ minimum: 256 }),
      soft_buffer_bytes: Type.Integer({ minimum: 1024 }),
      hard_buffer_bytes: Type.Integer({ minimum: 1024 }),
      heartbeat_seconds: Type.Number({ minimum: 1 }),
      dashboard_throttle_ms: Type.Integer({ minimum: 0 }),
      token: Nullable(Type.String()),
      max_unauthenticated: Type.Integer({ minimum: 1 }),
      auth_timeout_ms: Type.Integer({ minimum: 100, maximum: 60_000 }),
    },
    { additionalProperties: false },
  ),
  auth: Type.Object(
    {
      mode: Type.Union([Type.Literal('on'), Type.Literal('off')]),
      session_days: Type.Number({ minimum: 0.001, maximum: 3650 }),
      /** Claiming needs the setup code shown on the device's screen; false (an explicit opt-out, warned at start) lets the first visitor claim. */
      claim_code: Type.Boolean(),
    },
    { additionalProperties: false },
  ),
  plugins: Type.Array(Type.String({ minLength: 1 })),
};

/** The built-in plugins' config sections by id (core is given them; it names no plugin). */
export type PluginSchemas = Readonly<Record<string, { readonly configSchema: TSchema }>>;

/** One schema per catalog, so the validator compiled for it is reused (core/config/validate.ts caches by schema). */
const schemas = new WeakMap<PluginSchemas, TSchema>();

/** The whole config's schema: the core sections and an optional section per built-in plugin. */
export function configSchemaFor(plugins: PluginSchemas): TSchema {
  let schema = schemas.get(plugins);
  if (!schema) {
    const sections = Object.fromEntries(Object.entries(plugins).map(([id, p]) => [id, Type.Optional(p.configSchema)]));
    schema = Type.Object({ ...coreSections, ...sections }, { additionalProperties: false });
    schemas.set(plugins, schema);
  }
  return schema;
}

type Core = { [K in keyof typeof coreSections]: Static<(typeof coreSections)[K]> };
/** The validated config. Plugin sections are typed by each plugin from its own schema. */
export type LoopConfig = Core & Record<string, unknown>;
