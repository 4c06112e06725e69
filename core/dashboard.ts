// What a page sees of the bus in one document, assembled from retained state plus the jobs in
// progress: the contract's state document (GET /api/state, the page's polling fallback and its
// snapshots), and the first version's dashboard (GET /api/dashboard, the gateway's
// initial_dashboard and dashboard_update, for the first version's clients).
import type { Bus } from './bus/bus.js';
import { toV1Item, type V1Dashboard, type V1Processing, type MediaProgress, type StateDocument } from './protocol/index.js';

export type { V1Dashboard, V1Processing };

/** Keeps what the dashboard needs beyond retained state: the jobs in progress. */
export class DashboardView {
  private readonly jobs = new Map<string, MediaProgress>();
  private readonly off: () => void;

  constructor(private readonly bus: Bus) {
    this.off = bus.subscribe('media/progress', (p) => {
      if (p.stage === 'done' || p.stage === 'failed') this.jobs.delete(p.job_id);
      else this.jobs.set(p.job_id, p);
    });
  }

  /** Jobs not yet done or failed, oldest first. */
  jobsInProgress(): MediaProgress[] {
    return [...this.jobs.values()];
  }

  /** The contract's state in one document: each retained topic a page shows, and the jobs. */
  state(): StateDocument {
    const { bus } = this;
    return {
      topics: {
        player: bus.last('player'),
        loop: bus.last('loop'),
        media: bus.last('media'),
        wifi: bus.last('wifi'),
        'wifi/networks': bus.last('wifi/networks'),
        display: bus.last('display'),
        system: bus.last('system'),
        settings: bus.last('settings'),
        'bridge/info': bus.last('bridge/info'),
      },
      jobs: this.jobsInProgress(),
    };
  }

  /** The first version's dashboard document. */
  build(): V1Dashboard {
    const player = this.bus.last('player');
    const loop = this.bus.last('loop');
    const media = this.bus.last('media');
    const wifi = this.bus.last('wifi');
    const system = this.bus.last('system');
    const stamps = [player?.updated_at, loop?.updated_at, media?.updated_at].filter((s): s is string => !!s).map((s) => Date.parse(s));
    const processing: Record<string, V1Processing> = {};
    for (const j of this.jobs.values()) {
      processing[j.job_id] = {
        job_id: j.job_id,
        filename: j.filename,
        status: j.stage === 'queued' ? 'queued' : 'processing',
        progress: j.percent,
        stage: j.stage,
        message: j.message ?? '',
        timestamp: Date.parse(j.timestamp) / 1000,
      };
    }
    return {
      status: {
        system: system ?? {},
        status: 'running',
        timestamp: Date.now() / 1000,
        player: {
          is_playing: player?.state === 'playing',
          current_media: player?.slug ?? loop?.active ?? null,
          loop_index: player?.index ?? loop?.current_index ?? 0,
          total_media: loop?.items.length ?? 0,
          frame_rate: player?.frame_rate ?? null,
          loop_mode: player?.loop_mode ?? loop?.mode ?? 'all',
          state: player?.state ?? 'unavailable',
        },
        wifi: {
          connected: wifi?.connected ?? false,
          hotspot_active: wifi?.hotspot.active ?? false,
          current_ssid: wifi?.ssid ?? null,
          ip_address: wifi?.ip ?? null,
          configured_ssid: wifi?.configured_ssid ?? null,
          hotspot_ssid: wifi?.hotspot.ssid ?? null,
          signal_strength: wifi?.signal ?? null,
        },
      },
      media: media?.items.map(toV1Item) ?? [],
      active: loop?.active ?? null,
      loop: loop?.items.map((i) => i.slug) ?? [],
      last_updated: stamps.length ? Math.max(...stamps) / 1000 : Date.now() / 1000,
      processing,
    };
  }

  close(): void {
    this.off();
  }
}
