// /ws speaks two dialects at once: the first version's shapes (`completed`, {player:{is_playing}},
// the dashboard document) for every client as before, and the contract's payloads (`ready`, the
// topic's own shape) for a socket opened with `?shapes=contract`, which is how the page connects.
// GET /api/state is the contract's document the page polls while its socket is down.
import { expect } from 'chai';
import { startTestLoop, http, type TestLoop } from '../helpers/loop.js';
import { connectWs, ofType, type TestWs, type WsMessage } from '../helpers/ws.js';
import { sleep } from '../helpers/wait.js';
import type { MediaItem, MediaState, StateDocument, V1MediaItem } from '../../core/protocol/index.js';

const item = (slug: string, status: MediaItem['processing_status']): MediaItem => ({
  slug,
  filename: `${slug}.mp4`,
  type: 'video/mp4',
  size: 1000,
  uploadedAt: new Date().toISOString(),
  url: status === 'ready' ? `/media/${slug}.mp4` : '',
  thumbnail_url: null,
  kind: 'video',
  width: 320,
  height: 240,
  frame_count: 25,
  processing_status: status,
  path: null,
});
const library = (...items: MediaItem[]): MediaState => ({ items, updated_at: new Date().toISOString() });

describe('WebSocket gateway: the first version and the contract side by side', () => {
  let loop: TestLoop;
  const open: TestWs[] = [];
  const ws = async (contract: boolean): Promise<TestWs> => {
    // A contract socket is greeted with `connection` only (no initial_dashboard to wait for).
    const c = await connectWs(contract ? `${loop.ws}?shapes=contract` : loop.ws, { waitInitial: !contract });
    open.push(c);
    await c.next(ofType('connection'));
    return c;
  };

  before(async () => {
    loop = await startTestLoop();
    await loop.runtime.bus.publish('media', library(item('clip-a', 'ready')), { retain: true });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await loop?.stop();
  });

  it('a contract socket gets no dashboard document; its dashboard snapshot brings the library with `ready`', async () => {
    const page = await ws(true);
    page.send({ type: 'subscribe', room: 'dashboard' });
    const media = await page.next(ofType('media_updated', (m) => m.snapshot === true));
    expect((media.data as MediaState).items[0]?.processing_status).to.equal('ready');
    await sleep(200);
    expect(page.messages.map((m) => m.type)).to.not.include.members(['initial_dashboard', 'dashboard_update']);
  });

  it('one change reaches both: the first version reads `completed` and its dashboard, the contract `ready`', async () => {
    const old = await ws(false);
    const page = await ws(true);
    expect((await old.next(ofType('initial_dashboard'))).data).to.include.keys('media', 'status', 'processing');
    for (const c of [old, page]) {
      c.send({ type: 'subscribe', room: 'dashboard' });
      await c.next(ofType('subscribe_response'));
    }
    const [oldSince, pageSince] = [old.mark(), page.mark()];
    await loop.runtime.bus.publish('media', library(item('clip-a', 'ready'), item('clip-b', 'ready')), { retain: true });
    const two = (m: WsMessage): boolean => (m.data as { items: unknown[] }).items.length === 2;
    const oldEv = await old.next(ofType('media_updated', two), 5000, oldSince);
    const pageEv = await page.next(ofType('media_updated', two), 5000, pageSince);
    expect((oldEv.data as { items: V1MediaItem[] }).items.map((i) => i.processing_status)).to.deep.equal(['completed', 'completed']);
    expect((pageEv.data as MediaState).items.map((i) => i.processing_status)).to.deep.equal(['ready', 'ready']);
    const dash = await old.next(
      ofType('dashboard_update', (m) => !m.snapshot),
      5000,
      oldSince,
    );
    expect((dash.data as { media: V1MediaItem[] }).media[1]?.processing_status).to.equal('completed');
  });

  it("each dialect's seq runs without gaps, though only the first version gets dashboard_update", async () => {
    const old = await ws(false);
    const page = await ws(true);
    const subSeq: number[] = [];
    for (const c of [old, page]) {
      c.send({ type: 'subscribe', room: 'dashboard' });
      subSeq.push(Number((await c.next(ofType('subscribe_response'))).seq));
    }
    const [oldSince, pageSince] = [old.mark(), page.mark()];
    for (let i = 0; i < 3; i++) {
      await loop.runtime.bus.publish('media', library(item('clip-a', i % 2 ? 'processing' : 'ready')), { retain: true });
      await sleep(150); // past the dashboard's throttle, so a dashboard_update follows each
    }
    await sleep(200);
    const seqs = (c: TestWs, since: number) => c.messages.slice(since).filter((m) => typeof m.seq === 'number' && !m.snapshot);
    const oldSeqs = seqs(old, oldSince);
    const pageSeqs = seqs(page, pageSince);
    expect(oldSeqs.some((m) => m.type === 'dashboard_update')).to.equal(true);
    expect(pageSeqs.map((m) => m.type)).to.deep.equal(['media_updated', 'media_updated', 'media_updated']);
    expect(pageSeqs.map((m) => m.seq)).to.deep.equal([subSeq[1]! + 1, subSeq[1]! + 2, subSeq[1]! + 3]);
    expect(oldSeqs.map((m) => m.seq)).to.deep.equal(oldSeqs.map((_, i) => subSeq[0]! + 1 + i));
  });

  it('the progress snapshot: jobs as the contract says (percent) for the page, as the dashboard had them for the first version', async () => {
    await loop.runtime.bus.publish('media/progress', {
      job_id: 'j-snap',
      slug: null,
      filename: 'snap.mp4',
      stage: 'converting',
      percent: 40,
      timestamp: new Date().toISOString(),
    });
    await sleep(100);
    const old = await ws(false);
    const page = await ws(true);
    for (const c of [old, page]) c.send({ type: 'subscribe', room: 'progress' });
    const oldJob = await old.next(ofType('processing_progress', (m) => m.snapshot === true));
    const pageJob = await page.next(ofType('processing_progress', (m) => m.snapshot === true));
    expect(oldJob.data).to.include({ job_id: 'j-snap', progress: 40, status: 'processing' });
    expect(pageJob.data).to.include({ job_id: 'j-snap', percent: 40, stage: 'converting' });
    expect(pageJob.data).to.not.have.property('progress');
  });

  it("GET /api/state: every retained topic a page shows, in the contract's shapes, and the jobs in progress", async () => {
    const res = await http('GET', `${loop.http}/api/state`);
    expect(res.status).to.equal(200);
    const doc = res.json.data as StateDocument;
    expect(doc.topics.media?.items.every((i) => ['ready', 'processing'].includes(i.processing_status))).to.equal(true);
    expect(doc.topics.system?.hostname).to.be.a('string');
    expect(doc.topics['bridge/info']?.plugins.map((p) => p.id)).to.include('system');
    expect(doc.topics).to.not.have.property('homeassistant/clip');
    expect(doc.jobs.map((j) => j.job_id)).to.include('j-snap');
    // The first version's document is still there for its clients, in its words.
    const v1 = (await http('GET', `${loop.http}/api/dashboard`)).json as { media: V1MediaItem[] };
    expect(v1.media.map((m) => m.processing_status)).to.not.include('ready');
  });
});
