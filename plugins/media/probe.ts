// ffprobe (its JSON, spawned by ffmpeg-run.ts) on every upload: is it a picture, a GIF or a video with a
// stream ffmpeg can decode, how big is it, how long. Refusals say what was found.
import type { FfprobeData, FfprobeStream } from 'fluent-ffmpeg';
import { ActionError } from '../../core/protocol/envelope.js';
import type { MediaKind, MediaSource } from '../../core/protocol/media.js';
import { open } from 'node:fs/promises';
import { declaredSize, UnreadableHeader, type DeclaredSize } from './sniff.js';
import { decoderPixelLimit, pixelLimitMessage, refusedPictureSize, runFfprobe, type ChildLimits } from './ffmpeg-run.js';
import { asText } from '../../core/util/text.js';
import { hdrOf } from './hdr.js';

export interface ProbeResult extends MediaSource {
  kind: MediaKind;
  /** MIME type from what ffprobe found (never from the client's claim). */
  mime: string;
  /** File extension for the stored original (from the format, never from the upload's name). */
  ext: string;
  frame_count: number;
  fps: number | null;
  /** HDR video (HLG or PQ transfer): tone-mapped to SDR when converted. */
  hdr: boolean;
}

export interface ProbeLimits {
  maxPixels: number;
  maxDurationSeconds: number | null;
  timeoutMs: number;
  ffprobePath: string | null;
  /** ffprobe's address-space cap. */
  child: ChildLimits;
}

/** ffprobe's format names for still pictures: each must have had its size read from its header. */
const STILL_DEMUXER = /(^|,)(image2|gif|\w+_pipe)(,|$)/;

const IMAGE_CODECS = new Set(['png', 'mjpeg', 'jpegls', 'bmp', 'webp', 'tiff', 'gif', 'jpeg2000', 'jpegxl', 'ppm', 'pgm', 'qoi']);

/** Probes a file; throws ActionError `unsupported` (what was found) or `too_large` (pixel bombs, over-long clips). */
export async function probeMedia(path: string, limits: ProbeLimits): Promise<ProbeResult> {
  const head = await readHead(path, 4096);
  if (head.length === 0) throw new ActionError('unsupported', 'the file is empty');
  const list = playlistKind(head);
  // Never handed to ffprobe: a manifest names other files (file://...), which would be read instead.
  if (list)
    throw new ActionError(
      'unsupported',
      `${list} is not accepted: playlists and manifests point at other files; upload the video or picture itself`,
    );
  const declared = await sniff(path);
  if (declared) checkPixels(declared.width, declared.height, limits.maxPixels, declared.format, true);
  // HEIF is decoded by libheif at conversion (heif-decode.ts): ffmpeg 5.1 cannot read it.
  if (declared?.format === 'heif') return heifStill(declared);

  let data: FfprobeData;
  try {
    data = await ffprobe(path, [], limits);
  } catch (err) {
    if (err instanceof ActionError && err.code === 'unsupported') {
      if (err.message.startsWith(NOT_ACCEPTED)) throw err;
      throw new ActionError('unsupported', `not a picture or video: found ${describeBytes(head)} (ffprobe: ${err.message})`);
    }
    throw err;
  }
  const video = pickVideo(data);
  const formatName = data.format.format_name ?? 'unknown';
  // Fail closed: a still whose size no header check read is not converted (sniff.ts knows every still demuxer).
  if (!declared && STILL_DEMUXER.test(formatName)) {
    throw new ActionError('unsupported', `a ${formatName} picture whose size could not be read from its header`);
  }
  if (!video) {
    const found = data.streams.map((s) => `${s.codec_type ?? '?'} ${s.codec_name ?? '?'}`).join(', ') || 'no streams';
    throw new ActionError('unsupported', `not a picture or video: ${formatName} with ${found}`);
  }
  const codec = video.codec_name ?? 'unknown';
  if (!codec || codec === 'none' || !video.width || !video.height) {
    throw new ActionError('unsupported', `no decodable picture in ${formatName} (${codec} stream without a size)`);
  }
  checkPixels(video.width, video.height, limits.maxPixels, codec, false);

  // Animated or not: a GIF (or any image codec) with one packet is a still; only they are counted.
  let packets: number | null = null;
  if (IMAGE_CODECS.has(codec)) {
    data = await ffprobe(path, ['-count_packets'], limits);
    packets = Number(pickVideo(data)?.nb_read_packets ?? NaN);
  }
  const isStill =
    IMAGE_CODECS.has(codec) && (packets === null || !Number.isFinite(packets) || packets <= 1) && !/mov|mp4|matroska|avi/.test(formatName);
  const kind: MediaKind = isStill ? 'image' : 'video';

  const duration = kind === 'image' ? null : (positive(Number(data.format.duration)) ?? positive(Number(video.duration)));
  if (kind === 'video' && duration === null) throw new ActionError('unsupported', `${formatName}/${codec}: no duration, cannot convert`);
  if (kind === 'video' && duration !== null && limits.maxDurationSeconds !== null && duration > limits.maxDurationSeconds) {
    throw new ActionError(
      'too_large',
      `the clip lasts ${Math.round(duration)} s, more than media.max_duration_seconds (${limits.maxDurationSeconds} s)`,
    );
  }
  const fps = rate(video.avg_frame_rate) ?? rate(video.r_frame_rate);
  const nbFrames = Number(video.nb_frames ?? packets ?? NaN);
  const frame_count =
    kind === 'image' ? 1 : Number.isFinite(nbFrames) && nbFrames > 0 ? nbFrames : Math.round((duration ?? 0) * (fps ?? 25));
  const [width, height] = rotated(video) ? [video.height, video.width] : [video.width, video.height];
  const { mime, ext } = mimeOf(formatName, codec, data);
  return {
    kind,
    mime,
    ext,
    format: formatName,
    codec,
    width,
    height,
    duration,
    frame_count,
    fps,
    has_audio: data.streams.some((s) => s.codec_type === 'audio'),
    hdr: kind === 'video' && hdrOf(video),
  };
}

