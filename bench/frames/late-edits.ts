// `node dist/bench/frames/late-edits.js [edits]`: issue 26's directed reorder. Four 2 s clips
// (red, the clip's number k and frame f burned in as n = 64k + f, read by classify.ts), the real
// player on --vo=x11 (timeline auto), the screen captured at 50 fps; each edit swaps the two clips
// after the one on screen 0-120 ms before that clip ends (timed from mpv's time-pos on a second IPC
// connection). Afterwards every run of one clip on screen is checked: a run that is not a whole
// clip (frames 0..49) is a clip shown that should not have been (a flash or a cut).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoopState, PlayerState } from '../../core/protocol/index.js';
import { http, MpvWatch, mpvSocket, publishLibrary, startPlayerLoop, type Media } from '../../test/helpers/loop.js';
import { sleep } from '../lib.js';
import { capture, startXvfb } from './capture.js';
import { HEIGHT, STRIP_TOP, WIDTH, type Seen } from './classify.js';

const CLIPS = 4;
const SECONDS = 2;
const FPS = 25;
const FRAMES = SECONDS * FPS;

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
  clip: number;
  first: number;
  last: number;
  frames: number;
}

/** Runs of one clip on screen (black and mixed frames skipped). */
export function runsOf(seen: readonly Seen[]): Run[] {
  const runs: Run[] = [];
  for (const s of seen) {
    if (s.kind !== 'clip' || s.clip !== 'red') continue;
    const clip = Math.floor(s.n / 64);
    const f = s.n % 64;
    const run = runs.at(-1);
    if (run && run.clip === clip && f >= run.last) {
      run.last = f;
      run.frames++;
    } else runs.push({ clip, first: f, last: f, frames: 1 });
  }
  return runs;
}

export interface LateEdits {
  edits: number;
  captured_frames: number;
  /** Runs of one clip on screen, the first and last of the capture left out. */
  runs: number;
  /** Of those, the ones that were not a whole clip. */
  partial: number;
  partial_runs: Run[];
  targets_ms: number[];
}

/** Runs `edits` directed late edits on the real player and reports what the screen showed. */
export async function lateEdits(edits: number): Promise<LateEdits> {
  const dir = await mkdtemp(join(tmpdir(), 'late-edits-'));
  const screen = await startXvfb();
  process.env.DISPLAY = screen.display;
  const socket = mpvSocket();
  const loop = await startPlayerLoop({ socket, player: { vo: 'x11', ao: 'null', hang_timeout_ms: 3000, timeline: 'auto' } });
  try {
    const media: Media[] = [];
    for (let k = 0; k < CLIPS; k++) {
      const path = join(dir, `c${k}.mp4`);
      await makeClip(path, k);
      media.push({ slug: `late_c${k}_${String(k).padStart(16, '0')}`, path, kind: 'video', duration: SECONDS });
    }
    await publishLibrary(loop, media);
    for (const m of media) await http('POST', `${loop.http}/api/loop`, { slug: m.slug });
    const watch = new MpvWatch(socket);
    await watch.attach();
    await sleep(2500);
    const seconds = edits * 2 * SECONDS + 4;
    const captured = capture(screen.display, seconds);
    const sent: number[] = [];
    const t0 = Date.now();
    while (sent.length < edits && Date.now() - t0 < (seconds - 4) * 1000) {
      const target = Math.random() * 0.12;
      // mpv's time-pos moves a frame (40 ms) at a time: near the end, wait out the rest by the clock.
      let remaining = 1;
      while (Date.now() - t0 < (seconds - 4) * 1000) {
        const pos = (await watch.ipc.getProperty('time-pos').catch(() => null)) as number | null;
        remaining = pos === null ? 1 : SECONDS - (pos % SECONDS);
        if (remaining <= 0.3) break;
        await sleep(10);
      }
      if (remaining > 0.3) break;
      await sleep(Math.max(0, (remaining - target) * 1000));
      const l = loop.runtime.bus.last('loop') as LoopState;
      const slug = (loop.runtime.bus.last('player') as PlayerState).slug;
      const order = [...l.order];
      const i = order.indexOf(slug as string);
      const [a, b] = [(i + 1) % CLIPS, (i + 2) % CLIPS];
      [order[a], order[b]] = [order[b] as string, order[a] as string];
      await http('PUT', `${loop.http}/api/loop`, { loop: order });
      sent.push(target);
      await sleep(SECONDS * 1000 + 500);
    }
    const seen = await captured;
    const runs = runsOf(seen);
    const inner = runs.slice(1, -1);
    const partial = inner.filter((r) => r.first > 1 || r.last < FRAMES - 2);
    watch.ipc.detach();
    return {
      edits: sent.length,
      captured_frames: seen.length,
      runs: inner.length,
      partial: partial.length,
      partial_runs: partial,
      targets_ms: sent.map((t) => Math.round(t * 1000)),
    };
  } finally {
    await loop.stop();
    await screen.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('late-edits.js')) console.log(JSON.stringify(await lateEdits(Number(process.argv[2] ?? 20))));
