// The display profile as ffmpeg arguments: one place, so the plugin and the bench run the same command.
import { createHash } from 'node:crypto';
import type { DisplayProfile, MediaConfig } from './config.js';
import { decoderPixelLimit, type FfmpegArgs } from './ffmpeg-run.js';

/** Scale to the screen: `cover` fills it and crops the overflow, `contain` letterboxes. */
export function fitFilter(p: DisplayProfile): string {
  const { width: w, height: h } = p;
  return p.fit === 'cover'
    ? `scale=${w}:${h}:force_original_aspect_ratio=increase:force_divisible_by=2,crop=${w}:${h}`
    : `scale=${w}:${h}:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=${p.background}`;
}

const common = (maxPixels: number): string[] => ['-nostdin', '-hide_banner', '-max_pixels', String(decoderPixelLimit(maxPixels))];

/**
 * Videos and animated GIFs → H.264 High, yuv420p (the Pi decodes it in hardware), constant frame
 * rate, a keyframe every two seconds, MP4 with the index first (+faststart) and no edit of
 * timestamps, so mpv loops it without a gap. Audio only when configured.
 */
export function videoArgs(cfg: MediaConfig, hasAudio: boolean): FfmpegArgs {
  const p = cfg.display;
  const keepAudio = cfg.video.keep_audio && hasAudio;
  return {
    input: common(cfg.max_pixels),
    output: [
      '-map',
      '0:v:0',
      ...(keepAudio ? ['-map', '0:a:0'] : []),
      '-vf',
      `fps=${p.fps},${fitFilter(p)},setsar=1,format=yuv420p`,
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
      String(Math.max(1, Math.round(p.fps * 2))),
      ...(cfg.video.threads > 0 ? ['-threads', String(cfg.video.threads)] : []),
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
export function stillArgs(cfg: MediaConfig): FfmpegArgs {
  return {
    input: common(cfg.max_pixels),
    output: [...FIRST_FRAME, '-vf', `${fitFilter(cfg.display)},setsar=1`, '-c:v', 'png', ...ONE_IMAGE, '-stats_period', '0.25'],
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