function heifStill(d: DeclaredSize): ProbeResult {
  const still = { kind: 'image', mime: 'image/heic', ext: 'heic', format: 'heif', codec: 'hevc', duration: null } as const;
  return { ...still, width: d.width, height: d.height, frame_count: 1, fps: null, has_audio: false, hdr: false };
}

/** The header's declared size; a still format whose header gives none is refused (fail closed). */
async function sniff(path: string): Promise<DeclaredSize | null> {
  try {
    return await declaredSize(path);
  } catch (err) {
    if (err instanceof UnreadableHeader) throw new ActionError('unsupported', `${err.message}: refused before decoding`);
    throw err;
  }
}

function checkPixels(width: number, height: number, maxPixels: number, what: string, fromHeader: boolean): void {
  if (width * height <= maxPixels) return;
  const message = pixelLimitMessage(what, width, height, maxPixels);
  // Only true of the header check: ffprobe's size comes from a decoder that already ran (under -max_pixels).
  throw new ActionError('too_large', fromHeader ? `${message}; refused before decoding` : message);
}

const NOT_ACCEPTED = "the file's format is not accepted";

async function ffprobe(path: string, options: string[], limits: ProbeLimits): Promise<FfprobeData> {
  let answer: { data: unknown; stderr: string };
  try {
    answer = await runFfprobe(path, {
      ffprobePath: limits.ffprobePath,
      limits: limits.child,
      timeoutMs: limits.timeoutMs,
      // A decoder asked for a bigger frame refuses it instead of allocating it.
      args: ['-max_pixels', String(decoderPixelLimit(limits.maxPixels)), ...options],
    });
  } catch (err) {
    if (err instanceof ActionError) throw err;
    const msg = err instanceof Error ? err.message : asText(err);
    const refused = /\[(\w+) @ [^\]]*\] Format not on whitelist/.exec(msg);
    if (refused) {
      throw new ActionError(
        'unsupported',
        `${NOT_ACCEPTED} (${refused[1]}): Loop takes MP4, MOV, MKV, WebM, AVI, MPEG-TS, GIF and pictures`,
      );
    }
    const size = refusedPictureSize(msg);
    if (size) throw new ActionError('too_large', pixelLimitMessage('the decoder', size.width, size.height, limits.maxPixels));
    throw new ActionError('unsupported', ffprobeReason(msg));
  }
  // ffprobe answers 0 with a size-less stream when a decoder refused a frame over -max_pixels.
  const size = refusedPictureSize(answer.stderr);
  if (size) throw new ActionError('too_large', pixelLimitMessage('the decoder', size.width, size.height, limits.maxPixels));
  const data = answer.data as Partial<FfprobeData>;
  return { streams: data.streams ?? [], format: data.format ?? {}, chapters: [] };
}

function pickVideo(data: FfprobeData): FfprobeStream | undefined {
  const videos = data.streams.filter((s) => s.codec_type === 'video');
  // Cover art in an audio file is an attached picture, not a video.
  return videos.find((s) => !s.disposition?.attached_pic) ?? undefined;
}

function rotated(s: FfprobeStream): boolean {
  const list = (s as { side_data_list?: Array<{ rotation?: number }> }).side_data_list ?? [];
  const rot = Number(s.rotation ?? list.find((d) => typeof d.rotation === 'number')?.rotation ?? 0);
  return Math.abs(rot) % 180 === 90;
}

function rate(r: string | undefined): number | null {
  if (!r) return null;
  const [n, d] = r.split('/').map(Number);
  if (!n || !d) return null;
  const v = n / d;
  return Number.isFinite(v) && v > 0 && v < 1000 ? v : null;
}

function positive(n: number): number | null {
  return Number.isFinite(n) && n > 0 ? n : null;
}

