// A virtual screen and a camera on it: Xvfb (Debian's `xvfb`) at 320x240, and ffmpeg's x11grab
// reading it at 50 fps into raw rgb24 frames, each classified as it arrives (nothing is written to
// disk). Also the test clips: solid red/green/blue, 1.0 s at 25 fps, the frame number drawn as
// blocks (classify.ts reads them) and as text for a person looking at a recording.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { classify, COLOURS, HEIGHT, RGB, STRIP_TOP, WIDTH, type ClipColour, type Seen } from './classify.js';

export const CAPTURE_FPS = 50;
export const CLIP_FPS = 25;
export const CLIP_SECONDS = 1;
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';

export interface Screen {
  display: string;
  stop(): Promise<void>;
}

/** Starts Xvfb on the first free display from :90, black root window, and waits until it answers. */
export async function startXvfb(): Promise<Screen> {
  for (let n = 90; n < 110; n++) {
    if (existsSync(`/tmp/.X11-unix/X${n}`) || existsSync(`/tmp/.X${n}-lock`)) continue;
    const display = `:${n}`;
    const x = spawn('Xvfb', [display, '-screen', '0', `${WIDTH}x${HEIGHT}x24`, '-br', '-nolisten', 'tcp', '-noreset'], { stdio: 'ignore' });
    const ok = await new Promise<boolean>((resolve) => {
      const t0 = Date.now();
      const check = (): void => {
        if (x.exitCode !== null) return resolve(false);
        if (existsSync(`/tmp/.X11-unix/X${n}`)) return resolve(true);
        if (Date.now() - t0 > 5000) return resolve(false);
        setTimeout(check, 50);
      };
      check();
    });
    if (!ok) {
      x.kill('SIGKILL');
      continue;
    }
    return { display, stop: () => stopChild(x) };
  }
  throw new Error('no free X display between :90 and :109');
}

export function stopChild(p: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.once('exit', () => resolve());
    p.kill(signal);
    setTimeout(() => p.kill('SIGKILL'), 3000).unref();
  });
}

/** Captures `seconds` of the screen at CAPTURE_FPS and returns every frame, classified. */
export function capture(display: string, seconds: number): Promise<Seen[]> {
  const ff = spawn(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'x11grab',
      '-draw_mouse',
      '0',
      '-framerate',
      String(CAPTURE_FPS),
      '-video_size',
      `${WIDTH}x${HEIGHT}`,
      '-i',
      `${display}+0,0`,
      '-t',
      String(seconds),
      '-fps_mode',
      'passthrough',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const size = WIDTH * HEIGHT * 3;
  const seen: Seen[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let err = '';
  ff.stderr.on('data', (d: Buffer) => (err += d.toString()));
  ff.stdout.on('data', (d: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, d]) : d;
    while (pending.length >= size) {
      seen.push(classify(pending.subarray(0, size)));
      pending = pending.subarray(size);
    }
  });
  return new Promise((resolve, reject) => {
    ff.on('exit', (code) => (code === 0 ? resolve(seen) : reject(new Error(`ffmpeg x11grab exited ${code}: ${err.trim()}`))));
  });
}

/** One solid-colour clip per colour, CLIP_SECONDS at CLIP_FPS, H.264 as the media plugin makes them. */
export async function makeClips(dir: string): Promise<Record<ClipColour, string>> {
  const out = {} as Record<ClipColour, string>;
  await Promise.all(
    COLOURS.map(async (c) => {
      const file = join(dir, `${c}.mp4`);
      const [r, g, b] = RGB[c];
      // Bit k of the frame number N as a white block at x = 40k along the bottom strip.
      const bit = `lt(Y,${STRIP_TOP})*%V+gte(Y,${STRIP_TOP})*255*mod(floor(N/pow(2,floor(X/40))),2)`;
      const text = existsSync(FONT) ? `,drawtext=fontfile=${FONT}:text='%{frame_num}':fontsize=48:fontcolor=white:x=20:y=60` : '';
      const vf = `format=gbrp,geq=r='${bit.replace('%V', String(r))}':g='${bit.replace('%V', String(g))}':b='${bit.replace('%V', String(b))}'${text}`;
      await run('ffmpeg', [
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        `color=c=black:s=${WIDTH}x${HEIGHT}:r=${CLIP_FPS}:d=${CLIP_SECONDS}`,
        '-vf',
        vf,
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-crf',
        '12',
        '-pix_fmt',
        'yuv420p',
        '-g',
        String(CLIP_FPS),
        '-movflags',
        '+faststart',
        file,
      ]);
      out[c] = file;
    }),
  );
  return out;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err.trim()}`))));
  });
}
