// Runs one ffmpeg command through fluent-ffmpeg (an argument array, never a shell), with progress
// parsed from ffmpeg's own stats lines, cancellation, and a short reason when it fails.
import type FfmpegCommand from 'fluent-ffmpeg';

/** fluent-ffmpeg is loaded at the first conversion, not at start: an idle Loop does not carry it (~1 MiB of heap). */
let fluent: Promise<typeof FfmpegCommand> | null = null;
export const loadFluent = (): Promise<typeof FfmpegCommand> => (fluent ??= import('fluent-ffmpeg').then((m) => m.default));

export interface FfmpegArgs {
  /** Options before `-i <input>`. */
  input: string[];
  /** Options after `-y`, before the output file. */
  output: string[];
}

export interface FfmpegTick {
  seconds: number;
  percent: number | null;
  speed: number | null;
  frames: number | null;
}

export interface RunFfmpegOptions {
  input: string;
  output: string;
  args: FfmpegArgs;
  ffmpegPath?: string | null;
  /** Seconds of output expected, for percentages. */
  durationSeconds?: number | null;
  signal?: AbortSignal;
  onProgress?: (tick: FfmpegTick) => void;
  /** Runs ffmpeg with a lower CPU priority so playback keeps its frames. */
  niceness?: number;
}

/**
 * The demuxers Loop accepts (ffmpeg's names): single-file containers and pictures. Playlists and
 * manifests (hls, dash, concat, sdp, ...) are not among them: they make ffmpeg open other files.
 */
export const ACCEPTED_DEMUXERS = [
  'mov',
  'mp4',
  'm4a',
  '3gp',
  '3g2',
  'mj2',
  'matroska',
  'webm',
  'avi',
  'mpegts',
  'gif',
  'image2',
  'png_pipe',
  'jpeg_pipe',
  'webp_pipe',
  'bmp_pipe',
  'tiff_pipe',
  'jpegls_pipe',
  'j2k_pipe',
  'jpegxl_pipe',
  'ppm_pipe',
  'pgm_pipe',
  'qoi_pipe',
] as const;

/** Input options for every ffmpeg and ffprobe run (ffmpeg 5.1 has both): those demuxers, local files only. */
export const INPUT_WHITELIST: readonly string[] = ['-format_whitelist', ACCEPTED_DEMUXERS.join(','), '-protocol_whitelist', 'file'];

/** The exact argv fluent-ffmpeg gives ffmpeg for these options (the bench runs it bare). */
export function ffmpegArgv(input: string, output: string, args: FfmpegArgs): string[] {
  return [...INPUT_WHITELIST, ...args.input, '-i', input, '-y', ...args.output, output];
}

export class FfmpegCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'FfmpegCancelled';
  }
}

export async function runFfmpeg(opts: RunFfmpegOptions): Promise<void> {
  const ffmpeg = await loadFluent();
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new FfmpegCancelled());
      return;
    }
    const cmd = ffmpeg(opts.input, { stdoutLines: 0 });
    if (opts.ffmpegPath) cmd.setFfmpegPath(opts.ffmpegPath);
    // Several arguments at once: fluent-ffmpeg then never splits an option on its spaces.
    cmd.inputOptions(...(INPUT_WHITELIST as [string, ...string[]]), ...opts.args.input);
    cmd.output(opts.output);
    if (opts.args.output.length) cmd.outputOptions(...(opts.args.output as [string, ...string[]]));
    if (opts.niceness) cmd.renice(opts.niceness);
    let cancelled = false;
    const onAbort = (): void => {
      cancelled = true;
      cmd.kill('SIGKILL');
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const duration = opts.durationSeconds ?? null;
    // Not a 'progress' listener: that makes fluent-ffmpeg run its own ffprobe first.
    cmd.on('stderr', (line: string) => {
      if (!opts.onProgress || !line.includes('time=')) return;
      const tick = parseStats(line, duration);
      if (tick) opts.onProgress(tick);
    });
    cmd.on('error', (err: Error) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(cancelled ? new FfmpegCancelled() : new Error(shortReason(err.message)));
    });
    cmd.on('end', () => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (cancelled) reject(new FfmpegCancelled());
      else resolve();
    });
    cmd.run();
  });
}

/** `frame=  250 fps=... time=00:00:10.00 bitrate=... speed=2.5x` → seconds, percent, speed. */
export function parseStats(line: string, duration: number | null): FfmpegTick | null {
  const t = /time=\s*(-?)(\d+):(\d+):(\d+(?:\.\d+)?)/.exec(line);
  if (!t) return null;
  const seconds = t[1] ? 0 : Number(t[2]) * 3600 + Number(t[3]) * 60 + Number(t[4]);
  const speed = /speed=\s*([\d.]+)x/.exec(line);
  const frames = /frame=\s*(\d+)/.exec(line);
  const percent = duration && duration > 0 ? Math.max(0, Math.min(100, (seconds / duration) * 100)) : null;
  return { seconds, percent, speed: speed ? Number(speed[1]) : null, frames: frames ? Number(frames[1]) : null };
}

/**
 * ffmpeg's reason in a line a person can read: the last meaningful lines of its output, without
 * fluent-ffmpeg's preamble or the data directory's paths.
 */
export function shortReason(message: string, max = 240): string {
  const lines = message
    .replace(/^ffmpeg exited with code \d+:\s*/i, '')
    .replace(/^ffprobe exited with code \d+\s*/i, '')
    .split(/\r?\n/)
    .map((l) => l.replace(/^\[[^\]]+\]\s*/, '').trim())
    .filter(
      (l) =>
        l &&
        !/^(ffmpeg|ffprobe) version|^built with|^configuration:|^lib(av|sw|post)|^Conversion failed!?$|^Input #|^Output #|^Stream mapping|^Press \[q\]/.test(
          l,
        ),
    );
  const text = (lines.slice(-3).join('; ') || message.trim() || 'ffmpeg failed').replace(
    /\/[^\s:'"]*\/(\.tmp-[^\s:'"]*|[0-9a-f]{64}[^\s:'"]*)/g,
    '<file>',
  );
  if (/No space left on device/i.test(text)) return 'no space left on the device';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
