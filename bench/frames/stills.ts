// The frames bench's loop of clips and photos (index.ts runs it): the three clips and two photos,
// red, yellow (3 s), green, magenta (1.5 s), blue. Each photo is a picture made into its still clip
// by the media plugin's own ffmpeg arguments (profile.ts stillClipArgs), announced as the media
// plugin would (`still_clip`), and played by the real player: one timeline when every still has its
// clip (timeline auto), the playlist otherwise (timeline off: what a photo forced before). Per
// photo: its time on screen against its seconds; per clip: the hold of its last frame.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { defaultMediaConfig } from '../../plugins/media/config.js';
import { ffmpegArgv } from '../../plugins/media/ffmpeg-run.js';
import { STILL_CLIP_SECONDS, stillClipArgs } from '../../plugins/media/profile.js';
import { http, MpvWatch, mpvSocket, publishLibrary, startPlayerLoop, type Media } from '../../test/helpers/loop.js';
import { sleep } from '../lib.js';
import { capture, CLIP_SECONDS } from './capture.js';
import {
  COLOURS,
  HEIGHT,
  PHOTO_COLOURS,
  RGB,
  STRIP_TOP,
  WIDTH,
  type ClipColour,
  type PhotoColour,
  type Seen,
  type Transition,
} from './classify.js';

/** Each photo's seconds in the loop: 3 s is a whole still clip and a part of one; 1.5 s a part only. */
export const PHOTO_SECONDS: Record<PhotoColour, number> = { yellow: 3, magenta: 1.5 };

export interface Photo {
  png: string;
  clip: string;
}

