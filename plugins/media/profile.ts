// The display profile as ffmpeg arguments: one place, so the plugin and the bench run the same command.
import { createHash } from 'node:crypto';
import type { DisplayProfile, MediaConfig } from './config.js';
import { decoderPixelLimit, type FfmpegArgs } from './ffmpeg-run.js';
import { hardwareBitrateKbps, type Encoder } from './encoder.js';

/** How a picture whose shape differs from the screen's is fitted (media.display.fit). */
export type Fit = DisplayProfile['fit'];

/** Gaussian blur of the fill behind a `blur` fit, as a share of the canvas' shorter side. */
const BLUR_SHARE = 0.04;

/**
 * Scale to the screen: `cover` fills it and crops the overflow, `contain` letterboxes on
 * `background`, `blur` puts the whole picture (as `contain`) on a blurred `cover` of itself. ffmpeg
 * has already turned the frames upright (autorotate: a video's display matrix, a JPEG's EXIF
 * orientation), so the filters see the picture as it is meant to be seen.
 */
export function fitFilter(p: DisplayProfile, fit: Fit = p.fit): string {
  const { width: w, height: h } = p;
  const cover = `scale=${w}:${h}:force_original_aspect_ratio=increase:force_divisible_by=2,crop=${w}:${h}`;
  const inside = `scale=${w}:${h}:force_original_aspect_ratio=decrease:force_divisible_by=2`;
  if (fit === 'cover') return cover;
  if (fit === 'contain') return `${inside},pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=${p.background}`;
  const sigma = Math.max(2, Math.round(Math.min(w, h) * BLUR_SHARE));
  // One input, one output: a -vf graph may name its inner pads. The fill is blurred at the screen's
  // size (not the source's), so its cost does not grow with the upload.
  return `split=2[fill][subject];[fill]${cover},gblur=sigma=${sigma}[blurred];[subject]${inside}[fitted];[blurred][fitted]overlay=(W-w)/2:(H-h)/2`;
}

/**
 * The fit a conversion uses: a picture of the screen's shape needs no fill, so `blur` becomes a plain
 * `cover` (the same pixels, without the blur's cost on a Pi). `shape` is the source's upright size
 * when it is known for sure (a video's probe counts its display matrix), else null.
 */
export function fitFor(p: DisplayProfile, fit: Fit, shape: { width: number; height: number } | null): Fit {
  if (fit !== 'blur' || !shape) return fit;
  const same = Math.abs(shape.width / shape.height - p.width / p.height) < 0.01 * (p.width / p.height);
  return same ? 'cover' : fit;
}

/**
 * HDR (HLG or PQ) → SDR BT.709: to linear light (100 nits nominal peak), tone-mapped, then to
 * BT.709 and 8 bits. mobius keeps the SDR range as it is and rolls off only the highlights above it;
 * hable darkened a phone clip's SDR-range picture by a third (mean luma 84 against 125; measured in
 * test/integration/media-hdr.test.ts). zscale and tonemap are in Debian 12's and 13's ffmpeg.
 */
export const TONEMAP =
  'zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=mobius:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p';

/**
 * Tone-mapping works in 32-bit float RGB: at 1080p it took 71 s for a 10 s clip here, against 5 s
 * without. So the picture is first scaled (still 10-bit) to just cover the screen, and tone-mapped
 * at that size (then 9.6 s, at a load of 15 on 2 cores); the fit that follows only trims or shrinks it.
 */
function hdrToSdr(p: DisplayProfile): string {
  return `scale=${p.width}:${p.height}:force_original_aspect_ratio=increase:force_divisible_by=2,${TONEMAP}`;
}

/** Transfer characteristics that mark a video as HDR (ffprobe's color_transfer). */
export const HDR_TRANSFERS: ReadonlySet<string> = new Set(['arib-std-b67', 'smpte2084']);

const common = (maxPixels: number): string[] => ['-nostdin', '-hide_banner', '-max_pixels', String(decoderPixelLimit(maxPixels))];

/**
 * Videos and animated GIFs → H.264 (High with libx264; the Pi's hardware encoder where
 * encoder.ts picks it), yuv420p (the Pi decodes it in hardware), constant frame rate, a keyframe every two seconds, MP4 with the index first (+faststart) and no edit of
 * timestamps, so mpv loops it without a gap. Audio only when configured.
 */
