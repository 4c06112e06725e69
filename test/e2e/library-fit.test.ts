// Each item's fit in the library, as a person changes it from a phone: the default shown, a portrait
// clip switched to "Fill the screen (crop)", converted again from its original, and the choice kept.
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import type { V1MediaItem } from '../../core/protocol/media.js';
import { makeClip } from '../helpers/clips.js';
import { removeDir, startLoopProcess, tempDir, type LoopProcess } from '../helpers/loop.js';
import { uploadConverted, waitItem } from '../helpers/media-files.js';
import { axe, launch, openPage, type WatchedPage, needPageAndBrowser } from './browser.js';

describe("e2e: an item's fit in the library", function () {
  this.timeout(120_000);
  const dataDir = tempDir('loop-e2e-fit-');
  let proc: LoopProcess;
  let browser: Browser;
  let w: WatchedPage;

  before(async function () {
    needPageAndBrowser(this);
    proc = await startLoopProcess({
      config: { device: { id: 'e2e-fit' }, plugins: ['system', 'loop', 'media'], media: { keep_originals: true } },
      dataDir,
      startTimeoutMs: 30_000,
    });
    browser = await launch();
    // axe-core is injected as a script: the page's CSP would refuse it (other e2e tests do the same).
    w = await openPage(browser, proc.http, { bypassCSP: true });
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await proc?.stop().catch(() => undefined);
    removeDir(dataDir);
  });
  afterEach(function () {
    expect(w.problems.splice(0), `console errors or failed requests during "${this.currentTest?.title}"`).to.deep.equal([]);
  });

  it('shows the default, changes one portrait clip to crop, converts it again, and keeps the choice', async () => {
    const item = await uploadConverted(proc.http, await makeClip({ seconds: 1, size: '240x320', name: 'portrait' }));
    const { page } = w;
    await page.goto('/library');
    await page.getByTestId('live-indicator').getByText('Live').waitFor({ timeout: 20_000 });
    const select = page.getByTestId(`fit-${item.slug}`);
    expect(await select.inputValue()).to.equal('default');
    expect(await select.isEnabled(), 'its original is kept: the fit can change').to.equal(true);
    expect((await axe(page)).map((v) => `${v.id}: ${v.help}`)).to.deep.equal([]);
    await select.selectOption('cover');
    // Converted again from the original, then ready with the new fit.
    const again = await waitItem(
      proc.http,
      item.slug,
      (x) => (x as V1MediaItem & { fit?: string }).fit === 'cover' && x.processing_status === 'completed',
      60_000,
    );
    expect(again.processing_status).to.equal('completed');
    await page.reload();
    await page.getByTestId('live-indicator').getByText('Live').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId(`fit-${item.slug}`).inputValue()).to.equal('cover');
  });
});
