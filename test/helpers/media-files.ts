// Media fixtures made at test time with ffmpeg's lavfi test sources, plus the bad ones (truncated,
// random bytes, empty, a pixel bomb) and hostile names. Made once per process, in a temp dir.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflateSync, crc32 } from 'node:zlib';
import { expect } from 'chai';
import type { UploadResult, V1MediaItem } from '../../core/protocol/media.js';
import { http } from './loop.js';
import { asText } from '../../core/util/text.js';

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
  /** An MP4 whose index is fine (ffprobe accepts it) and whose frames are zeros: conversion fails. */
  undecodable: string;
  /** 6 s of 640x360 at 30 fps: long enough to still be converting when a test acts. */
  long: string;
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
  // Gone when the test process ends, whichever file used them last.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const f = (name: string): string => join(dir, name);
  const lavfi = (src: string): string[] => ['-f', 'lavfi', '-i', src];
  const x264 = ['-c:v', 'libx264', '-preset', 'ultrafast'];
  const yuv420 = ['-pix_fmt', 'yuv420p'];
  const aac = ['-c:a', 'aac', '-shortest'];
  const h264WithTone = (video: string, tone: string, out: string[]): Promise<void> =>
    ffmpeg([...lavfi(video), ...lavfi(tone), ...x264, ...yuv420, ...aac, ...out]);
  await Promise.all([
    h264WithTone('testsrc2=size=640x360:rate=30:duration=2', 'sine=frequency=440:duration=2', [f('clip.mp4')]),
    h264WithTone('testsrc=size=480x640:rate=25:duration=1', 'sine=frequency=220:duration=1', ['-f', 'mov', f('portrait.mov')]),
    ffmpeg([
      ...lavfi('smptebars=size=320x180:rate=25:duration=1'),
      ...['-c:v', 'libvpx', '-b:v', '300k', '-deadline', 'realtime'],
      f('bars.webm'),
    ]),
    ffmpeg([...lavfi('testsrc=size=160x120:rate=10:duration=1'), f('anim.gif')]),
    ffmpeg([...lavfi('testsrc2=size=800x600:rate=1'), '-frames:v', '1', f('still.png')]),
    ffmpeg([...lavfi('mandelbrot=size=1024x768:rate=1'), '-frames:v', '1', '-q:v', '3', f('photo.jpg')]),
    ffmpeg([...lavfi('sine=frequency=440:duration=1'), '-c:a', 'aac', f('tone.m4a')]),
    ffmpeg([...lavfi('testsrc2=size=320x240:rate=25:duration=2'), ...x264, '-movflags', '+faststart', f('faststart.mp4')]),
    ffmpeg([...lavfi('testsrc2=size=960x540:rate=30:duration=6'), '-vf', 'noise=alls=8:allf=t', ...x264, ...yuv420, f('long.mp4')]),
  ]);
  const fast = await readFile(f('faststart.mp4'));
  const mdat = fast.indexOf('mdat', 0, 'latin1');
  fast.fill(0, mdat + 4);
  await writeFile(f('undecodable.mp4'), fast);
  const whole = await readFile(f('clip.mp4'));
  await writeFile(f('truncated.mp4'), whole.subarray(0, Math.floor(whole.length * 0.6)));
  await writeFile(f('random.mp4'), randomBytes(64 * 1024));
  await writeFile(f('empty.mp4'), Buffer.alloc(0));
  await writeFile(f('bomb.png'), pixelBombPng(50_000, 50_000));
  await writeFile(f('notes.txt'), 'not a picture\n'.repeat(100));
  return {
    dir,
    mp4: f('clip.mp4'),
    mov: f('portrait.mov'),
    webm: f('bars.webm'),
    gif: f('anim.gif'),
    png: f('still.png'),
    jpg: f('photo.jpg'),
    truncated: f('truncated.mp4'),
    random: f('random.mp4'),
    empty: f('empty.mp4'),
    bomb: f('bomb.png'),
    text: f('notes.txt'),
    audio: f('tone.m4a'),
    undecodable: f('undecodable.mp4'),
    long: f('long.mp4'),
  };
}

/** The first video stream of a file as ffprobe reports it: codec_name, pix_fmt, width, height, avg_frame_rate, profile, color_transfer. */
export async function streamInfo(path: string): Promise<Record<string, string>> {
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-select_streams', 'v:0'],
    ...['-show_entries', 'stream=codec_name,pix_fmt,width,height,avg_frame_rate,profile,color_transfer', '-of', 'default=nw=1', path],
  ]);
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((l) => l.split('=') as [string, string]),
  );
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
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
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
    await run(
      'mpv',
      ['--no-config', '--vo=null', '--ao=null', '--untimed', '--length=0.5', '--image-display-duration=0.1', '--really-quiet', path],
      { timeout: 20_000 },
    );
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

