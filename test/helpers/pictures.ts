// Pictures and clips with coloured markers, made at test time, and the pixels of a converted file:
// where a marker lands tells whether a picture came out upright, whole or cropped.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { clipDir } from './clips.js';
import { ffmpeg } from './media-files.js';

const run = promisify(execFile);
let counter = 0;
const next = async (name: string, ext: string): Promise<string> => join(await clipDir(), `${name}-${++counter}.${ext}`);

export type Rgb = [number, number, number];
export const RED: Rgb = [255, 0, 0];
export const BLUE: Rgb = [0, 0, 255];
export const GREEN: Rgb = [0, 255, 0];
export const YELLOW: Rgb = [255, 255, 0];
export const GRAY: Rgb = [128, 128, 128];
export const BLACK: Rgb = [0, 0, 0];

/** Whether two colours are within `tolerance` on every channel (codecs move colours a little). */
export const near = (a: Rgb, b: Rgb, tolerance = 48): boolean => a.every((v, i) => Math.abs(v - (b[i] as number)) <= tolerance);

/** A 2x2 dot near the middle, placed by a counter: each file's bytes (and so its identity) differ. */
const uniqueDot = (): string => `drawbox=x=iw/2-${++counter % 20}:y=ih/2:w=2:h=2:color=white:t=fill`;

/**
 * A gray picture WxH whose four edges carry a band of their own colour (`band` px): red at the top,
 * blue at the bottom, green at the left, yellow at the right. A fit that keeps the whole picture
 * keeps all four; a crop loses two.
 */
export function edgesFilter(width: number, height: number, band: number): string {
  return [
    `color=c=gray:size=${width}x${height}`,
    `drawbox=x=0:y=0:w=${band}:h=ih:color=lime:t=fill`,
    `drawbox=x=iw-${band}:y=0:w=${band}:h=ih:color=yellow:t=fill`,
    `drawbox=x=0:y=0:w=iw:h=${band}:color=red:t=fill`,
    `drawbox=x=0:y=ih-${band}:w=iw:h=${band}:color=blue:t=fill`,
    uniqueDot(),
  ].join(',');
}

/** A still with edge bands (PNG, or JPEG). */
export async function edgesStill(width: number, height: number, ext: 'png' | 'jpg' = 'png'): Promise<string> {
  const file = await next('edges', ext);
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    edgesFilter(width, height, Math.round(Math.min(width, height) / 12)),
    '-frames:v',
    '1',
    '-q:v',
    '2',
    file,
  ]);
  return file;
}

/** An H.264 clip with edge bands (one second unless said). */
export async function edgesClip(width: number, height: number, seconds = 1): Promise<string> {
  const file = await next('edges', 'mp4');
  const src = `${edgesFilter(width, height, Math.round(Math.min(width, height) / 12))},format=yuv420p`;
  await ffmpeg(['-f', 'lavfi', '-i', src, '-t', String(seconds), '-r', '25', '-c:v', 'libx264', '-preset', 'ultrafast', file]);
  return file;
}

/** A gray WxH picture with one red square (a sixth of the shorter side) in the corner given. */
function markerFilter(width: number, height: number, corner: 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right'): string {
  const s = Math.round(Math.min(width, height) / 6);
  const x = corner.endsWith('left') ? '0' : `iw-${s}`;
  const y = corner.startsWith('top') ? '0' : `ih-${s}`;
  return `color=c=gray:size=${width}x${height},drawbox=x=${x}:y=${y}:w=${s}:h=${s}:color=red:t=fill,${uniqueDot()}`;
}

/**
 * A JPEG stored landscape (320x240) with EXIF orientation 6 ("turn 90 degrees clockwise to show"):
 * its red marker is stored bottom-left, so the picture shown upright (240x320) has it top-left.
 * The APP1 segment is written here, byte by byte: one IFD entry, tag 0x0112.
 */
export async function jpegWithOrientation6(): Promise<string> {
  const plain = await next('stored', 'jpg');
  await ffmpeg(['-f', 'lavfi', '-i', markerFilter(320, 240, 'bottom-left'), '-frames:v', '1', '-q:v', '2', plain]);
  const jpeg = await readFile(plain);
  const tiff = Buffer.alloc(26);
  tiff.write('II*\0', 0, 'latin1');
  tiff.writeUInt32LE(8, 4); // the first IFD right after the header
  tiff.writeUInt16LE(1, 8); // one entry
  tiff.writeUInt16LE(0x0112, 10); // Orientation
  tiff.writeUInt16LE(3, 12); // SHORT
  tiff.writeUInt32LE(1, 14);
  tiff.writeUInt16LE(6, 18);
  tiff.writeUInt32LE(0, 22); // no next IFD
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const marker = Buffer.alloc(4);
  marker.writeUInt16BE(0xffe1, 0);
  marker.writeUInt16BE(payload.length + 2, 2);
  const file = await next('orientation6', 'jpg');
  await writeFile(file, Buffer.concat([jpeg.subarray(0, 2), marker, payload, jpeg.subarray(2)]));
  return file;
}

