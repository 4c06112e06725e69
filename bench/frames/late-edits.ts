// `node dist/bench/frames/late-edits.js [edits]`: issue 26's directed reorder, on the set-up of
// directed.ts (four numbered 2 s clips, the real player on Xvfb, 50 fps capture); each edit swaps
// the two clips after the one on screen 0-120 ms before that clip ends (timed from mpv's time-pos).
// Afterwards every run of one clip on screen is checked: a run that does not play to its end (frame
// 49, give or take EDGE_DROP_FRAMES dropped) is a clip shown that should not have been (the old next
// clip flashed) or cut short. A run that begins late but plays on is frames dropped, reported apart.
import { http } from '../../test/helpers/loop.js';
import { sleep } from '../lib.js';
import { around, CLIPS, directedRun, EDGE_DROP_FRAMES, FRAMES, runsOf, SECONDS, type Run } from './directed.js';

export interface LateEdits {
  edits: number;
  captured_frames: number;
  /** Runs of one clip on screen, the first and last of the capture left out. */
  runs: number;
  /** Of those, the ones cut short or flashed (more than EDGE_DROP_FRAMES missing at the end), with the captures around. */
  partial: number;
  partial_runs: Array<Run & { around: string }>;
  /**
   * Runs that played to their end but began past frame 1: frames dropped where the clip began (mpv
   * behind on a busy machine); the clip is the right one. Reported only, with the captures around.
   */
  late_starts: Array<Run & { around: string }>;
  targets_ms: number[];
}

/** Runs `edits` directed late edits on the real player and reports what the screen showed. */
export async function lateEdits(edits: number): Promise<LateEdits> {
  const seconds = edits * 2 * SECONDS + 4;
  const sent: number[] = [];
  const seen = await directedRun(seconds, async (d) => {
    const t0 = Date.now();
    while (sent.length < edits && Date.now() - t0 < (seconds - 4) * 1000) {
      const target = Math.random() * 0.12;
      // mpv's time-pos moves a frame (40 ms) at a time: near the end, wait out the rest by the clock.
      let remaining = 1;
      while (Date.now() - t0 < (seconds - 4) * 1000) {
        const pos = await d.clipPosition();
        remaining = pos === null ? 1 : SECONDS - pos;
        if (remaining <= 0.3) break;
        await sleep(10);
      }
      if (remaining > 0.3) break;
      await sleep(Math.max(0, (remaining - target) * 1000));
      const order = [...d.loopState().order];
      const i = order.indexOf(d.playerState().slug as string);
      const [a, b] = [(i + 1) % CLIPS, (i + 2) % CLIPS];
      [order[a], order[b]] = [order[b] as string, order[a] as string];
      await http('PUT', `${d.loop.http}/api/loop`, { loop: order });
      sent.push(target);
      await sleep(SECONDS * 1000 + 500);
    }
  });
  const inner = runsOf(seen).slice(1, -1);
  const partial = inner.filter((r) => r.last < FRAMES - 1 - EDGE_DROP_FRAMES);
  const lateStarts = inner.filter((r) => !partial.includes(r) && r.first > 1);
  return {
    edits: sent.length,
    captured_frames: seen.length,
    runs: inner.length,
    partial: partial.length,
    partial_runs: partial.map((r) => ({ ...r, around: around(seen, r.at) })),
    late_starts: lateStarts.map((r) => ({ ...r, around: around(seen, r.at) })),
    targets_ms: sent.map((t) => Math.round(t * 1000)),
  };
}

if (process.argv[1]?.endsWith('late-edits.js')) console.log(JSON.stringify(await lateEdits(Number(process.argv[2] ?? 20))));
