// Runs ffmpeg and ffprobe: the one place their processes are spawned. An argument array, never a
// shell; every child under an address-space limit (prlimit) so a picture that slips past the
// header check cannot take the device's memory; progress from ffmpeg's stats lines; cancellation.
import { spawn } from 'node:child_process';
import { ActionError } from '../../core/protocol/envelope.js';

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

/** What every child gets: the address-space cap (RLIMIT_AS) in bytes, null = none. */
export interface ChildLimits {
  addressSpaceBytes: number | null;
}

export interface RunFfmpegOptions {
  input: string;
  output: string;
  args: FfmpegArgs;
  ffmpegPath?: string | null;
  limits: ChildLimits;
  /** Seconds of output expected, for percentages. */
  durationSeconds?: number | null;
  signal?: AbortSignal;
  onProgress?: (tick: FfmpegTick) => void;
  /** Runs ffmpeg with a lower CPU priority so playback keeps its frames. */
  niceness?: number;
  /** media.max_pixels, for the message when a decoder refuses a frame (the args carry -max_pixels). */
  maxPixels?: number;
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

/** The exact argv ffmpeg gets for these options (the bench runs it bare, without the limits). */
export function ffmpegArgv(input: string, output: string, args: FfmpegArgs): string[] {
  return [...INPUT_WHITELIST, ...args.input, '-i', input, '-y', ...args.output, output];
}

export class FfmpegCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'FfmpegCancelled';
  }
}

/**
 * The argv that runs `program` under the limits: `prlimit --as=BYTES -- [nice -n N --] program ...`.
 * Node cannot set a child's rlimits; prlimit (util-linux) sets it and execs, so the pid is ffmpeg's.
 */
export function limitedArgv(program: string, args: readonly string[], limits: ChildLimits, niceness = 0): string[] {
  const niced = niceness ? ['nice', '-n', String(niceness), '--', program, ...args] : [program, ...args];
  return limits.addressSpaceBytes ? ['prlimit', `--as=${limits.addressSpaceBytes}`, '--', ...niced] : niced;
}

/** Output kept from a child: enough for JSON of a few streams, and the last lines of its complaints. */
const MAX_STDOUT = 4 * 1024 * 1024;
const STDERR_TAIL = 16 * 1024;

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface ChildOptions {
  signal?: AbortSignal;
  onStderrLine?: (line: string) => void;
}

