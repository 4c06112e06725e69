// What the player says: how what is on screen plays, as mpv reports it (pause, position, length,
// frame rate) with the idle card's text; the published `player` state from those facts and the
// service's (pure: playerStateOf), retained on every change but the clock; `player/position` at
// most once a tick.
import type { PluginContext } from '../../core/plugins/api.js';
import type { LoopState, MediaItem, PlayerState, PlayerStateName } from '../../core/protocol/index.js';
import type { Cues } from './cues.js';
import type { MpvPlaylist } from './mpv-playlist.js';
import type { MpvPhase } from './mpv-supervisor.js';
import type { PlaylistEntry } from './playlist.js';

export interface StateFacts {
  phase: MpvPhase;
  reason: string | null;
  stopped: boolean;
  paused: boolean;
  /** The clip (or still) on screen: a playlist entry, or the clip of a timeline's segment. */
  clip: PlaylistEntry | null;
  loop: LoopState | undefined;
  library: ReadonlyMap<string, MediaItem>;
  position: number | null;
  /** mpv's (or the timeline segment's) length of the clip, when known. */
  duration: number | null;
  frameRate: number | null;
  volume: number;
  muted: boolean;
  /** The idle card's text, shown when nothing plays. */
  screen: string | null;
  cue: number;
}

export function stateNameOf(f: Pick<StateFacts, 'phase' | 'stopped' | 'paused' | 'clip'>): PlayerStateName {
  if (f.phase === 'unavailable' || f.phase === 'error') return f.phase;
  if (f.phase === 'restarting' || f.phase === 'starting') return 'restarting';
  if (f.stopped) return 'stopped';
  if (!f.clip) return 'idle';
  return f.paused ? 'paused' : 'playing';
}

export function playerStateOf(f: StateFacts): PlayerState {
  const clip = f.clip;
  const slug = clip?.slug ?? null;
  const still = clip?.kind === 'image' ? clip.options['image-display-duration'] : undefined;
  return {
    state: stateNameOf(f),
    reason: f.reason,
    slug,
    title: clip?.title ?? null,
    index: slug === null || !f.loop ? -1 : f.loop.items.findIndex((i) => i.slug === slug),
    position: f.position,
    duration:
      clip?.kind === 'video' ? (f.duration ?? f.library.get(slug ?? '')?.duration ?? null) : typeof still === 'number' ? still : null,
    volume: f.volume,
    muted: f.muted,
    loop_mode: f.loop?.mode ?? 'all',
    frame_rate: clip?.kind === 'video' ? f.frameRate : null,
    kind: clip?.kind ?? null,
    screen: clip ? null : f.screen,
    cue: f.cue,
    updated_at: new Date().toISOString(),
  };
}

/** What the service knows that the report does not. */
export type ServiceFacts = Omit<StateFacts, 'paused' | 'position' | 'duration' | 'frameRate' | 'screen' | 'clip' | 'cue'>;

export class PlayerReport {
  paused = false;
  position: number | null = null;
  /** mpv's (or the timeline segment's) length of the clip, when known. */
  private duration: number | null = null;
  private frameRate: number | null = null;
  /** The idle card's text while it is on screen. */
  screen: string | null = null;
  private lastPublished = '';
  private lastTick = '';

  constructor(
    private readonly ctx: PluginContext,
    private readonly playlist: MpvPlaylist,
    private readonly cues: Cues,
    private readonly facts: () => ServiceFacts,
  ) {}

  /** A file (or a timeline) started from its beginning. */
  started(): void {
    this.position = 0;
    this.duration = null;
    void this.publish();
  }

  /** Nothing plays any more. */
  cleared(): void {
    this.position = null;
    this.duration = null;
  }

  /** An observed mpv property changed. */
  property(name: string, value: unknown): void {
    const num = typeof value === 'number' && Number.isFinite(value) ? value : null;
    const { timeline, current } = this.playlist;
    if (timeline.property(name, value) && current) {
      // Another segment of the timeline on screen: a clip started (or a pass of it, or its length became known).
      this.duration = timeline.length;
      this.cues.show(current.cue);
      void this.publish();
    }
    switch (name) {
      case 'pause':
        this.paused = value === true;
        void this.publish();
        break;
      case 'time-pos':
        this.position = num === null ? null : Math.max(0, num - timeline.offset);
        break;
      case 'duration':
        if (this.playlist.clip?.kind === 'video' && num !== null && this.duration === null && !timeline.active) {
          this.duration = num;
          void this.publish();
        }
        break;
      case 'container-fps':
        if (num !== null && num !== this.frameRate) {
          this.frameRate = num;
          void this.publish();
        }
        break;
      case 'volume':
      case 'mute':
        void this.publish();
        break;
      default:
        break;
    }
  }

  stateName(): PlayerStateName {
    const { phase, stopped } = this.facts();
    return stateNameOf({ phase, stopped, paused: this.paused, clip: this.playlist.clip });
  }

  snapshot(): PlayerState {
    const { paused, position, duration, frameRate, screen } = this;
    return playerStateOf({
      ...this.facts(),
      ...{ paused, position, duration, frameRate, screen },
      ...{ clip: this.playlist.clip, cue: this.cues.shown },
    });
  }

  /** Publishes `player` when something other than the clock changed. */
  async publish(): Promise<void> {
    const state = this.snapshot();
    const { updated_at: _u, position: _p, ...significant } = state;
    const key = JSON.stringify(significant);
    if (key === this.lastPublished) return;
    this.lastPublished = key;
    await this.ctx.bus
      .publish('player', state, { retain: true })
      // Only while the bus is closing (Loop stops) or reconnecting, which republishes retained state.
      .catch((err: Error) => this.ctx.log.debug({ err: err.message }, 'player state not published'));
  }

  /** The clock: `player/position` when the position moved. */
  async tick(): Promise<void> {
    const slug = this.playlist.clip?.slug ?? null;
    if (slug === null || this.position === null) return;
    const pos = Math.round(this.position * 10) / 10;
    const key = `${slug}:${pos}`;
    if (key === this.lastTick) return;
    this.lastTick = key;
    // The next tick says it again, so a lost one is not worth a warning.
    await this.ctx.bus
      .publish('player/position', { slug, position: pos, duration: this.snapshot().duration })
      .catch((err: Error) => this.ctx.log.debug({ err: err.message }, 'position not published'));
  }
}
