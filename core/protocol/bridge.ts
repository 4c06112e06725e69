// Topics the core itself publishes: availability and what this device runs.
import { Nullable, Names } from './envelope.js';
import { Type, type Static } from '@sinclair/typebox';
import { PluginEntity } from './entities.js';

export const BridgeState = Type.Object({ state: Names('online', 'offline') });
export type BridgeState = Static<typeof BridgeState>;

export const PluginStatus = Type.Object({
  id: Type.String(),
  state: Names('running', 'failed', 'stopped', 'skipped'),
  error: Type.Optional(Type.String()),
  actions: Type.Array(Type.String()),
  source: Type.String(),
  /** Home Assistant entities the plugin declares (`LoopPlugin.entities`); the homeassistant plugin announces them. */
  entities: Type.Optional(Type.Array(PluginEntity)),
  /** Whatever a plugin reports about itself (e.g. the player: mpv unavailable and why). */
  detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type PluginStatus = Static<typeof PluginStatus>;

export const BridgeInfo = Type.Object({
  version: Type.String(),
  device_id: Type.String(),
  name: Type.String(),
  base_topic: Type.String(),
  config_url: Nullable(Type.String()),
  broker: Names('embedded', 'external'),
  plugins: Type.Array(PluginStatus),
  /** When this run started: tells this run's info from a previous run's (retained on an external broker). */
  started_at: Type.String(),
  /** True once start-up is complete (every listed plugin started, failed or was skipped; HTTP listens) until Loop stops: only then is `plugins` final. */
  ready: Type.Boolean(),
  /** Whether the page needs a login: off, onboarding (no owner yet: anyone may claim it) or on. */
  auth: Type.Optional(Type.Object({ mode: Names('off', 'onboarding', 'on', 'locked') })),
});
export type BridgeInfo = Static<typeof BridgeInfo>;
