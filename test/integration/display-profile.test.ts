// One setting for the screen: the display plugin's profile (width, height, fps) is what uploads are
// converted to, over media's own `media.display`.
import { expect } from 'chai';
import type { DisplayState, UploadResult } from '../../core/protocol/index.js';
import { http, removeDir, startTestLoop, type TestLoop } from '../helpers/loop.js';
import { mediaFixtures, streamInfo, uploadFiles, waitItem } from '../helpers/media-files.js';

describe('display: the screen profile drives conversion', function () {
  this.timeout(120_000);
  let loop: TestLoop;

  before(async () => {
    loop = await startTestLoop({
      plugins: ['system', 'display', 'media'],
      display: { width: 160, height: 120, fps: 10, backlight: null, mpv_fallback: false },
    });
  });
  after(async () => {
    await loop?.stop();
    if (loop) removeDir(loop.dataDir);
  });

  it('a clip uploaded while the display says 160x120 at 10 fps comes out 160x120 at 10 fps', async () => {
    const d = (await http('GET', `${loop.http}/api/display`)).json.data as DisplayState;
    expect(d).to.include({ width: 160, height: 120, fps: 10, brightness_via: 'none', power_via: 'none' });
    const f = await mediaFixtures();
    const r = await uploadFiles(`${loop.http}/api/media`, [{ path: f.mp4, name: 'clip.mp4' }]);
    expect(r.status, JSON.stringify(r.json)).to.equal(200);
    const item = await waitItem(
      loop.http,
      (r.json.data as UploadResult).slug as string,
      (x) => x.processing_status === 'completed' || x.processing_status === 'failed',
    );
    expect(item.processing_status, String(item.error)).to.equal('completed');
    const info = await streamInfo(item.path as string);
    expect(info).to.include({ width: '160', height: '120', avg_frame_rate: '10/1' });
    // Brightness cannot be set on a screen with no backlight and no mpv fallback: said plainly.
    const b = await http('POST', `${loop.http}/api/display/brightness`, { brightness: 50 });
    expect(b.status).to.equal(415);
    expect(String(b.json.message)).to.match(/no backlight/);
  });
});
