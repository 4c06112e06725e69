// What mpv holds: the entries the player loaded (a loop of clips as one `edl://` timeline, else a
// playlist), which of them plays, and the operations on them: load a plan afresh, rebuild around
// the entry on screen without interrupting it, switch to a new timeline at the next pass boundary,
// and retire an entry whose own options no longer match the plan. It carries out; the player
// service decides (decide.ts) when.
import type { LoopState, MediaItem } from '../../core/protocol/index.js';
import type { MpvIpc } from './mpv-ipc.js';
import { passLoopOf, resumedOptions, type Options } from './decide.js';
import { planFrom, planKey, sameOptions, type PlaylistEntry } from './playlist.js';
import { TimelineTracker } from './timeline-player.js';
import { setTimeout as delay } from 'node:timers/promises';
import type { TimelineMode } from './timeline.js';

/** How close to a timeline clip's end an edit waits for that end (a rebuild's round trips on a busy Pi). */
const LATE_EDIT_SECONDS = 0.3;
/** The longest an edit waits for a boundary, however slow the last rebuild was. */
const LATE_EDIT_MAX_SECONDS = 1.5;
/** After the boundary, how long mpv takes to report the next chapter. */
const BOUNDARY_SETTLE_SECONDS = 0.08;

export interface Loaded {
  entry: PlaylistEntry;
  /** The loop's cue this entry was loaded for. */
  cue: number;
  /** The per-file options mpv holds for this entry; it applies them again at every pass. */
  options: Options;
}

export class MpvPlaylist {
  private loaded = new Map<number, Loaded>();
  private currentId: number | null = null;
  private playing: Loaded | null = null;
  /** An entry whose own options no longer match the plan: removed once another entry starts (a fresh copy follows it). */
  private retiring: number | null = null;
  /** Seconds the last rebuild around the clip on screen took (the late-edit guard grows with it). */
  private lastRebuildSeconds = 0;
  /** The loop-file of the pass on screen (what its entry said, or what the player set since). */
  private passLoop = 'no';
  /** planKey of the plan mpv holds (null: none). */
  applied: string | null = null;
  /** Which clip of a playing timeline is on screen (timeline-player.ts). */
  readonly timeline: TimelineTracker;

  /** `onStart`: an entry of ours started on screen. */
  constructor(
    mode: TimelineMode,
    private readonly onStart: (loaded: Loaded) => void,
  ) {
    this.timeline = new TimelineTracker(mode);
  }

  /** The entry that plays. */
  get current(): Loaded | null {
    return this.playing;
  }

  /** The clip on screen: the entry that plays, or the clip of the timeline's segment on screen. */
  get clip(): PlaylistEntry | null {
    return this.playing ? (this.timeline.clip ?? this.playing.entry) : null;
  }

  /** Whether mpv holds anything of ours. */
  get holdsAny(): boolean {
    return this.playing !== null || this.loaded.size > 0;
  }

  /** Whether a retire is due now that `id` started. */
  get retireDue(): boolean {
    return this.retiring !== null && this.currentId !== this.retiring;
  }

  entryOf(id: unknown): PlaylistEntry | null {
    return typeof id === 'number' ? (this.loaded.get(id)?.entry ?? null) : null;
  }

  /** mpv holds nothing we know of (a new mpv, a dead one, an emptied playlist). */
  forget(): void {
    this.loaded.clear();
    this.retiring = null;
    this.playing = null;
    this.currentId = null;
    this.applied = null;
    this.timeline.started(null);
  }

  /** mpv's start-file: entry `id` plays now. */
  started(id: number | null): void {
    this.currentId = id;
    const loaded = id === null ? undefined : this.loaded.get(id);
    if (loaded) this.begin(loaded);
  }

  private begin(loaded: Loaded): void {
    this.playing = loaded;
    this.timeline.started(loaded.entry);
    this.passLoop = String(loaded.options['loop-file'] ?? 'no');
    this.onStart(loaded);
  }

  private register(id: number, loaded: Loaded): void {
    this.loaded.set(id, loaded);
    // mpv may announce start-file before answering loadfile.
    if (this.currentId === id && this.playing !== loaded) this.begin(loaded);
  }

  private async append(mpv: MpvIpc, entry: PlaylistEntry, cue: number): Promise<void> {
    this.register(await mpv.load(entry.path, 'append', entry.options), { entry, cue, options: entry.options });
  }

  /**
   * Replaces mpv's playlist with the loop rotated to start at `target`; `resumeAt` (a crash
   * interrupted it there) starts its first pass mid-clip. Returns false when nothing is playable.
   */
  async loadFresh(
    mpv: MpvIpc,
    loop: LoopState,
    library: ReadonlyMap<string, MediaItem>,
    target: string,
    resumeAt: number | null,
    play: boolean,
  ): Promise<boolean> {
    const [first, ...rest] = this.timeline.shape(planFrom(loop, library, target));
    if (!first) return false;
    const firstOptions = resumedOptions(first.options, resumeAt);
    const cue = loop.cue;
    this.loaded.clear();
    this.retiring = null;
    const id = await mpv.load(first.path, 'replace', firstOptions);
    this.register(id, { entry: first, cue, options: firstOptions });
    if (play) await mpv.resume();
    for (const e of rest) await this.append(mpv, e, cue);
    if (!sameOptions(firstOptions, first.options)) await this.replaceWhenDone(mpv, id, first, cue);
    this.applied = planKey(loop, library, target);
    return true;
  }

