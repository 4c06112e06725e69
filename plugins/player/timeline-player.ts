// The IPC-facing side of the timeline (timeline.ts): which clip of the playing timeline is on
// screen, from mpv's observed `chapter` and `chapter-list` (no polling), the position and length
// inside that clip, and the cut that ends the timeline at the next clip boundary so a new one (an
// edited loop) takes over there without interrupting the clip on screen.
import type { MpvIpc } from './mpv-ipc.js';
import type { PlaylistEntry } from './playlist.js';
import {
  afterCurrent,
  asTimeline,
  mapChapters,
  passAt,
  passesOf,
  segmentAt,
  segmentEnd,
  segmentLength,
  type ChapterMark,
  type SegmentMap,
  type TimelineMode,
} from './timeline.js';

/** The properties the player observes for this (besides `duration` and `time-pos`). */
export const TIMELINE_OBSERVED = ['chapter-list', 'chapter'] as const;

export class TimelineTracker {
  /** The timeline entry mpv plays, or null while a plain file plays. */
  private playing: PlaylistEntry | null = null;
  private list: ChapterMark[] | null = null;
  private chapter: number | null = null;
  private total: number | null = null;
  private map: SegmentMap | null = null;
  private segment = 0;
  /** A cut asked for before mpv had loaded the timeline (no chapters yet): made once they come. */
  private pendingCut: MpvIpc | null = null;
  /** Timelines mpv failed to open although their files exist: played as a playlist instead. */
  private readonly refused = new Set<string>();

  constructor(private readonly mode: TimelineMode) {}

  /** The plan as mpv should hold it: one timeline when it fits (less `skip` passes moved to its end), else the plan itself. */
  shape(plan: PlaylistEntry[], skip = 0): PlaylistEntry[] {
    const shaped = asTimeline(plan, this.mode, skip);
    return shaped[0]?.segments && this.refused.has(shaped[0].path) ? plan : shaped;
  }

  /**
   * What a rebuild appends after the pass on screen (`plan` starts with the clip on screen): a
   * timeline starting with the next pass (of this clip, if the plan gives it more than have played
   * on a timeline; a plain file plays the passes the plan gives it itself), else the playlist after it.
   */
  after(plan: PlaylistEntry[], onTimeline: boolean): PlaylistEntry[] {
    const passes = plan[0] ? passesOf(plan[0]) : 1;
    return this.fits(plan) ? this.shape(plan, onTimeline ? Math.min(this.pass, passes) : passes) : afterCurrent(plan);
  }

  /** Whether this plan would be played as a timeline. */
  fits(plan: PlaylistEntry[]): boolean {
    return this.shape(plan)[0]?.segments !== undefined;
  }

  /** mpv could not open this timeline although its files exist: never try it again in this run. */
  refuse(entry: PlaylistEntry): void {
    this.refused.add(entry.path);
  }

  /** A playlist entry started (or nothing plays, for null): forget the last timeline's chapters. */
  started(entry: PlaylistEntry | null): void {
    this.playing = entry?.segments ? entry : null;
    this.list = null;
    this.chapter = null;
    this.total = null;
    this.map = null;
    this.segment = 0;
    this.pendingCut = null;
  }

  /** Whether the entry on screen is a timeline. */
  get active(): boolean {
    return this.playing !== null;
  }

  /** The clip on screen when a timeline plays (null for a plain file: the entry itself is the clip). */
  get clip(): PlaylistEntry | null {
    return this.playing?.segments?.[this.segment] ?? null;
  }

  /** Which pass of the clip on screen plays (1 for a plain file: its loop-file passes are mpv's). */
  get pass(): number {
    return this.playing?.segments ? passAt(this.playing.segments, this.segment) : 1;
  }

  /** Where the clip on screen starts on the timeline (0 for a plain file). */
  get offset(): number {
    return (this.map && this.map.starts[this.segment]) ?? 0;
  }

  /** How long the clip on screen lasts (one pass), when the timeline says. */
  get length(): number | null {
    return this.map ? segmentLength(this.map, this.segment, this.total) : null;
  }

  /**
   * An observed property: true when the clip on screen (or what is known of it) changed. A
   * repeat of the same clip (the next segment of one run) is a change of segment, not of clip.
   */
  property(name: string, value: unknown): boolean {
    if (!this.playing) return false;
    const segments = this.playing.segments as readonly PlaylistEntry[];
    switch (name) {
      case 'chapter-list':
        this.list = Array.isArray(value) ? (value as ChapterMark[]) : null;
        this.map = this.list ? mapChapters(this.list, segments.length) : null;
        // Fails only when mpv died: the restart plans afresh, so no cut is owed any more.
        if (this.map && this.pendingCut) void this.cut(this.pendingCut).catch(() => undefined);
        break;
      case 'chapter':
        this.chapter = typeof value === 'number' ? value : null;
        break;
      case 'duration':
        this.total = typeof value === 'number' && Number.isFinite(value) ? value : null;
        return false;
      default:
        return false;
    }
    const k = this.map ? segmentAt(this.map, this.chapter) : null;
    if (k === null) return name === 'chapter-list' && this.map !== null;
    const before = this.segment;
    this.segment = k;
    return k !== before || name === 'chapter-list';
  }

  /**
   * Ends the timeline on screen where the pass on screen ends, instead of looping round: the
   * entries appended after it take over there. (The timeline's own `end=none` comes back when it
   * ends, so nothing leaks into the next entry.)
   */
  async cut(mpv: MpvIpc): Promise<void> {
    // Not loaded yet (it has only just started): the cut is made when its chapters come.
    this.pendingCut = this.map ? null : mpv;
    const end = this.map ? segmentEnd(this.map, this.segment) : null;
    await mpv.setProperty('end', end === null ? 'none' : end.toFixed(6));
    await mpv.setProperty('loop-file', 'no');
  }
}
