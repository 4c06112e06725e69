// Upload of a 1 GiB file over loopback HTTP into a running Loop (media plugin: streamed to disk,
// SHA-256 on the way, fsync) vs copying the same file on disk in the same run (stream copy + fsync,
// the same work without HTTP, multipart or hashing; `cp` shown too). Targets: throughput ratio
// >= 0.5, Loop's RSS growth during the upload < 20 MB (VmRSS of the child from /proc, every 50 ms).
// The bytes are random, so after the upload ffprobe refuses them (415) and the file is removed:
// the figure is the upload path alone. BENCH_UPLOAD_MIB sets the size (default 1024).
import { copyFile, mkdtemp, open, rm, stat } from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fmt, nowMs, procStats, ratio, sleep, spawnUploadLoop, table, writeRandomFile } from './lib.js';
import { uploadFiles } from '../test/helpers/media-files.js';
import { asText } from '../core/util/text.js';

const MIB = Number(process.env.BENCH_UPLOAD_MIB ?? 1024);

export default async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loop-bench-upload-'));
  const src = join(dir, 'big.bin');
  const copy = join(dir, 'copy.bin');
  const size = MIB * 1024 * 1024;
  const loop = await spawnUploadLoop(size);
  try {
    await writeRandomFile(src, size);

    // Baseline 1: read → write → fsync, as the upload does on the device side.
    let t = nowMs();
    await pipeline(createReadStream(src, { highWaterMark: 256 * 1024 }), createWriteStream(copy));
    const c = await open(copy, 'r+');
    await c.sync();
    await c.close();
    const streamCopyS = (nowMs() - t) / 1000;
    await rm(copy);
    t = nowMs();
    await copyFile(src, copy);
    const cpS = (nowMs() - t) / 1000;
    await rm(copy);

    await loop.waitFor('Loop is up', 30_000);
    await sleep(1000);
    const before = procStats(loop.pid).rssMiB;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, procStats(loop.pid).rssMiB);
    }, 50);
    t = nowMs();
    const answer = await uploadFiles(`${loop.http}/api/media`, [{ path: src, name: 'big.mp4' }]);
    const uploadS = (nowMs() - t) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, procStats(loop.pid).rssMiB);
    const mibps = (s: number): number => MIB / s;
    console.log(`file: ${MIB} MiB of random bytes (Loop answered ${answer.status}: ${asText(answer.json.message).slice(0, 80)})`);
    table([
      ['', 'seconds', 'MiB/s', 'upload / it'],
      ['HTTP upload into Loop (multipart, SHA-256, fsync)', fmt(uploadS, 2), fmt(mibps(uploadS)), '1.00x'],
      ['stream copy on disk + fsync (baseline)', fmt(streamCopyS, 2), fmt(mibps(streamCopyS)), ratio(mibps(uploadS), mibps(streamCopyS))],
      ['cp (copy_file_range, no fsync)', fmt(cpS, 2), fmt(mibps(cpS)), ratio(mibps(uploadS), mibps(cpS))],
    ]);
    console.log(`throughput ratio upload / stream copy: ${ratio(mibps(uploadS), mibps(streamCopyS))} (target >= 0.5)`);
    console.log(
      `Loop RSS: ${fmt(before)} MiB before, ${fmt(peak)} MiB peak during the upload: growth ${fmt(peak - before)} MiB (target < 20)`,
    );
    const leftovers = await stat(join(loop.dataDir, 'media', 'incoming')).then(
      () => true,
      () => false,
    );
    if (!leftovers) console.log('note: no incoming dir (media plugin not started?)');
  } finally {
    await loop.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
