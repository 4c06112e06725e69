// The contract's state in one document (GET /api/state): the last value of each retained topic a
// page shows, keyed by topic, and the media jobs in progress. What the page reads while its
// socket is down, in the same shapes the socket gives it (no first-version words).
import { Type, type Static } from '@sinclair/typebox';
import { BridgeInfo } from './bridge.js';
import { DisplayState } from './display.js';
import { LoopState } from './loop.js';
import { MediaProgress, MediaState } from './media.js';
import { PlayerState } from './player.js';
import { OwnerSettingsReport } from './settings.js';
import { SystemState } from './system.js';
import { WifiNetworks, WifiState } from './wifi.js';

/** Each topic is absent until its plugin has published it. */
export const StateTopics = Type.Object({
  player: Type.Optional(PlayerState),
  loop: Type.Optional(LoopState),
  media: Type.Optional(MediaState),
  wifi: Type.Optional(WifiState),
  'wifi/networks': Type.Optional(WifiNetworks),
  display: Type.Optional(DisplayState),
  system: Type.Optional(SystemState),
  settings: Type.Optional(OwnerSettingsReport),
  'bridge/info': Type.Optional(BridgeInfo),
});
export type StateTopics = Static<typeof StateTopics>;
export type StateTopic = keyof StateTopics;
export const STATE_TOPICS = Object.keys(StateTopics.properties) as StateTopic[];

export const StateDocument = Type.Object({
  topics: StateTopics,
  /** Jobs not yet done or failed (a finished job leaves the list; its item tells the outcome). */
  jobs: Type.Array(MediaProgress),
});
export type StateDocument = Static<typeof StateDocument>;