/**
 * An MP4 stored landscape (320x240) with a 90-degree display matrix (ffmpeg 5.1 writes it from the
 * `rotate` tag on a stream copy; 6.0+ also has -display_rotation): rotation 90 turns it counter-
 * clockwise, so the marker stored top-right shows top-left in the upright 240x320 picture.
 */
export async function mp4WithDisplayMatrix90(): Promise<string> {
  const plain = await next('stored', 'mp4');
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `${markerFilter(320, 240, 'top-right')},format=yuv420p`,
    '-t',
    '1',
    '-r',
    '25',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    plain,
  ]);
  const file = await next('rotate90', 'mp4');
  await ffmpeg(['-i', plain, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', file]);
  return file;
}

/** An HEIC made with libheif's heif-enc (Debian's libheif-examples) from an edge-band PNG. */
export async function heicStill(width: number, height: number): Promise<string> {
  const png = await edgesStill(width, height);
  const file = await next('photo', 'heic');
  await run('heif-enc', ['-q', '90', '-o', file, png]);
  return file;
}

/** One frame of a picture or clip as RGB, `atSeconds` in. */
export async function frameRgb(path: string, atSeconds = 0): Promise<{ width: number; height: number; at(x: number, y: number): Rgb }> {
  const { stdout: size } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height',
    '-of',
    'csv=p=0',
    path,
  ]);
  const [width, height] = size.trim().split(',').map(Number) as [number, number];
  const { stdout } = await run(
    'ffmpeg',
    [
      '-v',
      'error',
      ...(atSeconds ? ['-ss', String(atSeconds)] : []),
      '-i',
      path,
      '-frames:v',
      '1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  return {
    width,
    height,
    at: (x, y) => {
      const i = (Math.round(y) * width + Math.round(x)) * 3;
      return [stdout[i] ?? 0, stdout[i + 1] ?? 0, stdout[i + 2] ?? 0];
    },
  };
}

/** Mean luma (0-255) and mean saturation (signalstats' YAVG, SATAVG) over every frame. */
export async function meanLumaAndSaturation(path: string): Promise<{ luma: number; saturation: number }> {
  const { stderr, stdout } = await run(
    'ffmpeg',
    ['-hide_banner', '-nostats', '-i', path, '-vf', 'signalstats,metadata=print:file=-', '-f', 'null', '-'],
    {
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const text = stdout + stderr;
  const mean = (key: string): number => {
    const values = [...text.matchAll(new RegExp(`lavfi\\.signalstats\\.${key}=([0-9.]+)`, 'g'))].map((m) => Number(m[1]));
    return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  };
  return { luma: mean('YAVG'), saturation: mean('SATAVG') };
}

/** The lavfi source both HDR test clips are made from (2 s, 640x360, moving colours). */
const HDR_SOURCE = 'testsrc2=size=640x360:rate=25:duration=2';

/** The HDR transfers phones and editors write: HLG (phones' default) and PQ (HDR10). */
export type HdrTransfer = 'arib-std-b67' | 'smpte2084';

/**
 * The same picture twice: a 10-bit HEVC HDR clip (BT.2020, HLG as phones record or PQ as HDR10),
 * made from BT.709 with zscale (SDR white at 100 nits), and its SDR reference (H.264 BT.709).
 */
export async function hdrAndSdrClips(transfer: HdrTransfer = 'arib-std-b67'): Promise<{ hdr: string; sdr: string }> {
  const hdr = await next(transfer === 'smpte2084' ? 'pq' : 'hlg', 'mp4');
  const sdr = await next('sdr', 'mp4');
  const toHdr = `zscale=tin=bt709:pin=bt709:min=bt709:t=${transfer}:p=bt2020:m=bt2020nc:r=tv:npl=100,format=yuv420p10le`;
  const x265 = [
    '-c:v',
    'libx265',
    '-preset',
    'ultrafast',
    '-x265-params',
    `colorprim=bt2020:transfer=${transfer}:colormatrix=bt2020nc:log-level=error`,
  ];
  await ffmpeg(['-f', 'lavfi', '-i', `${HDR_SOURCE},${uniqueDot()}`, '-vf', toHdr, ...x265, '-tag:v', 'hvc1', hdr]);
  await ffmpeg(['-f', 'lavfi', '-i', `${HDR_SOURCE},${uniqueDot()},format=yuv420p`, '-c:v', 'libx264', '-preset', 'ultrafast', sdr]);
  return { hdr, sdr };
}

/** The HDR clip squeezed to 8 bits with no tone-mapping (what a converter that ignores HDR makes). */
export async function untonemapped(hdr: string): Promise<string> {
  const file = await next('washed-out', 'mp4');
  await ffmpeg(['-i', hdr, '-vf', 'format=yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', file]);
  return file;
}
