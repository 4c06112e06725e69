// The messages /ws sends (docs/websocket.md), typed from core/protocol: no second copy of any
// payload shape. `import type` only, so no server code reaches the page's bundle.
import type {
  BridgeEvent,
  BridgeInfo,
  BridgeState,
  Dashboard,
  LoopState,
  MediaProgress,
  MediaState,
  SeedMediaItem,
  PlayerPosition,
  PlayerState,
  SystemState,
  WifiState,
  DisplayState,
  WifiNetworks,
} from '../../../core/protocol/index.js';
import type { Room } from '../../../core/gateway/rooms.js';

export type { Dashboard, Room };

/** What a room's events carry, by event name (the gateway's shapes, core/gateway/rooms.ts). */
export interface EventData {
  initial_dashboard: Dashboard;
  dashboard_update: Dashboard;
  playback_changed: { player: PlayerState & { is_playing: boolean; current_media: string | null; loop_index: number } };
  playback_position: PlayerPosition;
  loop_updated: LoopState & { loop: string[] };
  /** The library with items in the first version's words (`completed` when playable). */
  media_updated: Omit<MediaState, 'items'> & { items: SeedMediaItem[] };
  media_uploaded: { type: 'added'; slug: string; item?: SeedMediaItem };
  media_deleted: { slug: string };
  media_failed: { type: 'failed'; slug: string; item?: SeedMediaItem };
  display_changed: DisplayState;
  upload_progress: MediaProgress;
  processing_progress: MediaProgress;
  wifi_status_changed: WifiState;
  wifi_networks: WifiNetworks;
  system_status_changed: SystemState;
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

/** The REST envelope (first version's): `{success, message?, data?, code?}`. */
export interface Envelope<T = unknown> {
  success: boolean;
  message?: string;
  data?: T;
  code?: string;
}