function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}: ${err.trim()}`))));
  });
}

/** A solid picture per photo colour (its strip reads frame 0), and its still clip as the media plugin makes it. */
export async function makePhotos(dir: string): Promise<Record<PhotoColour, Photo>> {
  const out = {} as Record<PhotoColour, Photo>;
  await Promise.all(
    PHOTO_COLOURS.map(async (c) => {
      const hex = RGB[c].map((v) => v.toString(16).padStart(2, '0')).join('');
      const png = join(dir, `${c}.png`);
      const box = `drawbox=x=0:y=${STRIP_TOP}:w=${WIDTH}:h=${HEIGHT - STRIP_TOP}:color=black:t=fill`;
      await run([
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        `color=c=0x${hex}:s=${WIDTH}x${HEIGHT}`,
        '-vf',
        box,
        '-frames:v',
        '1',
        png,
      ]);
      const clip = join(dir, `${c}-still.mp4`);
      await run(['-loglevel', 'error', ...ffmpegArgv(png, clip, stillClipArgs(defaultMediaConfig))]);
      out[c] = { png, clip };
    }),
  );
  return out;
}

/** What one run of the photo loop showed, and whether mpv held one timeline. */
export interface PhotoRun {
  seen: Seen[];
  timeline: boolean;
}

/** The real player on the photo loop (red, yellow, green, magenta, blue), captured for `seconds`. */
export async function photoLoop(
  display: string,
  clips: Record<ClipColour, string>,
  photos: Record<PhotoColour, Photo>,
  timeline: 'auto' | 'off',
  seconds: number,
): Promise<PhotoRun> {
  process.env.DISPLAY = display;
  const socket = mpvSocket();
  const loop = await startPlayerLoop({ socket, player: { vo: 'x11', ao: 'null', hang_timeout_ms: 3000, timeline }, loop: { repeat: 1 } });
  try {
    const slug = (c: string, i: number): string => `frames_${c}_${String(i + 1).padStart(16, '0')}`;
    const clipItems = COLOURS.map((c, i): Media => ({ slug: slug(c, i), path: clips[c], kind: 'video', duration: CLIP_SECONDS }));
    const photoItems = PHOTO_COLOURS.map((c, i): Media => ({
      slug: slug(c, i + 3),
      path: photos[c].png,
      kind: 'image',
      stillClip: { path: photos[c].clip, duration: STILL_CLIP_SECONDS },
    }));
    const [red, green, blue] = clipItems as [Media, Media, Media];
    const [yellow, magenta] = photoItems as [Media, Media];
    await publishLibrary(loop, [...clipItems, ...photoItems]);
    for (const m of [red, yellow, green, magenta, blue]) {
      const r = await http('POST', `${loop.http}/api/loop`, { slug: m.slug });
      if (r.status !== 200) throw new Error(`adding ${m.slug}: ${r.status} ${JSON.stringify(r.json)}`);
    }
    for (const [m, c] of [
      [yellow, 'yellow'],
      [magenta, 'magenta'],
    ] as const)
      await loop.runtime.bus.request('loop', 'item', { slug: m.slug, duration: PHOTO_SECONDS[c] });
    await sleep(2000);
    const seen = await capture(display, seconds);
    const watch = new MpvWatch(socket);
    await watch.attach();
    const path = (await watch.ipc.getProperty('path')) as string | null;
    watch.close();
    return { seen, timeline: path?.startsWith('edl://') ?? false };
  } finally {
    await loop.stop();
  }
}

export interface PhotoSummary {
  transitions: number;
  black: number;
  mixed: number;
  /** Clips' last frame held beyond one frame period, ms. */
  clipHolds: number[];
  /** Each photo's complete times on screen, ms. */
  onScreen: Record<PhotoColour, number[]>;
  /** Transitions over one frame: a clip's hold, or a photo on screen more than a frame off its seconds. */
  overOneFrame: number;
}

const isPhoto = (c: string): c is PhotoColour => (PHOTO_COLOURS as readonly string[]).includes(c);

/** The photo loop's figures: a clip's transition is its hold; a photo's is its time on screen against its seconds. */
export function summarisePhotos(ts: readonly Transition[], framePeriodMs: number): PhotoSummary {
  const onScreen: Record<PhotoColour, number[]> = { yellow: [], magenta: [] };
  const clipHolds: number[] = [];
  let over = 0;
  for (const t of ts) {
    if (isPhoto(t.from)) {
      if (t.onScreenMs === null) continue;
      onScreen[t.from].push(t.onScreenMs);
      if (Math.abs(t.onScreenMs - PHOTO_SECONDS[t.from] * 1000) > framePeriodMs) over++;
    } else {
      clipHolds.push(t.holdBeyondMs);
      if (t.holdBeyondMs > framePeriodMs) over++;
    }
  }
  return {
    transitions: ts.length,
    black: ts.reduce((a, t) => a + t.black, 0),
    mixed: ts.reduce((a, t) => a + t.mixed, 0),
    clipHolds,
    onScreen,
    overOneFrame: over,
  };
}

/** One row of the photo loop's table. */
export function photoRow(name: string, r: PhotoRun, s: PhotoSummary): string {
  const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
  const median = (xs: number[]): string => (xs.length ? (sorted(xs)[Math.floor(xs.length / 2)] as number).toFixed(0) : '-');
  const range = (xs: number[]): string => (xs.length ? `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}` : '-');
  const photos = PHOTO_COLOURS.map((c) => `${median(s.onScreen[c])} (${range(s.onScreen[c])}, n=${s.onScreen[c].length})`);
  return `| ${name} | ${r.timeline ? 'yes' : 'no'} | ${s.transitions} | ${s.black} | ${s.mixed} | ${median(s.clipHolds)} | ${range(s.clipHolds)} | ${photos.join(' | ')} | ${s.overOneFrame} |`;
}

/** The photo table's header. */
export function photoHeader(): string {
  const photos = PHOTO_COLOURS.map((c) => `${c} (${PHOTO_SECONDS[c] * 1000} ms) on screen p50 (range) ms`);
  return [
    `| player | one timeline | transitions | black | mixed | clip hold p50 ms | clip hold range ms | ${photos.join(' | ')} | over one frame |`,
    `|---|---|---|---|---|---|---|${photos.map(() => '---|').join('')}---|`,
  ].join('\n');
}
