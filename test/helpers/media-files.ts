// Media fixtures made at test time with ffmpeg's lavfi test sources, plus the bad ones (truncated,
// random bytes, empty, a pixel bomb) and hostile names. Made once per process, in a temp dir.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflateSync, crc32 } from 'node:zlib';

const run = promisify(execFile);

export interface MediaFixtures {
  dir: string;
  mp4: string;
  /** The mp4's video with an audio track (for keep_audio). */
  mov: string;
  webm: string;
  gif: string;
  png: string;
  jpg: string;
  /** First 60 % of an mp4 whose index (moov) is at the end: no index, no media. */
  truncated: string;
  /** Random bytes named .mp4. */
  random: string;
  empty: string;
  /** A 200-byte PNG declaring 50000x50000. */
  bomb: string;
  /** A text file. */
  text: string;
  /** An audio-only file. */
  audio: string;
}

let made: Promise<MediaFixtures> | null = null;

/** Makes (once) and returns the fixtures. */
export function mediaFixtures(): Promise<MediaFixtures> {
  made ??= makeFixtures();
  return made;
}

export async function ffmpeg(args: string[]): Promise<void> {
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { maxBuffer: 16 * 1024 * 1024 });
}

async function makeFixtures(): Promise<MediaFixtures> {
  const dir = await mkdtemp(join(tmpdir(), 'loop-media-fixtures-'));
  const f = (name: string): string => join(dir, name);
  const lavfi = (src: string): string[] => ['-f', 'lavfi', '-i', src];
  await Promise.all([
    ffmpeg([...lavfi('testsrc2=size=640x360:rate=30:duration=2'), ...lavfi('sine=frequency=440:duration=2'),
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', f('clip.mp4')]),
    ffmpeg([...lavfi('testsrc=size=480x640:rate=25:duration=1'), ...lavfi('sine=frequency=220:duration=1'),
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-f', 'mov', f('portrait.mov')]),
    ffmpeg([...lavfi('smptebars=size=320x180:rate=25:duration=1'), '-c:v', 'libvpx', '-b:v', '300k', '-deadline', 'realtime', f('bars.webm')]),
    ffmpeg([...lavfi('testsrc=size=160x120:rate=10:duration=1'), f('anim.gif')]),
    ffmpeg([...lavfi('testsrc2=size=800x600:rate=1'), '-frames:v', '1', f('still.png')]),
    ffmpeg([...lavfi('mandelbrot=size=1024x768:rate=1'), '-frames:v', '1', '-q:v', '3', f('photo.jpg')]),
    ffmpeg([...lavfi('sine=frequency=440:duration=1'), '-c:a', 'aac', f('tone.m4a')]),
  ]);
  const whole = await readFile(f('clip.mp4'));
  await writeFile(f('truncated.mp4'), whole.subarray(0, Math.floor(whole.length * 0.6)));
  await writeFile(f('random.mp4'), randomBytes(64 * 1024));
  await writeFile(f('empty.mp4'), Buffer.alloc(0));
  await writeFile(f('bomb.png'), pixelBombPng(50_000, 50_000));
  await writeFile(f('notes.txt'), 'not a picture\n'.repeat(100));
  return {
    dir, mp4: f('clip.mp4'), mov: f('portrait.mov'), webm: f('bars.webm'), gif: f('anim.gif'), png: f('still.png'), jpg: f('photo.jpg'),
    truncated: f('truncated.mp4'), random: f('random.mp4'), empty: f('empty.mp4'), bomb: f('bomb.png'), text: f('notes.txt'), audio: f('tone.m4a'),
  };
}

/** A valid PNG signature and IHDR declaring width x height, with one tiny IDAT: decoding it would need gigabytes. */
export function pixelBombPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(1024))), chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Hostile upload names: traversal, quotes, emoji, control characters. */
export const hostileNames = {
  traversal: '../../../etc/passwd.mp4',
  windows: '..\\..\\boot.ini.png',
  quotes: `it's "quoted" <b>.gif`,
  emoji: '🎉 party time 🎈.jpg',
  control: 'line\nbreak\u0000.png',
} as const;

/** Plays a file with mpv (no screen, no sound): true when mpv decoded it to the end of a short window. */
export async function playableByMpv(path: string): Promise<boolean> {
  try {
    await run('mpv', ['--no-config', '--vo=null', '--ao=null', '--untimed', '--length=0.5', '--image-display-duration=0.1', '--really-quiet', path], { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

export async function removeFixtures(): Promise<void> {
  if (!made) return;
  const f = await made;
  made = null;
  await rm(f.dir, { recursive: true, force: true });
}

export const sizeOf = async (p: string): Promise<number> => (await stat(p)).size;