export interface UploadPart {
  /** A file to stream, or a generator of bytes (big uploads without a file). */
  path?: string;
  bytes?: { size: number; chunk?: number };
  name: string;
  field?: string;
  contentType?: string;
}

export interface UploadAnswer {
  status: number;
  json: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * POST multipart/form-data streamed from disk (never buffered), as a browser would. Resolves with
 * the server's answer even when it answers early and closes (a 413 mid-body).
 */
export async function uploadFiles(
  url: string,
  parts: UploadPart[],
  opts: { signal?: AbortSignal; onSent?: (n: number) => void; bytesPerSecond?: number; chunked?: boolean; localAddress?: string } = {},
): Promise<UploadAnswer> {
  const { request } = await import('node:http');
  const { createReadStream } = await import('node:fs');
  const boundary = `----loop${randomBytes(12).toString('hex')}`;
  const heads = parts.map((p) =>
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${p.field ?? 'files'}"; filename="${p.name.replace(/"/g, '%22').replace(/\r|\n/g, ' ')}"\r\n` +
        `Content-Type: ${p.contentType ?? 'application/octet-stream'}\r\n\r\n`,
      'utf8',
    ),
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const sizes = await Promise.all(parts.map(async (p) => (p.path ? sizeOf(p.path) : (p.bytes?.size ?? 0))));
  const length = heads.reduce((n, h, i) => n + h.length + (sizes[i] ?? 0) + (i > 0 ? 2 : 0), 0) + tail.length;
  return new Promise<UploadAnswer>((resolve, reject) => {
    let answered = false;
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...(opts.chunked ? {} : { 'content-length': length }) },
        signal: opts.signal,
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      },
      (res) => {
        answered = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          let json: Record<string, unknown>;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = { raw: text };
          }
          resolve({ status: res.statusCode ?? 0, json, headers: res.headers });
        });
      },
    );
    // A server that refuses mid-body answers and closes: the write fails (EPIPE) just before the answer is read.
    req.on('error', (err) => {
      if (!answered)
        setTimeout(() => {
          if (!answered) reject(err);
        }, 1000);
    });
    let sent = 0;
    const started = Date.now();
    const write = async (buf: Buffer): Promise<void> => {
      sent += buf.length;
      opts.onSent?.(sent);
      await new Promise<void>((ok) => (req.write(buf) ? ok() : req.once('drain', ok)));
      // A phone on WiFi, not loopback: hold the pace when asked.
      if (opts.bytesPerSecond) {
        const ahead = (sent / opts.bytesPerSecond) * 1000 - (Date.now() - started);
        if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
      }
    };
    void (async () => {
      try {
        for (let i = 0; i < parts.length; i++) {
          const p = parts[i] as UploadPart;
          if (i > 0) await write(Buffer.from('\r\n'));
          await write(heads[i] as Buffer);
          if (p.path) {
            for await (const chunk of createReadStream(p.path, { highWaterMark: 256 * 1024 })) {
              if (req.destroyed || answered) return;
              await write(chunk as Buffer);
            }
          } else if (p.bytes) {
            const chunk = randomBytes(p.bytes.chunk ?? 256 * 1024);
            for (let left = p.bytes.size; left > 0; left -= chunk.length) {
              if (req.destroyed || answered) return;
              await write(left >= chunk.length ? chunk : chunk.subarray(0, left));
            }
          }
        }
        req.end(tail);
      } catch (err) {
        if (!answered) reject(err instanceof Error ? err : new Error(asText(err)));
      }
    })();
  });
}

export async function waitItem(base: string, slug: string, pred: (i: V1MediaItem) => boolean, timeoutMs = 30_000): Promise<V1MediaItem> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    const r = await http('GET', `${base}/api/media/${slug}`);
    last = r.json;
    if (r.status === 200 && pred(r.json.data as V1MediaItem)) return r.json.data as V1MediaItem;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`item ${slug} did not get there in ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

/** Every file under media/, by folder (incoming, originals, clips, thumbs). */
export async function mediaFiles(dataDir: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const d of ['incoming', 'originals', 'clips', 'thumbs']) out[d] = await readdir(join(dataDir, 'media', d)).catch(() => []);
  return out;
}

/** Uploads one file and waits until it is converted; fails the test with the reason when it is not. */
export async function uploadConverted(base: string, path: string): Promise<V1MediaItem> {
  const r = await uploadFiles(`${base}/api/media`, [{ path, name: path.split('/').pop() as string }]);
  expect(r.status, JSON.stringify(r.json)).to.equal(200);
  const slug = (r.json.data as UploadResult).slug as string;
  const item = await waitItem(base, slug, (x) => x.processing_status === 'completed' || x.processing_status === 'failed', 60_000);
  expect(item.processing_status, String(item.error)).to.equal('completed');
  return item;
}
