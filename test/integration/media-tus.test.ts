// Uploads that survive WiFi drops (tus, /api/uploads/tus): a phone's upload resumes from where the
// device has it, after a dropped connection or a Loop restart, and ends in the same library as a
// multipart upload. tus-js-client in Node against a real Loop on real sockets.
//
// What each part proves, honestly: the large uploads are a real 1 s H.264 clip followed by an MP4
// `free` box (padded to 200 MB, not the 1 GB, to keep the test near a minute on a shared
// machine). The resume (bytes, offsets, hash) is proven on the full size; the ingest (probe,
// conversion, content hash) on the clip inside it, which ffprobe and ffmpeg read as a 1 s clip.
import { readFileSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import type { DetailedError } from 'tus-js-client';
import type { UploadResult } from '../../core/protocol/media.js';
import { claim, raw } from '../helpers/auth.js';
import { makeClip } from '../helpers/clips.js';
import { removeDir, startLoopProcess, startTestLoop, tempDir, type TestLoop } from '../helpers/loop.js';
import { uploadFiles, waitItem } from '../helpers/media-files.js';
import { connectWs, ofType, type WsMessage } from '../helpers/ws.js';
import { tusJobId } from '../../core/protocol/uploads.js';
import type { MediaProgress } from '../../core/protocol/media.js';
import { freePort } from '../helpers/ports.js';
import { cuttingProxy, paddedClip, startTus } from '../helpers/tus.js';
import { until } from '../helpers/wait.js';

const MB = 1024 * 1024;
/** The size of the cut-three-times upload: 200 MB in CI; LOOP_TUS_BYTES=1073741824 for the 1 GiB. */
const LARGE = Number(process.env.LOOP_TUS_BYTES ?? 200 * MB);
const CHUNK = 8 * MB;
/** Request headers and the HEAD before each resume: what a resume costs besides re-sent bytes. */
const OVERHEAD = 64 * 1024;
const TUS = '/api/uploads/tus';

/** Samples a process's resident memory (VmRSS) every 100 ms. */
function rssSampler(pid: number): { peakMiB(): number; stop(): void } {
  let peak = 0;
  const read = (): void => {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    peak = Math.max(peak, kb / 1024);
  };
  const timer = setInterval(() => {
    try {
      read();
    } catch {
      // The process ended: its peak is what was read.
      clearInterval(timer);
    }
  }, 100);
  return { peakMiB: () => peak, stop: () => clearInterval(timer) };
}

const progressOf = (m: WsMessage): MediaProgress => m.data as MediaProgress;
const tusDir = (dataDir: string) => join(dataDir, 'uploads', 'tus');
const filesIn = (dir: string) => readdir(dir).catch(() => [] as string[]);

function answerOf(body: string): UploadResult {
  const parsed = JSON.parse(body) as { success: boolean; data: UploadResult };
  expect(parsed.success).to.equal(true);
  return parsed.data;
}

const mediaLoop = (media: Record<string, unknown> = {}, more: Record<string, unknown> = {}) =>
  startTestLoop({ plugins: ['system', 'media'], media: { max_upload_bytes: 300 * MB, min_free_bytes: 0, ...media }, ...more });

describe('resumable uploads (tus)', function () {
  this.timeout(120_000);
  let loop: TestLoop | null = null;

  afterEach(async () => {
    if (loop) {
      await loop.stop();
      removeDir(loop.dataDir);
    }
    loop = null;
  });

  it(`a ${Math.round(LARGE / MB)} MB upload whose connection is cut three times completes, each resume re-sending at most one chunk`, async function () {
    this.timeout(Math.max(120_000, (LARGE / MB) * 1000));
    const file = await paddedClip(LARGE);
    // Loop in its own process: its RSS is its own (LOOP_TUS_REPORT prints it with the time).
    const dataDir = tempDir();
    const config = { plugins: ['system', 'media'], media: { max_upload_bytes: Math.max(300 * MB, LARGE), min_free_bytes: 0 } };
    const proc = await startLoopProcess({ config, dataDir });
    const rss = rssSampler(proc.child.pid as number);
    const proxy = await cuttingProxy(
      Number(new URL(proc.http).port),
      [0.25, 0.5, 0.75].map((share) => Math.round(file.size * share)),
    );
    try {
      const started = performance.now();
      const run = startTus({ endpoint: `${proxy.url}${TUS}`, path: file.path, filename: 'phone video.mp4', chunkSize: CHUNK });
      const last = await run.done;
      const seconds = (performance.now() - started) / 1000;
      expect(proxy.cuts()).to.equal(3);
      const beyond = proxy.carried() - file.size;
      if (process.env.LOOP_TUS_REPORT)
        console.log(
          `tus ${file.size} bytes, 3 cuts: ${seconds.toFixed(1)} s to the answer; ${beyond} bytes carried beyond the file ` +
            `(${Math.round(beyond / 3)} per cut, headers included); Loop's RSS peak ${rss.peakMiB().toFixed(1)} MiB`,
        );
      // Each cut loses at most the chunk in flight: the rest was never sent twice.
      expect(beyond).to.be.at.most(3 * CHUNK + OVERHEAD);
      // What the server confirmed only grows; what the client reports may step back after a cut,
      // by no more than the part of one chunk that was lost.
      for (let i = 1; i < run.accepted.length; i++) expect(run.accepted[i]).to.be.greaterThan(run.accepted[i - 1] as number);
      expect(run.accepted.at(-1)).to.equal(file.size);
      for (let i = 1; i < run.progress.length; i++)
        expect((run.progress[i] as number) - (run.progress[i - 1] as number)).to.be.at.least(-CHUNK);
      const answer = answerOf(last.getBody());
      expect(answer.items[0]?.result).to.equal('queued');
      const item = await waitItem(proc.http, answer.slug as string, (x) => x.processing_status === 'completed', 60_000);
      expect(item.sha256).to.equal(file.sha256);
      expect(item.filename).to.match(/phone video/);
      // The partial upload is gone once it is in the library.
      expect(await filesIn(tusDir(dataDir))).to.deep.equal([]);
    } finally {
      rss.stop();
      await proxy.close();
      await proc.stop();
      removeDir(dataDir);
    }
  });

  it('refuses a new upload at creation while the conversion queue is full (429 busy, as multipart does), before a byte is sent', async () => {
    const clip = await makeClip({ seconds: 20, size: '960x540' });
    loop = await mediaLoop({ max_queued_jobs: 1 });
    const first = answerOf(
      (await startTus({ endpoint: `${loop.http}${TUS}`, path: clip, filename: 'long.mp4', chunkSize: CHUNK }).done).getBody(),
    );
    expect(first.items[0]?.result).to.equal('queued');
    // Its conversion now fills the queue (max_queued_jobs: 1).
    const second = await raw('POST', `${loop.http}${TUS}`, {
      headers: { 'tus-resumable': '1.0.0', 'upload-length': String(MB), 'upload-metadata': 'filename YS5tcDQ=' },
    });
    const multipart = await uploadFiles(`${loop.http}/api/media`, [{ path: clip, name: 'again.mp4' }]);
    expect(second.status, second.text).to.equal(429);
    expect(second.json).to.include({ success: false, code: 'busy' });
    expect(multipart.json).to.include({ success: false, code: 'busy' });
    expect(await filesIn(tusDir(loop.dataDir))).to.deep.equal([]);
  });

  it('a tus upload shows its bytes on the progress topic as they arrive (at most twice a second), under one job id to done', async () => {
    const file = await paddedClip(24 * MB);
    loop = await mediaLoop();
    const page = await connectWs(loop.ws);
    const proxy = await cuttingProxy(Number(new URL(loop.http).port), [], { bytesPerSecond: 8 * MB });
    try {
      page.send({ type: 'subscribe', room: 'progress' });
      await page.next(ofType('subscribe_response', (m) => m.room === 'progress'));
      const mark = page.mark();
      const run = startTus({ endpoint: `${proxy.url}${TUS}`, path: file.path, filename: 'watched.mp4', chunkSize: CHUNK });
      const answer = answerOf((await run.done).getBody());
      const jobId = answer.job_ids[0] as string;
      // The job id the page knows from the upload's address before the first byte (core/protocol/uploads.ts).
      expect(jobId).to.equal(tusJobId((run.upload.url as string).split('/').pop() as string));
      await page.next(
        ofType('processing_progress', (m) => progressOf(m).job_id === jobId && progressOf(m).stage === 'done'),
        60_000,
        mark,
      );
      const events = page.messages
        .slice(mark)
        .filter((m) => (m.type === 'upload_progress' || m.type === 'processing_progress') && progressOf(m).job_id === jobId)
        .map(progressOf);
      const uploading = events.filter((p) => p.stage === 'uploading');
      expect(uploading[0]?.bytes_received, 'the first report comes at creation').to.equal(0);
      expect(uploading.at(-1)).to.include({ percent: 100, bytes_received: file.size });
      const bytes = uploading.map((p) => p.bytes_received ?? 0);
      expect(bytes).to.deep.equal([...bytes].sort((a, b) => a - b));
      // About three seconds of upload: reports on the way, not one per chunk written.
      const during = uploading.slice(0, -1);
      expect(during.length, 'reports while the bytes arrive').to.be.within(4, 10);
      const times = during.map((p) => Date.parse(p.timestamp));
      for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).to.be.at.least(450);
      const stages = events.map((p) => p.stage).filter((s, i, all) => s !== all[i - 1]);
      expect(stages).to.deep.equal(['uploading', 'probing', 'queued', 'converting', 'thumbnail', 'done']);
    } finally {
      await proxy.close();
      await page.close();
    }
  });

  it('the same content sent again answers "already in the library" with the existing slug', async () => {
    const clip = await makeClip({ seconds: 1 });
    loop = await mediaLoop();
    const first = answerOf(
      (await startTus({ endpoint: `${loop.http}${TUS}`, path: clip, filename: 'a.mp4', chunkSize: CHUNK }).done).getBody(),
    );
    await waitItem(loop.http, first.slug as string, (x) => x.processing_status === 'completed');
    const again = answerOf(
      (await startTus({ endpoint: `${loop.http}${TUS}`, path: clip, filename: 'b.mp4', chunkSize: CHUNK }).done).getBody(),
    );
    expect(again.items[0]?.result).to.equal('exists');
    expect(again.slug).to.equal(first.slug);
  });

  it('an abandoned partial upload is removed after media.upload_expiry_hours', async () => {
    const file = await paddedClip(40 * MB);
    loop = await mediaLoop({ upload_expiry_hours: 1 / 3600 });
    const run = startTus({ endpoint: `${loop.http}${TUS}`, path: file.path, filename: 'left.mp4', chunkSize: CHUNK });
    run.done.catch(() => undefined); // aborted below: it never settles, and an error would only say so
    await until(() => run.accepted.length >= 1, 20_000, 'a first chunk accepted');
    await run.upload.abort();
    const url = run.upload.url as string;
    expect((await filesIn(tusDir(loop.dataDir))).length).to.equal(2); // the bytes and their record
    await until(async () => (await filesIn(tusDir(loop!.dataDir))).length === 0, 10_000, 'the partial upload removed');
    const head = await raw('HEAD', url, { headers: { 'tus-resumable': '1.0.0' } });
    expect(head.status).to.equal(404);
  });

  it('a Loop restart (kill -9) mid-upload resumes where the device had it', async function () {
    const file = await paddedClip(100 * MB);
    const dataDir = tempDir();
    const ports = { http: await freePort(), mqtt: await freePort() };
    const config = { plugins: ['system', 'media'], media: { max_upload_bytes: 300 * MB, min_free_bytes: 0 } };
    let proc = await startLoopProcess({ config, dataDir, ports });
    const proxy = await cuttingProxy(ports.http);
    const restart: { done: Promise<void> | null } = { done: null };
    try {
      const run = startTus({
        endpoint: `${proxy.url}${TUS}`,
        path: file.path,
        filename: 'restart.mp4',
        chunkSize: CHUNK,
        retryDelays: [500, 1000, 2000, 3000, 5000, 5000, 5000],
        onProgress: (sent) => {
          if (restart.done || sent < file.size * 0.4) return;
          restart.done = proc.kill('SIGKILL').then(async () => {
            proc = await startLoopProcess({ config, dataDir, ports });
          });
        },
      });
      const last = await run.done;
      expect(restart.done, 'Loop was killed mid-upload').to.not.equal(null);
      await restart.done;
      // Resumed, not restarted: at most the chunk in flight went twice.
      expect(proxy.carried()).to.be.at.most(file.size + CHUNK + OVERHEAD);
      const answer = answerOf(last.getBody());
      const item = await waitItem(proc.http, answer.slug as string, (x) => x.processing_status === 'completed', 60_000);
      expect(item.sha256).to.equal(file.sha256);
    } finally {
      await proxy.close();
      await proc.stop();
      removeDir(dataDir);
    }
  });

  it('refuses tus requests without a login when auth is on, and takes them with the session', async () => {
    loop = await mediaLoop({}, { auth: { mode: 'on' } });
    // Until the device has an owner it is open (onboarding): claim it first.
    const cookie = await claim(loop);
    const create = { 'tus-resumable': '1.0.0', 'upload-length': '1000', 'upload-metadata': 'filename YS5tcDQ=' };
    const anonymous = await raw('POST', `${loop.http}${TUS}`, { headers: create });
    expect(anonymous.status).to.equal(401);
    const patch = await raw('PATCH', `${loop.http}${TUS}/abc`, {
      headers: { 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      body: Buffer.alloc(1000),
    });
    expect(patch.status).to.equal(401);
    expect(await filesIn(tusDir(loop.dataDir))).to.deep.equal([]);
    // The session counts only from the device's own page: another site's page cannot upload with it.
    const foreign = await raw('POST', `${loop.http}${TUS}`, { headers: { ...create, origin: 'http://evil.example', cookie } });
    expect(foreign.status).to.equal(403);
    const noOrigin = await raw('POST', `${loop.http}${TUS}`, { headers: { ...create, cookie } });
    expect(noOrigin.status).to.equal(403);
    const owner = await raw('POST', `${loop.http}${TUS}`, { headers: { ...create, origin: loop.http, cookie } });
    expect(owner.status, owner.text).to.equal(201);
    expect(owner.headers.location).to.match(new RegExp(`^${TUS}/[0-9a-f]+$`));
  });

  it('a finished upload that is not media is refused (415, the reason in the envelope) and leaves nothing behind', async () => {
    const dir = tempDir('loop-tus-text-');
    const path = join(dir, 'notes.mp4');
    await writeFile(path, 'just some text, not a video\n'.repeat(40_000));
    loop = await mediaLoop();
    try {
      const err = (await startTus({ endpoint: `${loop.http}${TUS}`, path, filename: 'notes.mp4', chunkSize: CHUNK }).done.then(
        () => null,
        (e: unknown) => e,
      )) as DetailedError | null;
      expect(err?.originalResponse?.getStatus()).to.equal(415);
      const body = JSON.parse(err?.originalResponse?.getBody() ?? '{}') as { success: boolean; code: string; message: string };
      expect(body).to.include({ success: false, code: 'unsupported' });
      expect(body.message).to.match(/text/);
      expect(await filesIn(tusDir(loop.dataDir))).to.deep.equal([]);
      expect(await filesIn(join(loop.dataDir, 'media', 'incoming'))).to.deep.equal([]);
    } finally {
      removeDir(dir);
    }
  });

  it('counts what partial uploads hold in the library quota: a second upload that would pass it is refused (507)', async () => {
    const file = await paddedClip(20 * MB);
    loop = await mediaLoop({ max_storage_bytes: 30 * MB });
    const first = startTus({ endpoint: `${loop.http}${TUS}`, path: file.path, filename: 'first.mp4', chunkSize: CHUNK });
    first.done.catch(() => undefined); // aborted below: it never settles, and an error would only say so
    await until(() => first.accepted.length >= 2, 20_000, 'two chunks accepted');
    await first.upload.abort();
    // 16 MiB held + 20 MiB declared > 30 MiB, though the library itself is empty.
    const second = await raw('POST', `${loop.http}${TUS}`, {
      headers: { 'tus-resumable': '1.0.0', 'upload-length': String(20 * MB), 'upload-metadata': 'filename YS5tcDQ=' },
    });
    expect(second.status, second.text).to.equal(507);
    expect(second.json).to.include({ success: false, code: 'storage_full' });
    expect(await filesIn(tusDir(loop.dataDir))).to.have.length(2); // only the first upload's pair
  });

  it('refuses an Upload-Length over media.max_upload_bytes at creation (413) without writing anything', async () => {
    loop = await mediaLoop({ max_upload_bytes: 10 * MB });
    const answer = await raw('POST', `${loop.http}${TUS}`, {
      headers: { 'tus-resumable': '1.0.0', 'upload-length': String(10 * MB + 1), 'upload-metadata': 'filename YS5tcDQ=' },
    });
    expect(answer.status).to.equal(413);
    expect(await filesIn(tusDir(loop.dataDir))).to.deep.equal([]);
  });
});
