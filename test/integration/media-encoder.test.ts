// The hardware encoder asked for on a machine without one (this one: no V4L2 encode device): the
// conversion still completes, with libx264, and the page is told why it took the long way.
import { expect } from 'chai';
import { makeClip, removeClips } from '../helpers/clips.js';
import { removeDir, startTestLoop, type TestLoop } from '../helpers/loop.js';
import { streamInfo, uploadFiles, waitItem } from '../helpers/media-files.js';
import { connectWs, ofType, type TestWs, type WsMessage } from '../helpers/ws.js';

describe('media: a hardware encoder that fails', function () {
  this.timeout(90_000);
  let loop: TestLoop;
  let page: TestWs;

  before(async () => {
    loop = await startTestLoop({ plugins: ['system', 'media'], media: { video: { encoder: 'h264_v4l2m2m' } } });
    page = await connectWs(loop.ws);
    page.send({ type: 'subscribe', room: 'progress' });
    await page.next(ofType('subscribe_response', (m) => m.room === 'progress'));
  });
  after(async () => {
    await page?.close();
    await loop?.stop();
    if (loop) removeDir(loop.dataDir);
    await removeClips();
  });

  it('is replaced by libx264 for the same upload, which ends ready, and the progress says so', async () => {
    const since = page.mark();
    const r = await uploadFiles(`${loop.http}/api/media`, [{ path: await makeClip({ seconds: 1 }), name: 'clip.mp4' }]);
    expect(r.status, JSON.stringify(r.json)).to.equal(200);
    const slug = (r.json.data as { slug: string }).slug;
    const item = await waitItem(loop.http, slug, (i) => i.processing_status !== 'processing' && i.processing_status !== 'queued');
    expect(item.processing_status, JSON.stringify(item)).to.equal('completed');
    expect(await streamInfo(item.path as string)).to.include({ codec_name: 'h264', profile: 'High' });
    const said = await page.next(
      ofType('processing_progress', (m: WsMessage) => /hardware encoder failed/.test(String((m.data as { message?: string }).message))),
      5_000,
      since,
    );
    expect((said.data as { slug: string }).slug).to.equal(slug);
  });
});
