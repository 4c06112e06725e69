// Topics the core itself publishes: availability and what this device runs.
import { Nullable } from './envelope.js';
import { Type, type Static } from '@sinclair/typebox';
import { PluginEntity } from './entities.js';

export const BridgeState = Type.Object({ state: Type.Union([Type.Literal('online'), Type.Literal('offline')]) });
export type BridgeState = Static<typeof BridgeState>;

export const PluginStatus = Type.Object({
  id: Type.String(),
  state: Type.Union([Type.Literal('running'), Type.Literal('failed'), Type.Literal('stopped'), Type.Literal('skipped')]),
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
  broker: Type.Union([Type.Literal('embedded'), Type.Literal('external')]),
  plugins: Type.Array(PluginStatus),
  /** When this run started: tells this run's info from a previous run's (retained on an external broker). */
  started_at: Type.String(),
  /** True once start-up is complete (every listed plugin started, failed or was skipped; HTTP listens) until Loop stops: only then is `plugins` final. */
  ready: Type.Boolean(),
  /** Whether the page needs a login: off, onboarding (no owner yet: anyone may claim it) or on. */
  auth: Type.Optional(
    Type.Object({ mode: Type.Union([Type.Literal('off'), Type.Literal('onboarding'), Type.Literal('on'), Type.Literal('locked')]) }),
  ),
});
export type BridgeInfo = Static<typeof BridgeInfo>;
