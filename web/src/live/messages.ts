// The messages /ws sends to the page (docs/websocket.md), typed from core/protocol: no second copy
// of any payload shape. The page connects with `?shapes=contract`, so every event carries its
// topic's payload as the contract declares it (`ready`, never the first version's `completed`).
// `import type` only, so no server code reaches the page's bundle.
import type {
  BridgeEvent,
  BridgeInfo,
  BridgeState,
  DisplayState,
  OwnerSettingsReport,
  LoopState,
  MediaEvent,
  MediaProgress,
  MediaState,
  PlayerPosition,
  PlayerState,
  SystemState,
  WifiNetworks,
  WifiState,
} from '../../../core/protocol/index.js';
import type { Room } from '../../../core/protocol/rooms.js';

export type { Room };

/** What each event carries, by event name: its topic's payload (core/gateway/rooms.ts maps topic → event). */
export interface EventData {
  playback_changed: PlayerState;
  playback_position: PlayerPosition;
  loop_updated: LoopState;
  media_updated: MediaState;
  media_uploaded: MediaEvent;
  media_deleted: MediaEvent;
  media_failed: MediaEvent;
  display_changed: DisplayState;
  upload_progress: MediaProgress;
  processing_progress: MediaProgress;
  wifi_status_changed: WifiState;
  wifi_networks: WifiNetworks;
  system_status_changed: SystemState;
  settings_changed: OwnerSettingsReport;
  bridge_info: BridgeInfo;
  bridge_state: BridgeState;
  notification: BridgeEvent;
  error: BridgeEvent;
}
export type EventName = keyof EventData;

/** Any server message as it arrives (fields by type; see docs/websocket.md). */
export interface ServerMessage {
  type: string;
  data?: unknown;
  room?: string;
  seq?: number;
  snapshot?: boolean;
  success?: boolean;
  message?: string;
  code?: string;
  id?: number | string | null;
  timestamp?: number;
}

/** The REST envelope: `{success, message?, data?, code?}`. */
export interface Envelope<T = unknown> {
  success: boolean;
  message?: string;
  data?: T;
  code?: string;
}