  /**
   * Rewrites the playlist around the entry that plays now, without interrupting it. Returns false
   * when nothing of the loop plays any more (the caller loads afresh).
   */
  async rebuildKeeping(mpv: MpvIpc, loop: LoopState, library: ReadonlyMap<string, MediaItem>): Promise<boolean> {
    await this.pastLateBoundary(mpv);
    const started = performance.now();
    try {
      return await this.rebuildNow(mpv, loop, library);
    } finally {
      this.lastRebuildSeconds = (performance.now() - started) / 1000;
    }
  }

  private async rebuildNow(mpv: MpvIpc, loop: LoopState, library: ReadonlyMap<string, MediaItem>): Promise<boolean> {
    await mpv.command('playlist-clear');
    const list = (await mpv.getProperty('playlist')) as Array<{ id: number; filename: string }> | null;
    const kept = list?.[0];
    const keptEntry = kept ? this.loaded.get(kept.id) : undefined;
    // A timeline's clip on screen is the one of its segment on screen.
    const slug = keptEntry === this.playing ? this.clip?.slug : keptEntry?.entry.slug;
    if (!kept || !keptEntry || !slug || !loop.order.includes(slug) || !library.has(slug)) return false;
    const plan = planFrom(loop, library, slug);
    const [planned, ...rest] = plan;
    this.loaded = new Map([[kept.id, keptEntry]]);
    this.retiring = null;
    if (keptEntry.entry.segments || this.timeline.fits(plan)) {
      await this.switchAtBoundary(mpv, kept.id, keptEntry, plan);
    } else {
      for (const e of rest) await this.append(mpv, e, keptEntry.cue);
      if (planned) {
        // The pass on screen ends as the plan now says (mode switched, no longer alone, repeat changed)...
        if (planned.kind === 'video') await this.setPassLoop(mpv, passLoopOf(planned.options, keptEntry.options));
        keptEntry.entry = planned;
        // ...but mpv applies the entry's own options again when the playlist comes round to it:
        // an entry whose options no longer match the plan is replaced once it has finished.
        if (!sameOptions(keptEntry.options, planned.options)) await this.replaceWhenDone(mpv, kept.id, planned, keptEntry.cue);
      }
    }
    this.applied = planKey(loop, library, planned?.slug ?? slug);
    return true;
  }

  /**
   * A rebuild cuts the timeline at the end of the clip on screen a few IPC round trips after it
   * looked; an edit in that clip's last moments would cut after the boundary had passed, and the
   * old next clip flashed (issue 26: 14 of 24 edits in the last 120 ms). Such an edit waits for the
   * boundary: the next clip then plays whole and the edit takes over after it.
   */
  private async pastLateBoundary(mpv: MpvIpc): Promise<void> {
    const length = this.timeline.active ? this.timeline.length : null;
    if (length === null) return;
    const pos = (await mpv.getProperty('time-pos')) as number | null;
    const left = pos === null ? null : this.timeline.offset + length - pos;
    // The chapter change that follows the boundary updates the clip on screen meanwhile (report.ts).
    if (left !== null && left > 0 && left < this.lateEditSeconds) await delay((left + BOUNDARY_SETTLE_SECONDS) * 1000);
  }

  /**
   * How close to the end an edit waits: 300 ms, or twice what the last rebuild took when that was
   * longer (a busy machine: a 240 ms rebuild still let the old next clip flash), at most 1.5 s.
   */
  private get lateEditSeconds(): number {
    return Math.min(LATE_EDIT_MAX_SECONDS, Math.max(LATE_EDIT_SECONDS, 2 * this.lastRebuildSeconds));
  }

  /**
   * A timeline plays, or the plan becomes one: what follows the pass on screen is appended (as a
   * timeline when it fits), the entry on screen is cut where that pass ends (a plain file: after
   * the passes the plan gives it), and retired once the next starts. The clip on screen is never
   * interrupted; that boundary is one file boundary (a playlist-like transition, docs/performance.md).
   */
  private async switchAtBoundary(mpv: MpvIpc, id: number, kept: Loaded, plan: PlaylistEntry[]): Promise<void> {
    const [planned] = plan;
    for (const e of this.timeline.after(plan, kept.entry.segments !== undefined)) await this.append(mpv, e, kept.cue);
    if (kept.entry.segments) await this.timeline.cut(mpv);
    else if (planned) await this.setPassLoop(mpv, String(planned.options['loop-file'] ?? 'no'));
    this.retiring = id;
  }

  private async setPassLoop(mpv: MpvIpc, pass: string): Promise<void> {
    if (pass === this.passLoop) return;
    await mpv.setProperty('loop-file', pass);
    this.passLoop = pass;
  }

  /** Appends a fresh copy of `entry` (the plan's options) and retires entry `id` once another starts. */
  private async replaceWhenDone(mpv: MpvIpc, id: number, entry: PlaylistEntry, cue: number): Promise<void> {
    await this.append(mpv, entry, cue);
    this.retiring = id;
  }

  /** Removes the retiring entry from mpv's playlist, unless it came round again meanwhile. */
  async retire(mpv: MpvIpc): Promise<void> {
    const id = this.retiring;
    if (id === null) return;
    const list = (await mpv.getProperty('playlist')) as Array<{ id: number; current?: boolean }> | null;
    const i = list?.findIndex((e) => e.id === id) ?? -1;
    if (i >= 0 && list?.[i]?.current) return;
    if (i >= 0) await mpv.command('playlist-remove', i);
    this.loaded.delete(id);
    if (this.retiring === id) this.retiring = null;
  }
}
