// The `player` state as published, from what the supervisor, the loop and the player know. Pure:
// the player service gathers the facts (player.ts), this says what they read as.
import type { LoopState, MediaItem, PlayerState, PlayerStateName } from '../../core/protocol/index.js';
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
