// Decompression bounds, measured: the peak memory of probing a 16000x16000 TIFF bomb before (bare
// ffprobe, as main ran it) and after (header check; ffprobe under -max_pixels), and the peak RSS
// and address space (VmHWM, VmPeak) of real conversions, the figures media.max_pixels and
// media.max_decoder_address_space_mib are chosen from. Children are sampled from /proc.
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fmt, nowMs, table } from './lib.js';
import { defaultMediaConfig } from '../plugins/media/config.js';
import { decoderPixelLimit, ffmpegArgv, INPUT_WHITELIST, limitedArgv } from '../plugins/media/ffmpeg-run.js';
import { stillArgs, videoArgs } from '../plugins/media/profile.js';
import { declaredSize } from '../plugins/media/sniff.js';
import { tiffBomb } from '../test/helpers/image-headers.js';

const exec = promisify(execFile);
const MiB = 1024 * 1024;

interface Peak {
  seconds: number;
  code: number | null;
  rssMiB: number;
  vmPeakMiB: number;
}

/** Runs argv and samples its VmHWM and VmPeak every 5 ms (/proc has no event for either). */
function measure(argv: string[]): Promise<Peak> {
  return new Promise((resolve, reject) => {
    const started = nowMs();
    const [file, ...args] = argv as [string, ...string[]];
    const child = spawn(file, args, { stdio: 'ignore', env: { ...process.env, MALLOC_ARENA_MAX: '2' } });
    let rss = 0;
    let vm = 0;
    const timer = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        rss = Math.max(rss, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
        vm = Math.max(vm, Number(/VmPeak:\s+(\d+)/.exec(status)?.[1] ?? 0));
      } catch {
        // between exec and exit
      }
    }, 5);
    child.on('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ seconds: (nowMs() - started) / 1000, code, rssMiB: rss / 1024, vmPeakMiB: vm / 1024 });
    });
  });
}

export default async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loop-bench-bounds-'));
  const cfg = defaultMediaConfig;
  const limits = { addressSpaceBytes: (cfg.max_decoder_address_space_mib ?? 0) * MiB };
  try {
    const bomb = join(dir, 'bomb.tiff');
    const bytes = tiffBomb(16000, 16000);
    await writeFile(bomb, bytes);
    const probeArgs = ['-v', 'warning', '-print_format', 'json', '-show_format', '-show_streams', ...INPUT_WHITELIST];
    const before = await measure(['ffprobe', ...probeArgs, bomb]);
    let t = nowMs();
    const sniffed = await declaredSize(bomb);
    const sniffMs = nowMs() - t;
    const after = await measure(
      limitedArgv('ffprobe', [...probeArgs, '-max_pixels', String(decoderPixelLimit(cfg.max_pixels)), bomb], limits),
    );
    console.log(`bomb: ${bytes.length} bytes declaring ${sniffed?.width}x${sniffed?.height} (768 MiB as RGB)`);
    table([
      ['probe of the bomb', 'seconds', 'peak RSS MiB', 'VmPeak MiB'],
      ['before: ffprobe, no bounds (as on main)', fmt(before.seconds, 2), fmt(before.rssMiB, 0), fmt(before.vmPeakMiB, 0)],
      ['after: header check (refused here; no decoder runs)', fmt(sniffMs / 1000, 4), '0', '0'],
      ['after, header check bypassed: ffprobe -max_pixels + prlimit', fmt(after.seconds, 2), fmt(after.rssMiB, 0), fmt(after.vmPeakMiB, 0)],
    ]);

    t = nowMs();
    const src = (name: string, args: string[]): Promise<unknown> => exec('ffmpeg', ['-v', 'error', '-y', ...args, join(dir, name)]);
    const lavfi = (size: string): string[] => ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`];
    await Promise.all([
      src('h264-1080.mp4', [...lavfi('1920x1080'), '-t', '6', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p']),
      src('hevc-1080.mp4', [...lavfi('1920x1080'), '-t', '6', '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=none']),
      src('photo-24mp.jpg', [...lavfi('6000x4000'), '-frames:v', '1', '-q:v', '6']),
      src('rgba64-24mp.png', [...lavfi('6000x4000'), '-frames:v', '1', '-pix_fmt', 'rgba64be']),
    ]);
    console.log(`sources made in ${fmt((nowMs() - t) / 1000)} s; every conversion below runs as the plugin runs it (prlimit, nice 10)`);
    const rows = [['conversion to the display profile', 'seconds', 'exit', 'peak RSS MiB', 'VmPeak MiB']];
    const jobs: Array<[string, string, 'video' | 'still']> = [
      ['1080p H.264, 6 s', 'h264-1080.mp4', 'video'],
      ['1080p HEVC, 6 s', 'hevc-1080.mp4', 'video'],
      ['24 MP JPEG', 'photo-24mp.jpg', 'still'],
      ['24 MP 16-bit RGBA PNG (the worst still)', 'rgba64-24mp.png', 'still'],
    ];
    for (const [what, name, kind] of jobs) {
      const args = kind === 'video' ? videoArgs(cfg, false) : stillArgs(cfg);
      const out = join(dir, kind === 'video' ? 'out.mp4' : 'out.png');
      const peak = await measure(limitedArgv('ffmpeg', ffmpegArgv(join(dir, name), out, args), limits, 10));
      rows.push([what, fmt(peak.seconds, 2), String(peak.code), fmt(peak.rssMiB, 0), fmt(peak.vmPeakMiB, 0)]);
    }
    table(rows);
    console.log(`address-space limit: ${cfg.max_decoder_address_space_mib} MiB; pixel limit: ${cfg.max_pixels / 1e6} MP`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
