// Uploads as a person on a phone makes them, in real Chromium against a real Loop: a large file as
// the second upload of the session keeps its progress row in view the whole time (the tray is pinned
// above the tab bar); finished rows clear themselves; the same file again says "Already in the
// library" with a link to it; leaving mid-upload asks first.
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { makeClip } from '../helpers/clips.js';
import { removeDir, startLoopProcess, tempDir, type LoopProcess } from '../helpers/loop.js';
import { until } from '../helpers/wait.js';
import { DESKTOP, launch, openPage, PHONE, shotPath, type WatchedPage, needPageAndBrowser } from './browser.js';

describe('e2e: the upload tray', function () {
  this.timeout(180_000);
  const dataDir = tempDir('loop-e2e-uploads-');
  let proc: LoopProcess;
  let browser: Browser;
  let w: WatchedPage;

  before(async function () {
    needPageAndBrowser(this);
    proc = await startLoopProcess({
      config: { device: { id: 'e2e-uploads' }, plugins: ['system', 'loop', 'media'] },
      dataDir,
      startTimeoutMs: 30_000,
    });
    browser = await launch();
    w = await openPage(browser, proc.http);
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await proc?.stop().catch(() => undefined);
    removeDir(dataDir);
  });
  afterEach(function () {
    expect(w.problems.splice(0), `console errors or failed requests during "${this.currentTest?.title}"`).to.deep.equal([]);
  });

  let small: string;

  it('a large file as the second upload: its progress row stays in the viewport from the first byte to done', async () => {
    const { page } = w;
    small = await makeClip({ seconds: 1, name: 'first' });
    const large = await makeClip({ seconds: 12, size: '960x540', name: 'large' });
    const size = (await stat(large)).size;
    await page.goto('/library');
    await page.getByTestId('live-indicator').getByText('Live').waitFor({ timeout: 20_000 });
    await page.getByLabel('Choose files to upload').setInputFiles(small);
    await page.locator('li.upload[data-state="done"]').waitFor({ timeout: 60_000 });
    await page.locator('li.tile[data-status="ready"]').first().waitFor({ timeout: 30_000 });
    // The person scrolls down the library, then uploads the large file: slowed to a phone's uplink.
    await page.mouse.wheel(0, 2000);
    const cdp = await w.context.newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 20,
      downloadThroughput: -1,
      uploadThroughput: Math.max(256 * 1024, Math.round(size / 6)),
    });
    // Sampled in the page every 50 ms: where the large file's row is, against the viewport.
    await page.evaluate(`(() => {
      window.__rowSeen = [];
      window.__sampler = setInterval(() => {
        const row = [...document.querySelectorAll('li.upload')].find((li) => li.textContent.includes('large.mp4'));
        if (!row) return;
        const r = row.getBoundingClientRect();
        window.__rowSeen.push({ state: row.dataset.state, inView: r.top >= 0 && r.bottom <= innerHeight && r.height > 0 });
      }, 50);
    })()`);
    await page.getByLabel('Choose files to upload').setInputFiles(large);
    await until(
      async () => (await page.locator('li.upload[data-state="done"]', { hasText: 'large.mp4' }).count()) === 1,
      120_000,
      'the large upload to be done',
      100,
    );
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const seen = await page.evaluate<Array<{ state: string; inView: boolean }>>('(clearInterval(window.__sampler), window.__rowSeen)');
    expect(seen.filter((s) => s.state === 'uploading').length, 'sampled while uploading').to.be.greaterThan(20);
    expect(
      seen.filter((s) => !s.inView),
      'samples with the row out of view',
    ).to.deep.equal([]);
    await page.screenshot({ path: shotPath('uploads-tray-phone-light') });
  });

  it('finished rows clear themselves; the same file again is "Already in the library" with a link to it', async () => {
    const { page } = w;
    await page.getByTestId('upload-tray').waitFor({ state: 'detached', timeout: 15_000 });
    await page.getByLabel('Choose files to upload').setInputFiles(small);
    const row = page.locator('li.upload', { hasText: basename(small) });
    await row.locator('.upload-status').getByText('Already in the library').waitFor({ timeout: 30_000 });
    expect(await page.locator('li.upload').count(), 'one row, not two').to.equal(1);
    await page.setViewportSize(DESKTOP);
    await page.screenshot({ path: shotPath('uploads-duplicate-desktop-light') });
    await page.setViewportSize(PHONE);
    await row.getByRole('link', { name: `See ${basename(small)} in the library` }).click();
    expect(new URL(page.url()).hash).to.match(/^#item-/);
    await page.locator(new URL(page.url()).hash).waitFor();
  });

  it('the tray collapses, and leaving mid-upload asks first', async () => {
    const { page } = w;
    const big = await makeClip({ seconds: 6, size: '960x540', name: 'leaving' });
    const cdp = await w.context.newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 20,
      downloadThroughput: -1,
      uploadThroughput: 64 * 1024,
    });
    await page.getByLabel('Choose files to upload').setInputFiles(big);
    const tray = page.getByTestId('upload-tray');
    const row = tray.locator('li.upload', { hasText: 'leaving.mp4' });
    await row.and(page.locator('[data-state="uploading"]')).waitFor();
    await tray.getByRole('button', { name: 'Hide' }).click();
    expect(await row.isVisible()).to.equal(false);
    await tray.getByRole('button', { name: 'Show' }).click();
    await row.waitFor();
    const asked = new Promise<string>((resolve) => page.once('dialog', (d) => void d.dismiss().then(() => resolve(d.type()))));
    // The reload is refused by the person: the upload goes on.
    void page.reload().catch(() => undefined);
    expect(await asked).to.equal('beforeunload');
    expect(await row.getAttribute('data-state')).to.equal('uploading');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  });
});
