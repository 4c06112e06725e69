// The set-up of issue 26's directed frame runs (late-edits.ts, previous.ts): four 2 s clips, all
// red, clip k's frame f burned in as the number n = 64k + f (read by classify.ts), the real player
// on --vo=x11 (timeline auto) in Xvfb, a second IPC connection to its mpv (to time commands from
// mpv's time-pos), and the screen captured at 50 fps; afterwards the capture as runs of one clip.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoopState, PlayerState } from '../../core/protocol/index.js';
import { http, MpvWatch, mpvSocket, publishLibrary, startPlayerLoop, type Media, type TestLoop } from '../../test/helpers/loop.js';
import { sleep } from '../lib.js';
import { capture, startXvfb } from './capture.js';
import { HEIGHT, STRIP_TOP, WIDTH, type Seen } from './classify.js';

export const CLIPS = 4;
export const SECONDS = 2;
const FPS = 25;
export const FRAMES = SECONDS * FPS;
/**
 * A run missing up to this many frames at its end (200 ms) played to its end, its last frames
 * dropped (mpv behind on a busy machine: the "frames missing" of docs/performance.md); missing more,
 * it was cut short or flashed: a clip shown that should not have been, or not shown whole.
 */
export const EDGE_DROP_FRAMES = 5;

function makeClip(file: string, k: number): Promise<void> {
  const bit = `lt(Y,${STRIP_TOP})*%V+gte(Y,${STRIP_TOP})*255*mod(floor((N+${64 * k})/pow(2,floor(X/40))),2)`;
  const vf = `format=gbrp,geq=r='${bit.replace('%V', '255')}':g='${bit.replace('%V', '0')}':b='${bit.replace('%V', '0')}'`;
  return new Promise((resolve, reject) => {
    const p = spawn('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `color=c=black:s=${WIDTH}x${HEIGHT}:r=${FPS}:d=${SECONDS}`],
      ...['-vf', vf, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '12', '-pix_fmt', 'yuv420p', '-g', String(FPS), file],
    ]);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`))));
  });
}

export interface Run {
  /** Index of the run's first capture. */
  at: number;
  clip: number;
  first: number;
  last: number;
  frames: number;
}

/** Runs of one clip on screen (black and mixed frames skipped); a frame number going back starts a new run. */
export function runsOf(seen: readonly Seen[]): Run[] {
  const runs: Run[] = [];
  for (const [at, s] of seen.entries()) {
    if (s.kind !== 'clip' || s.clip !== 'red') continue;
    const clip = Math.floor(s.n / 64);
    const f = s.n % 64;
    const run = runs.at(-1);
    if (run && run.clip === clip && f >= run.last) {
      run.last = f;
      run.frames++;
    } else runs.push({ at, clip, first: f, last: f, frames: 1 });
  }
  return runs;
}

export interface Directed {
  loop: TestLoop;
  watch: MpvWatch;
  /** The loop's state and the player's, as the bus holds them now. */
  loopState(): LoopState;
  playerState(): PlayerState;
  /** Where mpv is in the clip on screen, seconds (every clip is SECONDS long), or null. */
  clipPosition(): Promise<number | null>;
  /** Index of a slug among the four clips. */
  clipOf(slug: string): number;
}

/** The captures around `at`, as `k.f` (clip k frame f), `b` black, `m` mixed: for a person reading a failure. */
export function around(seen: readonly Seen[], at: number, before = 12, after = 6): string {
  return seen
    .slice(Math.max(0, at - before), at + after)
    .map((s) => (s.kind === 'clip' ? `${Math.floor(s.n / 64)}.${s.n % 64}` : s.kind[0]))
    .join(' ');
}

/** Runs `act` on the set-up while the screen is captured for `seconds`; answers what the screen showed. */
export async function directedRun(seconds: number, act: (d: Directed) => Promise<void>): Promise<Seen[]> {
  const dir = await mkdtemp(join(tmpdir(), 'directed-'));
  const screen = await startXvfb();
  process.env.DISPLAY = screen.display;
  const socket = mpvSocket();
  const loop = await startPlayerLoop({ socket, player: { vo: 'x11', ao: 'null', hang_timeout_ms: 3000, timeline: 'auto' } });
  const watch = new MpvWatch(socket);
  try {
    const media: Media[] = [];
    for (let k = 0; k < CLIPS; k++) {
      const path = join(dir, `c${k}.mp4`);
      await makeClip(path, k);
      media.push({ slug: `late_c${k}_${String(k).padStart(16, '0')}`, path, kind: 'video', duration: SECONDS });
    }
    await publishLibrary(loop, media);
    for (const m of media) await http('POST', `${loop.http}/api/loop`, { slug: m.slug });
    await watch.attach();
    await sleep(2500);
    const captured = capture(screen.display, seconds);
    await act({
      loop,
      watch,
      loopState: () => loop.runtime.bus.last('loop') as LoopState,
      playerState: () => loop.runtime.bus.last('player') as PlayerState,
      clipPosition: async () => {
        const pos = (await watch.ipc.getProperty('time-pos').catch(() => null)) as number | null;
        return pos === null ? null : pos % SECONDS;
      },
      clipOf: (slug) => media.findIndex((m) => m.slug === slug),
    });
    return await captured;
  } finally {
    watch.close();
    await loop.stop();
    await screen.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
