// What the player does when the loop, the library or its own state changed: show the idle card,
// keep what plays, rebuild the playlist around it, or load an item afresh. Pure (the player service
// carries it out), so it is tested by a table (test/unit/player-decide.test.ts).
import type { LoopState, MediaItem } from '../../core/protocol/index.js';
import { planKey, startSlug } from './playlist.js';

export type IdleWhy = 'empty' | 'stopped' | 'waiting';

export interface Facts {
  loop: LoopState | undefined;
  library: ReadonlyMap<string, MediaItem>;
  /** The loop's cue is one the player has not acted on: start its active item afresh. */
  fresh: boolean;
  /** A person pressed stop (and no fresh cue came since). */
  stopped: boolean;
  /** The item on screen, if any. */
  playing: string | null;
  /** planKey of the playlist mpv holds. */
  applied: string | null;
  /** An item asked for while it was not playable: played as soon as it is. */
  wanted: string | null;
  /** The item mpv played when it died: played again after a restart. */
  resume: string | null;
}

/** Every decision says what `wanted` becomes. */
export type Decision =
  | { act: 'idle'; why: IdleWhy; wanted: string | null }
  | { act: 'keep'; wanted: string | null }
  | { act: 'rebuild'; wanted: string | null }
  | { act: 'load'; target: string; unpause: boolean; wanted: string | null };

export function decide(f: Facts): Decision {
  const loop = f.loop;
  if (!loop) return { act: 'idle', why: 'empty', wanted: null };
  const resume = f.fresh ? null : f.resume;
  let wanted = f.fresh ? null : f.wanted;
  if (f.stopped && !f.fresh) return { act: 'idle', why: 'stopped', wanted };
  if (wanted !== null && !loop.order.includes(wanted)) wanted = null;
  // The item asked for became playable: switch to it.
  if (wanted !== null && f.library.has(wanted)) {
    if (f.playing !== wanted) return { act: 'load', target: wanted, unpause: false, wanted: null };
    wanted = null;
  }
  const playing = f.playing;
  if (!f.fresh && playing !== null && loop.order.includes(playing) && f.library.has(playing)) {
    return planKey(loop, f.library, playing) === f.applied ? { act: 'keep', wanted } : { act: 'rebuild', wanted };
  }
  const preferred = resume ?? loop.active;
  const target = startSlug(loop, f.library, preferred);
  if (target === null) return { act: 'idle', why: loop.items.length ? 'waiting' : 'empty', wanted: preferred };
  // A stand-in plays while `preferred` is not playable yet.
  return { act: 'load', target, unpause: f.fresh, wanted: preferred !== null && preferred !== target ? preferred : null };
}

/** An entry's per-file options, as mpv holds them. */
export type Options = Record<string, string | number>;

/**
 * The first entry of a load that resumes mid-clip (a crash interrupted it at `position`): `start`
 * must not outlive this pass (a loop-file would seek back to it, and so would every later pass),
 * so this entry plays once from there and a fresh copy follows it.
 */
export function resumedOptions(options: Options, position: number | null): Options {
  if (!position) return options;
  const { 'loop-file': loopFile, ...rest } = options;
  return { ...rest, 'loop-file': loopFile === 'inf' ? 'no' : (loopFile ?? 'no'), start: position.toFixed(3) };
}

/** The loop-file for the pass on screen when a rebuild keeps it: the plan's, but a resumed pass plays once. */
export function passLoopOf(planned: Options, kept: Options): string {
  const loopFile = String(planned['loop-file'] ?? 'no');
  return loopFile === 'inf' && kept.start !== undefined ? 'no' : loopFile;
}

/** What mpv failing to open an entry means (`gone`: its files missing on disk; `timeline`: it is one). */
export type FileFailure = 'replan' | 'refuse_timeline' | 'ignore' | 'report';

export function onFileFailed(f: { gone: boolean; timeline: boolean }): FileFailure {
  // One bad segment fails a whole timeline: plan again, without the missing file...
  if (f.timeline) return f.gone ? 'replan' : 'refuse_timeline';
  // ...a file gone is left out of the next plan (the loop marks it); mpv went on with the next entry.
  return f.gone ? 'ignore' : 'report';
}

/**
 * mpv went idle while it held our playlist: every entry failed. Files that exist but cannot play
 * (e.g. no video output) are an error; files that vanished (the library deleted them, its event may
 * come a moment later) are not mpv's fault: the card, until the loop or library changes.
 */
export function onMpvIdle(f: { stopped: boolean; holdsAny: boolean; idle: boolean; fileErrors: number }): 'none' | 'fail' | 'wait' {
  if (f.stopped || !f.holdsAny || !f.idle) return 'none';
  return f.fileErrors > 0 ? 'fail' : 'wait';
}