/** Spawns one limited child and collects what it says; rejects only when it cannot be started. */
function runChild(argv: string[], opts: ChildOptions = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = argv as [string, ...string[]];
    // Two malloc arenas instead of eight per core: each reserves 64 MiB of address space, which
    // would count against the limit without holding a byte (1080p: VmPeak 582 -> 461 MiB).
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MALLOC_ARENA_MAX: '2' } });
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let partial = '';
    const onAbort = (): void => void child.kill('SIGKILL');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      if (outBytes >= MAX_STDOUT) return;
      out.push(chunk);
      outBytes += chunk.length;
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
      if (!opts.onStderrLine) return;
      // ffmpeg ends its stats lines with \r, everything else with \n.
      const lines = (partial + chunk).split(/\r\n|\r|\n/);
      partial = lines.pop() ?? '';
      for (const line of lines) opts.onStderrLine(line);
    });
    child.on('error', (err) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.on('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}

/**
 * What an exhausted address space looks like from inside ffmpeg: ENOMEM from an allocation,
 * EAGAIN from a thread whose stack could not be mapped, a library that could not be mapped at
 * start, x264's own malloc message. Measured by running conversions under shrinking limits.
 */
const OUT_OF_MEMORY =
  /Cannot allocate memory|out of memory|Resource temporarily unavailable|failed to map segment|get_buffer\(\) failed|bad_alloc|malloc of size \d+ failed/i;

/** Out of memory: one of those words, a crash from an unchecked allocation, or the kernel's OOM kill (SIGKILL we did not send). */
export function outOfMemory(result: ChildResult, limits: ChildLimits): boolean {
  if (result.signal === 'SIGKILL') return true;
  if (!limits.addressSpaceBytes) return false;
  return OUT_OF_MEMORY.test(result.stderr) || result.signal === 'SIGSEGV' || result.signal === 'SIGABRT' || result.signal === 'SIGBUS';
}

export function outOfMemoryMessage(limits: ChildLimits, result: ChildResult): string {
  // Killed without our asking: the kernel's OOM killer (the unit's MemoryMax), not the address-space cap.
  if (result.signal === 'SIGKILL') return 'out of memory while decoding (killed by the kernel: the service memory limit, MemoryMax)';
  return `out of memory while decoding (limit ${Math.round((limits.addressSpaceBytes ?? 0) / 1048576)} MiB)`;
}

/**
 * The -max_pixels decoders get for a limit of `maxPixels`. ffmpeg checks the coded size, padded to
 * the codec's blocks (a 6000x4000 JPEG is 6016x4000 to the MJPEG decoder; HEVC and VP9 pad to 64),
 * so a picture at the limit needs a little room. The exact check is the header's size or ffprobe's
 * answer; this bound stops a decoder from allocating a frame many times larger.
 */
export function decoderPixelLimit(maxPixels: number): number {
  return Math.ceil(maxPixels * 1.25);
}

/** "16000x16000 pixels is over the limit of 24 megapixels": the size found and the limit, in every refusal. */
export function pixelLimitMessage(what: string, width: number, height: number, maxPixels: number): string {
  const megapixels = Number((maxPixels / 1e6).toFixed(1));
  return `${what}: ${width}x${height} pixels is over the limit of ${megapixels} megapixels (media.max_pixels)`;
}

/** A picture over -max_pixels, as ffmpeg reports it: the size it refused. */
export function refusedPictureSize(stderr: string): { width: number; height: number } | null {
  const m = /Picture size (\d+)x(\d+) (?:is invalid|exceeds specified max pixel count)/.exec(stderr);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : null;
}

/** Why a child could not start: prlimit, nice or the program itself missing. */
function notStarted(result: ChildResult): string | null {
  const m = /(?:prlimit|nice): (?:failed to execute|cannot run|failed to run command) [^\n]*/.exec(result.stderr);
  return result.code === 127 || result.code === 126 || m ? (m?.[0] ?? 'not found') : null;
}

export interface FfprobeOptions {
  ffprobePath?: string | null;
  limits: ChildLimits;
  timeoutMs: number;
  /** Options before the input (after the whitelist). */
  args: string[];
}

/**
 * ffprobe's JSON (-show_format -show_streams) for a file. Throws ActionError: `unavailable` when it
 * cannot run, `too_large` when it ran out of memory, `unsupported` past the timeout (it is killed);
 * a plain Error with ffprobe's words when it refuses the file.
 */
export async function runFfprobe(path: string, opts: FfprobeOptions): Promise<{ data: unknown; stderr: string }> {
  const argv = limitedArgv(
    opts.ffprobePath ?? 'ffprobe',
    // Warnings included: a frame buffer that could not be allocated is only a warning to ffprobe.
    ['-v', 'warning', '-print_format', 'json', '-show_format', '-show_streams', ...INPUT_WHITELIST, ...opts.args, path],
    opts.limits,
  );
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  let result: ChildResult;
  try {
    result = await runChild(argv, { signal: timeout });
  } catch (err) {
    throw new ActionError('unavailable', `ffprobe cannot run: ${err instanceof Error ? err.message : 'spawn failed'}`);
  }
  if (timeout.aborted)
    throw new ActionError('unsupported', 'ffprobe did not answer in time (it was stopped); the file is not readable media');
  const missing = notStarted(result);
  if (missing) throw new ActionError('unavailable', `ffprobe cannot run: ${missing}`);
  // A frame refused by -max_pixels is the caller's to report (with the limit); it is no memory failure.
  if (refusedPictureSize(result.stderr) && result.code === 0) return { data: parseJson(result.stdout), stderr: result.stderr };
  if (outOfMemory(result, opts.limits)) throw new ActionError('too_large', outOfMemoryMessage(opts.limits, result));
  if (result.code !== 0) throw new Error(result.stderr.trim() || `ffprobe exited with code ${String(result.code)}`);
  return { data: parseJson(result.stdout), stderr: result.stderr };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error('ffprobe gave no readable answer');
  }
}

export async function runFfmpeg(opts: RunFfmpegOptions): Promise<void> {
  if (opts.signal?.aborted) throw new FfmpegCancelled();
  const argv = limitedArgv(opts.ffmpegPath ?? 'ffmpeg', ffmpegArgv(opts.input, opts.output, opts.args), opts.limits, opts.niceness);
  const duration = opts.durationSeconds ?? null;
  let result: ChildResult;
  try {
    result = await runChild(argv, {
      signal: opts.signal,
      onStderrLine: (line) => {
        if (!opts.onProgress || !line.includes('time=')) return;
        const tick = parseStats(line, duration);
        if (tick) opts.onProgress(tick);
      },
    });
  } catch (err) {
    throw new Error(`ffmpeg cannot run: ${err instanceof Error ? err.message : 'spawn failed'}`);
  }
  if (opts.signal?.aborted) throw new FfmpegCancelled();
  if (result.code === 0) return;
  const missing = notStarted(result);
  if (missing) throw new Error(`ffmpeg cannot run: ${missing}`);
  // Before the memory check: a refused frame also makes the decoder say "get_buffer() failed".
  const refused = refusedPictureSize(result.stderr);
  if (refused && opts.maxPixels) throw new Error(pixelLimitMessage('the decoder', refused.width, refused.height, opts.maxPixels));
  if (outOfMemory(result, opts.limits)) throw new Error(outOfMemoryMessage(opts.limits, result));
  throw new Error(shortReason(result.stderr || `ffmpeg exited with code ${String(result.code)}`));
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
 * the exit-code preamble or the data directory's paths.
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

/**
 * Another decoder (heif-convert) under the same limits as ffmpeg: `prlimit --as`, nice, cancel.
 * Throws FfmpegCancelled, or an Error with a short reason ("out of memory while decoding ...").
 */
export async function runLimitedDecoder(program: string, args: string[], limits: ChildLimits, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw new FfmpegCancelled();
  let result: ChildResult;
  try {
    result = await runChild(limitedArgv(program, args, limits, 10), { signal });
  } catch (err) {
    throw new Error(`${program} cannot run: ${err instanceof Error ? err.message : 'spawn failed'}`);
  }
  if (signal?.aborted) throw new FfmpegCancelled();
  if (result.code === 0) return;
  const missing = notStarted(result);
  if (missing) throw new Error(`${program} cannot run: ${missing} (install libheif-examples)`);
  if (outOfMemory(result, limits)) throw new Error(outOfMemoryMessage(limits, result));
  throw new Error(shortReason(`${program}: ${result.stderr || `exited with code ${String(result.code)}`}`));
}
