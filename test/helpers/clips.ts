// Media made at test time with ffmpeg's lavfi sources, in a temp directory (nothing is checked in).
// Each call gives different content (a counter is drawn into the noise seed), so content hashes differ.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
let dir: string | null = null;
let counter = 0;

export interface ClipOptions {
  /** Length in seconds (default 1). */
  seconds?: number;
  /** WxH (default 320x240). */
  size?: string;
  /** Frames per second (default 25). */
  rate?: number;
  /** Container: mp4 (h264), webm (vp8), gif, mkv (default mp4). */
  format?: 'mp4' | 'webm' | 'gif' | 'mkv';
  /** Add a sine audio track (default false). */
  audio?: boolean;
  /** File name without extension (default clip-<n>). */
  name?: string;
}

export interface StillOptions {
  format?: 'png' | 'jpg';
  size?: string;
  name?: string;
}

/** The directory the helpers write to (created on first use). */
export async function clipDir(): Promise<string> {
  if (!dir) {
    const made = await mkdtemp(join(tmpdir(), 'loop-clips-'));
    dir = made;
    // Whatever a test forgets, the clips go when the process does.
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return dir;
}

/** Removes every clip made so far. */
export async function removeClips(): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = null;
}

const hues = ['red', 'blue', 'green', 'yellow', 'magenta', 'cyan', 'orange', 'purple', 'white', 'gray'];

export async function makeClip(o: ClipOptions = {}): Promise<string> {
  const n = ++counter;
  const size = o.size ?? '320x240';
  const rate = o.rate ?? 25;
  const format = o.format ?? 'mp4';
  const file = join(await clipDir(), `${o.name ?? `clip-${n}`}.${format}`);
  // testsrc2 moves every frame; the colour and the seed make each clip's bytes unique.
  const video = `testsrc2=size=${size}:rate=${rate},drawbox=x=0:y=0:w=40:h=40:color=${hues[n % hues.length]}:t=fill,noise=alls=${n % 50}:allf=t`;
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', video];
  if (o.audio) args.push('-f', 'lavfi', '-i', `sine=frequency=${200 + n * 10}:sample_rate=44100`);
  args.push('-t', String(o.seconds ?? 1));
  if (format === 'mp4' || format === 'mkv') args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(rate));
  if (format === 'webm') args.push('-c:v', 'libvpx', '-b:v', '200k');
  if (o.audio && format !== 'gif') args.push('-c:a', format === 'webm' ? 'libvorbis' : 'aac', '-shortest');
  args.push(file);
  await run('ffmpeg', args);
  return file;
}

export async function makeStill(o: StillOptions = {}): Promise<string> {
  const n = ++counter;
  const format = o.format ?? 'png';
  const file = join(await clipDir(), `${o.name ?? `still-${n}`}.${format}`);
  const src = `testsrc2=size=${o.size ?? '320x240'}:rate=1,drawbox=x=0:y=0:w=60:h=60:color=${hues[n % hues.length]}:t=fill`;
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', src, '-frames:v', '1', file]);
  return file;
}