export function videoArgs(
  cfg: MediaConfig,
  hasAudio: boolean,
  fit: Fit = cfg.display.fit,
  hdr = false,
  encoder: Encoder = 'libx264',
): FfmpegArgs {
  const p = cfg.display;
  const keepAudio = cfg.video.keep_audio && hasAudio;
  // The hardware encoder has no crf, preset or thread count: a bitrate for the screen's size instead.
  const encode =
    encoder === 'h264_v4l2m2m'
      ? ['-c:v', 'h264_v4l2m2m', '-b:v', `${hardwareBitrateKbps(p.width, p.height, p.fps)}k`]
      : [
          ...['-c:v', 'libx264', '-preset', cfg.video.preset, '-crf', String(cfg.video.crf), '-profile:v', 'high'],
          ...(cfg.video.threads > 0 ? ['-threads', String(cfg.video.threads)] : []),
        ];
  return {
    input: common(cfg.max_pixels),
    output: [
      '-map',
      '0:v:0',
      ...(keepAudio ? ['-map', '0:a:0'] : []),
      '-vf',
      `${hdr ? `${hdrToSdr(p)},` : ''}fps=${p.fps},${fitFilter(p, fit)},setsar=1,format=yuv420p`,
      ...encode,
      '-pix_fmt',
      'yuv420p',
      '-g',
      String(Math.max(1, Math.round(p.fps * 2))),
      ...(keepAudio ? ['-c:a', 'aac', '-b:a', cfg.video.audio_bitrate] : ['-an']),
      '-sn',
      '-dn',
      '-map_metadata',
      '-1',
      '-map_chapters',
      '-1',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      '-stats_period',
      '0.25',
    ],
  };
}

/** The first video frame only: stills and thumbnails. */
const FIRST_FRAME = ['-map', '0:v:0', '-frames:v', '1'];
/** One image file, written in place, without the source's metadata. */
const ONE_IMAGE = ['-f', 'image2', '-update', '1', '-map_metadata', '-1'];

/** Stills → one PNG at the display size (lossless, keeps transparency). */
export function stillArgs(cfg: MediaConfig, fit: Fit = cfg.display.fit): FfmpegArgs {
  return {
    input: common(cfg.max_pixels),
    output: [...FIRST_FRAME, '-vf', `${fitFilter(cfg.display, fit)},setsar=1`, '-c:v', 'png', ...ONE_IMAGE, '-stats_period', '0.25'],
  };
}

/**
 * Seconds of a still's clip: one keyframe and the frames that repeat it (a few bytes each). The
 * player repeats it on its timeline for the still's seconds (EDL `length=`), so those stay a loop
 * setting: changing them converts nothing.
 */
export const STILL_CLIP_SECONDS = 2;

/**
 * A still's picture (the PNG stillArgs made, at the screen's size) → STILL_CLIP_SECONDS of the
 * clips' profile: H.264 High, yuv420p, the screen's frame rate, one keyframe; with a silent track
 * when clips keep their sound (mpv 0.35 stalls on a timeline that mixes segments with and without).
 */
export function stillClipArgs(cfg: MediaConfig): FfmpegArgs {
  const frames = Math.max(1, Math.round(cfg.display.fps * STILL_CLIP_SECONDS));
  const audio = cfg.video.keep_audio;
  return {
    input: [...common(cfg.max_pixels), '-loop', '1', '-framerate', String(cfg.display.fps)],
    output: [
      ...(audio ? ['-filter_complex', 'anullsrc=r=48000:cl=stereo[silence]', '-map', '0:v:0', '-map', '[silence]'] : ['-map', '0:v:0']),
      // `-t` only: with `-frames:v` ffmpeg ended the silent track early (1.24 s of 2).
      '-t',
      String(STILL_CLIP_SECONDS),
      '-vf',
      'setsar=1,format=yuv420p',
      '-c:v',
      'libx264',
      '-preset',
      cfg.video.preset,
      '-crf',
      String(cfg.video.crf),
      '-profile:v',
      'high',
      '-pix_fmt',
      'yuv420p',
      '-g',
      String(frames),
      ...(cfg.video.threads > 0 ? ['-threads', String(cfg.video.threads)] : []),
      ...(audio ? ['-c:a', 'aac', '-b:a', cfg.video.audio_bitrate] : ['-an']),
      '-map_metadata',
      '-1',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
    ],
  };
}

/** A JPEG thumbnail from the converted file, `atSeconds` into it. */
export function thumbnailArgs(cfg: MediaConfig, atSeconds: number): FfmpegArgs {
  return {
    input: [...common(cfg.max_pixels), ...(atSeconds > 0 ? ['-ss', atSeconds.toFixed(3)] : [])],
    output: [...FIRST_FRAME, '-vf', `scale=${cfg.thumbnail_width}:-2,format=yuvj420p`, '-c:v', 'mjpeg', '-q:v', '4', ...ONE_IMAGE],
  };
}

/**
 * A short key of everything that shapes the output: it is part of the converted file's name, so a
 * URL always means the same bytes and can be cached forever.
 */
export function profileKey(cfg: MediaConfig): string {
  const shape = { d: cfg.display, v: cfg.video, t: cfg.thumbnail_width, s: 2 };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 8);
}
