// An upload shows its progress on every open page, from the first byte to done.
import { expect } from 'chai';
import type { MediaItem } from '../../core/protocol/media.js';
import { removeDir, startTestLoop, type TestLoop } from '../helpers/loop.js';
import { mediaFixtures, uploadFiles } from '../helpers/media-files.js';
import { connectWs, ofType, type TestWs, type WsMessage } from '../helpers/ws.js';

interface Progress {
  job_id: string;
  slug: string | null;
  stage: string;
  percent: number;
  bytes_received?: number;
  total_bytes?: number | null;
  filename: string;
  message?: string;
}
const data = (m: WsMessage): Progress => m.data as Progress;

describe('media progress on the WebSocket', function () {
  this.timeout(90_000);
  let loop: TestLoop;
  let pages: TestWs[] = [];

  before(async () => {
    await mediaFixtures();
    loop = await startTestLoop({ plugins: ['system', 'media'] });
  });
  after(async () => {
    for (const p of pages) await p.close();
    await loop?.stop();
    if (loop) removeDir(loop.dataDir);
  });

  it('two open pages see the same upload and processing progress, from the first byte to done', async () => {
    const f = await mediaFixtures();
    pages = [await connectWs(loop.ws), await connectWs(loop.ws)];
    for (const p of pages) {
      for (const room of ['progress', 'dashboard']) {
        p.send({ type: 'subscribe', room });
        await p.next(ofType('subscribe_response', (m) => m.room === room));
      }
    }
    const marks = pages.map((p) => p.mark());
    // About two seconds of upload, as from a phone.
    const r = await uploadFiles(`${loop.http}/api/media`, [{ path: f.long, name: 'from the phone.mp4' }], {
      bytesPerSecond: 4 * 1024 * 1024,
    });
    expect(r.status, JSON.stringify(r.json)).to.equal(200);
    const jobId = (r.json.data as { job_ids: string[] }).job_ids[0] as string;
    const slug = (r.json.data as { slug: string }).slug;

    const seen: Progress[][] = [];
    for (const [i, p] of pages.entries()) {
      const since = marks[i] as number;
      await p.next(
        ofType('processing_progress', (m) => data(m).job_id === jobId && data(m).stage === 'done'),
        30_000,
        since,
      );
      const uploaded = await p.next(
        ofType('media_uploaded', (m) => (m.data as { slug: string }).slug === slug),
        5000,
        since,
      );
      // The first version's word for a playable item, on its surfaces (REST and /ws).
      expect((uploaded.data as { item: MediaItem }).item.processing_status).to.equal('completed');
      seen.push(
        p.messages
          .slice(since)
          .filter((m) => (m.type === 'upload_progress' || m.type === 'processing_progress') && data(m).job_id === jobId)
          .map((m) => ({ ...data(m), event: m.type })),
      );
    }
    const [a, b] = seen as [Progress[], Progress[]];
    expect(a).to.deep.equal(b);

    const uploads = a.filter((p) => p.stage === 'uploading');
    expect(uploads[0]?.bytes_received, 'the first event is sent before the first byte is stored').to.equal(0);
    expect(uploads.at(-1)?.percent).to.equal(100);
    expect(uploads.length).to.be.greaterThanOrEqual(5);
    for (let i = 1; i < uploads.length; i++) {
      expect((uploads[i] as Progress).bytes_received).to.be.at.least((uploads[i - 1] as Progress).bytes_received ?? 0);
    }
    const stages = a.map((p) => p.stage).filter((s, i, all) => s !== all[i - 1]);
    expect(stages).to.deep.equal(['uploading', 'probing', 'queued', 'converting', 'thumbnail', 'done']);

    // At least twice a second while converting, from ffmpeg's own progress.
    const converting = a.filter((p) => p.stage === 'converting');
    const times = converting.map((p) => Date.parse((p as unknown as { timestamp: string }).timestamp));
    const span = ((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000;
    expect(converting.length).to.be.greaterThanOrEqual(Math.max(2, Math.floor(span * 2)));
    const percents = converting.map((p) => p.percent);
    expect(percents).to.deep.equal([...percents].sort((x, y) => x - y));
    // The last report before done depends on the machine's speed (ffmpeg reports every 0.25 s).
    expect(percents.at(-1)).to.be.greaterThan(0);
    expect(a.at(-1)).to.include({ stage: 'done', percent: 100 });
  });

  it('a refused upload ends with a failed stage and its reason on every page', async () => {
    const f = await mediaFixtures();
    const marks = pages.map((p) => p.mark());
    const r = await uploadFiles(`${loop.http}/api/media`, [{ path: f.text, name: 'notes.mp4' }]);
    expect(r.status).to.equal(415);
    for (const [i, p] of pages.entries()) {
      const m = await p.next(
        ofType('processing_progress', (x) => data(x).stage === 'failed' && data(x).filename === 'notes.mp4'),
        5000,
        marks[i],
      );
      expect(data(m).message).to.match(/found text/);
    }
  });

  it('a deletion reaches every page as media_deleted', async () => {
    const f = await mediaFixtures();
    const r = await uploadFiles(`${loop.http}/api/media`, [{ path: f.png, name: 'to delete.png' }]);
    const slug = (r.json.data as { slug: string }).slug;
    await pages[0]?.next(
      ofType('media_uploaded', (m) => (m.data as { slug: string }).slug === slug),
      20_000,
    );
    const marks = pages.map((p) => p.mark());
    const del = await fetch(`${loop.http}/api/media/${slug}`, { method: 'DELETE' });
    expect(del.status).to.equal(200);
    for (const [i, p] of pages.entries()) {
      const m = await p.next(ofType('media_deleted'), 5000, marks[i]);
      expect(m.data).to.deep.equal({ slug });
    }
  });
});
