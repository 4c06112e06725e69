// Resumable (tus) vs multipart upload of the same file into the same running Loop, one after the
// other: seconds and Loop's peak RSS during each (VmRSS of the child from /proc, every 50 ms), and
// what loading @tus/server costs (it is imported on the first tus request: RSS before and after
// that request; import time in a fresh node process). The bytes are random, so each upload ends in
// a 415 from ffprobe: the figures are the upload paths alone. Also the peak disk space the data
// directory's files take during each (their allocated blocks, every 50 ms, above the start) and, for
// tus, the seconds from the last byte sent to the answer (the ingest of the finished file: hash,
// move into media/incoming, probe). BENCH_UPLOAD_MIB sets the size (default 200).
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fmt, nowMs, packageRoot, procStats, sleep, spawnUploadLoop, table, writeRandomFile } from './lib.js';
import { uploadFiles } from '../test/helpers/media-files.js';
import { startTus } from '../test/helpers/tus.js';

const MIB = Number(process.env.BENCH_UPLOAD_MIB ?? 200);
const CHUNK = 8 * 1024 * 1024;
const run = promisify(execFile);

/** Import time and RSS growth of @tus/server + @tus/file-store in a fresh node (median of 5). */
async function importCost(): Promise<{ ms: number; rssMiB: number }> {
  const script =
    "const r0 = process.memoryUsage().rss; const t = performance.now(); await Promise.all([import('@tus/server'), import('@tus/file-store')]); " +
    'console.log(JSON.stringify({ ms: performance.now() - t, rssMiB: (process.memoryUsage().rss - r0) / 1048576 }))';
  const runs: Array<{ ms: number; rssMiB: number }> = [];
  for (let i = 0; i < 5; i++) {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: packageRoot });
    runs.push(JSON.parse(stdout) as { ms: number; rssMiB: number });
  }
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  return { ms: mid(runs.map((r) => r.ms)), rssMiB: mid(runs.map((r) => r.rssMiB)) };
}

/** MiB the files under `dir` take on the disk (allocated blocks): this Loop's own, not the shared filesystem's. */
async function diskUsedMiB(dir: string): Promise<number> {
  let blocks = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (!entry.isFile()) continue;
    // A file may go between the listing and the stat (renamed, removed): it then counts where it lands.
    const st = await stat(join(entry.parentPath, entry.name)).catch(() => null);
    blocks += st?.blocks ?? 0;
  }
  return (blocks * 512) / 1048576;
}

/** Runs `job` while sampling the Loop child's RSS and the disk; answers seconds, the RSS peak and the disk peak above the start. */
async function sampled(pid: number, dataDir: string, job: () => Promise<unknown>): Promise<{ s: number; peak: number; diskMiB: number }> {
  let peak = procStats(pid).rssMiB;
  const disk0 = await diskUsedMiB(dataDir);
  let disk = disk0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, procStats(pid).rssMiB);
    void diskUsedMiB(dataDir).then((d) => (disk = Math.max(disk, d)));
  }, 50);
  const t = nowMs();
  try {
    await job();
  } finally {
    clearInterval(sampler);
  }
  return { s: (nowMs() - t) / 1000, peak: Math.max(peak, procStats(pid).rssMiB), diskMiB: disk - disk0 };
}

export default async function bench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loop-bench-tus-'));
  const src = join(dir, 'big.mp4');
  const size = MIB * 1024 * 1024;
  const loop = await spawnUploadLoop(size);
  try {
    await writeRandomFile(src, size);
    await loop.waitFor('Loop is up', 30_000);
    await sleep(1000);
    const idle = procStats(loop.pid).rssMiB;
    // The first tus request loads @tus/server.
    await fetch(`${loop.http}/api/uploads/tus`, { method: 'OPTIONS' });
    await sleep(500);
    const loaded = procStats(loop.pid).rssMiB;
    const multipart = await sampled(loop.pid, loop.dataDir, () => uploadFiles(`${loop.http}/api/media`, [{ path: src, name: 'big.mp4' }]));
    await sleep(1000);
    const beforeTus = procStats(loop.pid).rssMiB;
    let lastByteAt = 0;
    const tus = await sampled(loop.pid, loop.dataDir, () =>
      // Refused (415) once complete: random bytes are no media. The bytes all went in first.
      startTus({
        endpoint: `${loop.http}/api/uploads/tus`,
        path: src,
        filename: 'big.mp4',
        chunkSize: CHUNK,
        // The last report is the last byte going out (reports follow the bytes sent).
        onProgress: () => (lastByteAt = nowMs()),
      }).done.catch((err: unknown) => err),
    );
    const ingestS = (nowMs() - lastByteAt) / 1000;
    const cost = await importCost();
    console.log(`file: ${MIB} MiB of random bytes; tus in ${CHUNK / 1048576} MiB chunks`);
    table([
      ['', 'seconds', 'MiB/s', 'RSS before', 'RSS peak', 'growth', 'disk peak MiB'],
      [
        'multipart POST /api/media',
        fmt(multipart.s, 2),
        fmt(MIB / multipart.s),
        fmt(loaded),
        fmt(multipart.peak),
        fmt(multipart.peak - loaded),
        fmt(multipart.diskMiB),
      ],
      [
        'tus /api/uploads/tus (+ ingest)',
        fmt(tus.s, 2),
        fmt(MIB / tus.s),
        fmt(beforeTus),
        fmt(tus.peak),
        fmt(tus.peak - beforeTus),
        fmt(tus.diskMiB),
      ],
    ]);
    console.log(`tus: last byte sent to answer (the ingest of the finished file) ${fmt(ingestS, 2)} s`);
    console.log(
      `Loop RSS idle ${fmt(idle)} MiB, after the first tus request (module loaded) ${fmt(loaded)} MiB: +${fmt(loaded - idle)} MiB`,
    );
    console.log(`@tus/server + @tus/file-store in a fresh node: import ${fmt(cost.ms)} ms, RSS +${fmt(cost.rssMiB)} MiB (median of 5)`);
  } finally {
    await loop.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
