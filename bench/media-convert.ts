// Conversion of a 60 s 1080p30 clip through the media plugin (upload → ready: probe, queue,
// ffmpeg under prlimit, progress parsing, output probe, thumbnail, index) vs the bare ffmpeg command
// line with the same arguments (from plugins/media/profile.ts), same run, same machine.
// Target: plugin / bare <= 1.05. BENCH_CONVERT_SECONDS sets the clip length (default 60).
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadavg } from 'node:os';
import { fmt, median, nowMs, ratio, spawnLoop, table } from './lib.js';
import { defaultMediaConfig } from '../plugins/media/config.js';
import { ffmpegArgv } from '../plugins/media/ffmpeg-run.js';
import { videoArgs } from '../plugins/media/profile.js';
import { uploadFiles } from '../test/helpers/media-files.js';
import type { MediaProgress } from '../core/protocol/media.js';
import { connectMqtt } from '../test/helpers/mqtt.js';

const exec = promisify(execFile);
const SECONDS = Number(process.env.BENCH_CONVERT_SECONDS ?? 60);
const ROUNDS = Number(process.env.BENCH_CONVERT_ROUNDS ?? 3);

/** The bare command, at the plugin's niceness (10: conversions yield to playback). */
function bare(argv: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = nowMs();
    const p = spawn('nice', ['-n', '10', 'ffmpeg', ...argv], { stdio: ['ignore', 'ignore', 'ignore'] });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve((nowMs() - t) / 1000) : reject(new Error(`ffmpeg exited ${code}`))));
  });
}

export default async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loop-bench-convert-'));
  const clip = join(dir, 'source-1080p.mp4');
  try {
    let t = nowMs();
    await exec('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=1920x1080:rate=30:duration=${SECONDS}`,
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:duration=${SECONDS}`,
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-crf',
      '23',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-shortest',
      clip,
    ]);
    console.log(
      `source: ${SECONDS} s 1920x1080 30 fps H.264 + AAC (made in ${fmt((nowMs() - t) / 1000)} s); profile: ${JSON.stringify(defaultMediaConfig.display)}`,
    );
    const argv = ffmpegArgv(clip, join(dir, 'bare.mp4'), videoArgs(defaultMediaConfig, true));
    console.log(`bare command: ffmpeg ${argv.join(' ')}`);

    const loop = await spawnLoop({ LOOP_PLUGINS: '[system,media]', LOOP_MEDIA_MIN_FREE_BYTES: '0' });
    const bareRuns: number[] = [];
    const pluginRuns: number[] = [];
    const convertRuns: number[] = [];
    try {
      await loop.waitFor('Loop is up', 30_000);
      // Stage times come from the plugin's own progress events (media/progress), not from polling.
      const events = await connectMqtt(loop.mqtt);
      await events.subscribe('loop/+/media/progress');
      // Interleaved, so a busy neighbour on the machine weighs on both alike.
      for (let round = 0; round < ROUNDS; round++) {
        bareRuns.push(await bare(argv));
        t = nowMs();
        const since = events.mark();
        const r = await uploadFiles(`${loop.http}/api/media`, [{ path: clip, name: 'bench.mp4' }]);
        const queued = nowMs();
        const jobId = (r.json.data as { job_ids: string[] }).job_ids[0];
        const stage = (name: string) =>
          events
            .next(
              (m) => {
                const p = m.json as MediaProgress;
                if (p.job_id === jobId && p.stage === 'failed') throw new Error(`conversion failed: ${p.message}`);
                return p.job_id === jobId && p.stage === name;
              },
              120_000,
              since,
            )
            .then(() => nowMs());
        const [convStart, convEnd, done] = await Promise.all([stage('converting'), stage('thumbnail'), stage('done')]);
        pluginRuns.push((done - queued) / 1000);
        convertRuns.push((convEnd - convStart) / 1000);
        const slug = (r.json.data as { slug: string }).slug;
        console.log(
          `round ${round + 1}: bare ${fmt(bareRuns.at(-1) ?? NaN, 2)} s, plugin converting ${fmt(convertRuns.at(-1) ?? NaN, 2)} s, queued → ready ${fmt(pluginRuns.at(-1) ?? NaN, 2)} s (upload and probe before the queue ${fmt((queued - t) / 1000, 2)} s, not counted); load average ${loadavg()[0]?.toFixed(2)}`,
        );
        await fetch(`${loop.http}/api/media/${slug}`, { method: 'DELETE' });
      }
      await events.end();
    } finally {
      await loop.stop();
    }
    const bareS = median(bareRuns);
    const pluginS = median(pluginRuns);
    const convertS = median(convertRuns);
    table([
      ['', 'median s', 'x real time'],
      [`bare ffmpeg, same arguments, nice 10 (${ROUNDS} runs)`, fmt(bareS, 2), fmt(SECONDS / bareS, 2)],
      [`through the plugin: the converting stage (${ROUNDS} runs)`, fmt(convertS, 2), fmt(SECONDS / convertS, 2)],
      [`through the plugin, queued → ready incl. output probe and thumbnail (${ROUNDS} runs)`, fmt(pluginS, 2), fmt(SECONDS / pluginS, 2)],
    ]);
    console.log(`ratio plugin converting stage / bare: ${ratio(convertS, bareS)} (target <= 1.05)`);
    console.log(
      `ratio plugin queued → ready / bare: ${ratio(pluginS, bareS)} (the whole job: probe of the output, thumbnail, fsyncs, index)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
