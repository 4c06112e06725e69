// Conversion time of 10 s of 1080p30 with the plugin's own ffmpeg arguments (profile.ts), per fit,
// portrait and landscape, and a 10-bit HLG clip tone-mapped to SDR (issue 22). Wall time of the bare
// command, at this machine's load (printed beside each figure). BENCH_FIT_SECONDS sets the length.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fmt, nowMs, table } from './lib.js';
import { defaultMediaConfig, type DisplayProfile } from '../plugins/media/config.js';
import { ffmpegArgv } from '../plugins/media/ffmpeg-run.js';
import { fitFor, videoArgs } from '../plugins/media/profile.js';

const exec = promisify(execFile);
const SECONDS = Number(process.env.BENCH_FIT_SECONDS ?? 10);
const TO_HLG = 'zscale=tin=bt709:pin=bt709:min=bt709:t=arib-std-b67:p=bt2020:m=bt2020nc:r=tv,format=yuv420p10le';
const X265_HLG = [
  '-c:v',
  'libx265',
  '-preset',
  'ultrafast',
  '-x265-params',
  'colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc:log-level=error',
];

const ffmpeg = (args: string[]): Promise<unknown> => exec('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);

export default async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loop-bench-fit-'));
  const src = (size: string): string => `testsrc2=size=${size}:rate=30:duration=${SECONDS},noise=alls=6:allf=t,format=yuv420p`;
  const landscape = join(dir, 'landscape.mp4');
  const portrait = join(dir, 'portrait.mp4');
  const hlg = join(dir, 'hlg.mp4');
  try {
    await ffmpeg(['-f', 'lavfi', '-i', src('1920x1080'), '-c:v', 'libx264', '-preset', 'ultrafast', landscape]);
    await ffmpeg(['-f', 'lavfi', '-i', src('1080x1920'), '-c:v', 'libx264', '-preset', 'ultrafast', portrait]);
    await ffmpeg(['-i', landscape, '-vf', TO_HLG, ...X265_HLG, hlg]);
    const cases: Array<[string, string, [number, number], Partial<DisplayProfile>, boolean]> = [
      ['landscape 1080p → 320x240 blur', landscape, [1920, 1080], { fit: 'blur' }, false],
      ['portrait 1080p → 320x240 blur', portrait, [1080, 1920], { fit: 'blur' }, false],
      ['portrait 1080p → 320x240 cover', portrait, [1080, 1920], { fit: 'cover' }, false],
      ['portrait 1080p → 320x240 contain', portrait, [1080, 1920], { fit: 'contain' }, false],
      ['HLG 10-bit HEVC 1080p → 320x240, tone-mapped', hlg, [1920, 1080], { fit: 'blur' }, true],
      ['portrait 1080p → 1280x720 blur', portrait, [1080, 1920], { fit: 'blur', width: 1280, height: 720 }, false],
    ];
    const rows: string[][] = [['source → screen', `s for ${SECONDS} s`, 'x real time', 'load']];
    for (const [name, input, [width, height], display, hdr] of cases) {
      const cfg = { ...defaultMediaConfig, display: { ...defaultMediaConfig.display, ...display } };
      const fit = fitFor(cfg.display, cfg.display.fit, { width, height });
      const argv = ffmpegArgv(input, join(dir, 'out.mp4'), videoArgs(cfg, false, fit, hdr));
      const load = loadavg()[0]?.toFixed(1) ?? '?';
      const t = nowMs();
      await exec('ffmpeg', ['-loglevel', 'error', ...argv]);
      const s = (nowMs() - t) / 1000;
      rows.push([name, fmt(s, 1), fmt(SECONDS / s, 2), load]);
    }
    table(rows);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
