// `node dist/bench/frames/previous.js [commands] [ms away from a clip's ends]`: issue 26's directed `previous`, on the set-up of
// directed.ts (four numbered 2 s clips in order, the real player on Xvfb, 50 fps capture). Each
// command is POST /api/playback/previous at a random point of the clip on screen (2-4 s apart).
// Afterwards the capture is read as runs of one clip: every run must start at the clip's first
// frame (issue 26 once saw frame 19 of the target before its frame 0), and follow its predecessor
// in the loop's order (c+1, played on) or against it (c-1, a `previous`): anything else is a clip
// that should not have been shown (e.g. a flash of the next clip before the target).
import type { PlayerState } from '../../core/protocol/index.js';
import { http } from '../../test/helpers/loop.js';
import { sleep } from '../lib.js';
import { around, CLIPS, directedRun, EDGE_DROP_FRAMES, FRAMES, runsOf, SECONDS, type Run } from './directed.js';

export interface PreviousRun {
  commands: number;
  captured_frames: number;
  /** Runs of one clip on screen, the first and last of the capture left out. */
  runs: number;
  /** Runs cut short (a `previous` arrived during them): at most one per command. */
  interrupted: number;
  /**
   * Targets of a `previous` (runs of the clip before their predecessor) that began past frame
   * EDGE_DROP_FRAMES: its first frames not shown (dropped under load, or a wrong frame first).
   */
  late_targets: Array<Run & { around: string }>;
  /**
   * Other runs that began past frame 1: the clip played on into the next, whose first frames were
   * dropped (mpv behind on a busy machine, the frames missing of docs/performance.md). Reported only.
   */
  dropped_starts: Array<Run & { around: string }>;
  /** A clip followed by itself: its frame number went back (issue 26's "frame 19, then frame 0"). */
  restarts: Array<{ after: Run; run: Run; around: string }>;
  /** Runs that neither follow nor precede their predecessor in the loop. */
  wrong_clips: Array<{ after: Run; run: Run }>;
  /** Commands whose answer named another clip than the one before the clip on screen. */
  wrong_answers: Array<{ from: number; answered: number }>;
  /** Where in the clip on screen each command was sent, ms. */
  sent_at_ms: number[];
}

/**
 * Sends `commands` previous at random points and reports what the screen showed. `awayFromEndsMs`
 * keeps each command that far from a clip's start and end: a command that meets a clip boundary
 * may find the next clip already started (issue 26's bench: 4 of 150 showed its first frames).
 */
export async function randomPrevious(commands: number, awayFromEndsMs = 0): Promise<PreviousRun> {
  const seconds = commands * (2 * SECONDS + 0.2) + 4;
  const sentAt: number[] = [];
  const wrongAnswers: PreviousRun['wrong_answers'] = [];
  const seen = await directedRun(seconds, async (d) => {
    const t0 = Date.now();
    while (sentAt.length < commands && Date.now() - t0 < (seconds - 4) * 1000 - 2 * SECONDS * 1000) {
      await sleep(SECONDS * 1000 * (1 + Math.random()));
      const nearAnEnd = (pos: number | null): boolean => pos !== null && Math.min(pos, SECONDS - pos) * 1000 < awayFromEndsMs;
      while (nearAnEnd(await d.clipPosition())) await sleep(20);
      const from = d.clipOf(d.playerState().slug as string);
      sentAt.push(Math.round(((await d.clipPosition()) ?? -1) * 1000));
      const res = await http('POST', `${d.loop.http}/api/playback/previous`);
      if (res.status !== 200) throw new Error(`previous: ${res.status} ${JSON.stringify(res.json)}`);
      const answered = d.clipOf((res.json.data as PlayerState).slug as string);
      if (answered !== (from + CLIPS - 1) % CLIPS) wrongAnswers.push({ from, answered });
    }
  });
  const inner = runsOf(seen).slice(1, -1);
  const wrongClips: PreviousRun['wrong_clips'] = [];
  const restarts: PreviousRun['restarts'] = [];
  const lateTargets: PreviousRun['late_targets'] = [];
  const droppedStarts: PreviousRun['dropped_starts'] = [];
  for (let i = 1; i < inner.length; i++) {
    const [after, run] = [inner[i - 1] as Run, inner[i] as Run];
    const step = (run.clip - after.clip + CLIPS) % CLIPS;
    const context = { ...run, around: around(seen, run.at) };
    if (step === 0) restarts.push({ after, run, around: context.around });
    else if (step !== 1 && step !== CLIPS - 1) wrongClips.push({ after, run });
    else if (step === CLIPS - 1 && run.first > EDGE_DROP_FRAMES) lateTargets.push(context);
    else if (run.first > 1) droppedStarts.push(context);
  }
  return {
    commands: sentAt.length,
    captured_frames: seen.length,
    runs: inner.length,
    interrupted: inner.filter((r) => r.last < FRAMES - 2).length,
    late_targets: lateTargets,
    dropped_starts: droppedStarts,
    restarts,
    wrong_clips: wrongClips,
    wrong_answers: wrongAnswers,
    sent_at_ms: sentAt,
  };
}

if (process.argv[1]?.endsWith('previous.js'))
  console.log(JSON.stringify(await randomPrevious(Number(process.argv[2] ?? 20), Number(process.argv[3] ?? 0))));