function mimeOf(format: string, codec: string, data: FfprobeData): { mime: string; ext: string } {
  if (format.includes('png')) return { mime: 'image/png', ext: 'png' };
  if (format.includes('jpeg') || (format === 'image2' && codec === 'mjpeg')) return { mime: 'image/jpeg', ext: 'jpg' };
  if (format === 'gif') return { mime: 'image/gif', ext: 'gif' };
  if (format.includes('webp')) return { mime: 'image/webp', ext: 'webp' };
  if (format.includes('bmp')) return { mime: 'image/bmp', ext: 'bmp' };
  if (format.includes('tiff')) return { mime: 'image/tiff', ext: 'tiff' };
  if (format.startsWith('mov,mp4')) {
    const brand = asText((data.format.tags as Record<string, unknown> | undefined)?.major_brand).trim();
    return brand === 'qt' ? { mime: 'video/quicktime', ext: 'mov' } : { mime: 'video/mp4', ext: 'mp4' };
  }
  if (format.startsWith('matroska')) {
    return ['vp8', 'vp9', 'av1'].includes(codec) ? { mime: 'video/webm', ext: 'webm' } : { mime: 'video/x-matroska', ext: 'mkv' };
  }
  if (format === 'avi') return { mime: 'video/x-msvideo', ext: 'avi' };
  const safe = format.split(',')[0]?.replace(/[^a-z0-9]/g, '') || 'bin';
  return { mime: 'application/octet-stream', ext: safe.slice(0, 8) };
}

async function readHead(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Text formats that make ffmpeg open other files; null when the head looks like none of them. */
export function playlistKind(head: Buffer): string | null {
  const text = head.toString('latin1').replace(/^\uFEFF|^\xEF\xBB\xBF/, '');
  const table: Array<[RegExp, string]> = [
    [/^\s*#EXTM3U/, 'an HLS / M3U playlist'],
    [/^\s*#EXTINF/m, 'an M3U playlist'],
    [/<MPD[\s>]/, 'a DASH manifest'],
    [/^\s*ffconcat\s+version/, 'an ffmpeg concat list'],
    [/^\s*(file|duration|inpoint)\s+\S/m, 'an ffmpeg concat list'],
    [/^v=0\r?\n[\s\S]*^[cm]=/m, 'an SDP session description'],
    [/^\s*\[playlist\]/i, 'a PLS playlist'],
    [/<smil[\s>]/i, 'a SMIL playlist'],
    [/^;FFMETADATA/, 'an ffmpeg metadata file'],
    [/<(asx|ASX)[\s>]/, 'an ASX playlist'],
  ];
  // Only text can be any of these: binary media may contain such bytes by chance.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000e-\u001a]/.test(text.slice(0, 512))) return null;
  for (const [re, what] of table) if (re.test(text)) return what;
  return null;
}

/** What a file that is not media looks like, for the refusal message. */
export function describeBytes(b: Buffer): string {
  const magic: Array<[string, string]> = [
    ['PK\x03\x04', 'a zip archive'],
    ['%PDF', 'a PDF document'],
    ['\x7fELF', 'a program (ELF)'],
    ['\x1f\x8b', 'gzip data'],
    ['Rar!', 'a RAR archive'],
    ['7z\xbc\xaf', 'a 7-Zip archive'],
    ['ftypheic', 'a HEIC image this ffmpeg cannot read'],
    ['ftyp', 'a damaged or incomplete MP4/QuickTime file'],
    ['\x1aE\xdf\xa3', 'a damaged or incomplete WebM/Matroska file'],
  ];
  const latin = b.toString('latin1', 0, 16);
  for (const [sig, what] of magic) if (latin.includes(sig)) return what;
  const text = b.toString('utf8');
  // eslint-disable-next-line no-control-regex
  if (!text.includes('\uFFFD') && !/[\u0000-\u0008\u000e-\u001f]/.test(text)) {
    return /^\s*<(!doctype|html|svg|\?xml)/i.test(text) ? 'an HTML/XML/SVG document' : 'text';
  }
  return 'unrecognised binary data';
}

/**
 * ffprobe's complaint in Loop's words, from a fixed list: its raw output can quote strings from
 * inside the uploaded file (tags, names), and an error body must never carry those.
 */
const FFPROBE_REASONS: ReadonlyArray<[RegExp, string]> = [
  [/moov atom not found/i, 'the file is incomplete (no index: moov atom not found)'],
  [/End of file|Truncat/i, 'the file ends too early'],
  [/could not find codec parameters|unspecified size/i, 'no stream ffmpeg can decode'],
  [/Invalid data found/i, 'invalid data'],
  [/Protocol not on whitelist|not on whitelist/i, 'it refers to other files or protocols'],
];
export function ffprobeReason(msg: string): string {
  for (const [re, text] of FFPROBE_REASONS) if (re.test(msg)) return text;
  return 'ffprobe could not read it';
}
