// The first version's dashboard document (GET /api/dashboard, initial_dashboard, dashboard_update),
// built by core/dashboard.ts from retained state and read by the web page.
import type { V1MediaItem } from './media.js';

export interface V1Processing {
  job_id: string;
  filename: string;
  status: string;
  progress: number;
  stage: string;
  message: string;
  timestamp: number;
}

export interface V1Dashboard {
  status: {
    system: Record<string, unknown>;
    status: 'running';
    timestamp: number;
    player: {
      is_playing: boolean;
      current_media: string | null;
      loop_index: number;
      total_media: number;
      frame_rate: number | null;
      loop_mode: 'all' | 'one';
      state: string;
    };
    wifi: {
      connected: boolean;
      hotspot_active: boolean;
      current_ssid: string | null;
      ip_address: string | null;
      configured_ssid: string | null;
      hotspot_ssid: string | null;
      signal_strength: number | null;
    };
  };
  /** Items in the first version's words (`completed` when playable). */
  media: V1MediaItem[];
  active: string | null;
  loop: string[];
  last_updated: number;
  processing: Record<string, V1Processing>;
}
