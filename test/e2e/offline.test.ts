// Offline honesty, in real Chromium against a real Loop (bin/loop.js as a child process): with the
// page open, Loop stops; Now playing says "Offline · last known" and holds its controls, thumbnails
// the browser never fetched are plain tiles (never a broken image), and the indicator never claims
// "updating every few seconds" while nothing updates. Loop starts again on the same port and data
// dir: the page comes back by itself, controls enabled, thumbnails loaded.
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { removeDir, startLoopProcess, tempDir, type LoopProcess } from '../helpers/loop.js';
import { freePort } from '../helpers/ports.js';
import { uploadReadyClips } from '../helpers/upload-clips.js';
import { until } from '../helpers/wait.js';
import { DESKTOP, launch, openPage, PHONE, shotPath, type WatchedPage, needPageAndBrowser } from './browser.js';

const CONTROLS = ['Previous', 'Next'];

/** Images on the page that the browser shows as broken (finished loading, nothing to draw). */
const brokenImages = (page: Page): Promise<number> =>
  page.locator('img').evaluateAll(
    (els) =>
      els.filter((e) => {
        const img = e as unknown as { complete: boolean; naturalWidth: number };
        return img.complete && img.naturalWidth === 0;
      }).length,
  );

describe('e2e: the page while Loop is down, and after', function () {
  this.timeout(150_000);
  const dataDir = tempDir('loop-e2e-offline-');
  let ports: { http: number; mqtt: number };
  let proc: LoopProcess;
  let browser: Browser;
  let w: WatchedPage;
  let loopDown = false;
  const config = {
    device: { id: 'e2e-offline', name: 'Loop offline' },
    plugins: ['system', 'player', 'loop', 'media'],
    player: { vo: 'null', ao: 'null' },
  };
  const start = async (): Promise<void> => {
    proc = await startLoopProcess({ config, dataDir, ports, startTimeoutMs: 30_000 });
  };

  before(async function () {
    needPageAndBrowser(this);
    ports = { http: await freePort(), mqtt: await freePort() };
    await start();
    await uploadReadyClips(proc, 3);
    browser = await launch();
    w = await openPage(browser, proc.http);
    // While Loop is stopped on purpose, refused connections (socket, polls, thumbnails) are expected.
    w.allow((line) => loopDown && /ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE|WebSocket connection to/.test(line));
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await proc?.stop().catch(() => undefined);
    removeDir(dataDir);
  });

  afterEach(function () {
    expect(w?.problems.splice(0) ?? [], `console errors or failed requests during "${this.currentTest?.title}"`).to.deep.equal([]);
  });

  it('stopped: "Offline · last known", controls disabled, placeholders for thumbnails never fetched, no claim of updating', async () => {
    const { page } = w;
    await page.goto('/');
    await page.getByTestId('live-indicator').getByText('Live').waitFor({ timeout: 20_000 });
    await page.getByTestId('player-state').getByText('Playing').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('offline-note').count()).to.equal(0);
    // Every text the indicator shows from now on.
    await page.evaluate(`(() => {
      const el = document.querySelector('[data-testid="live-indicator"]');
      window.__said = [el.textContent];
      new MutationObserver(() => window.__said.push(el.textContent)).observe(el, { subtree: true, childList: true, characterData: true });
    })()`);

    loopDown = true;
    await proc.stop();
    await page.getByTestId('offline-note').getByText('Offline · last known').waitFor({ timeout: 15_000 });
    for (const name of CONTROLS) expect(await page.getByRole('button', { name }).isDisabled(), name).to.equal(true);
    expect(await page.getByRole('button', { name: /^(Play|Pause)$/ }).isDisabled(), 'Play/Pause').to.equal(true);
    expect(await page.getByLabel('Whole loop').isDisabled()).to.equal(true);
    expect(await page.getByLabel('Volume').isDisabled()).to.equal(true);
    expect(await page.getByRole('progressbar', { name: 'Position' }).count(), 'no frozen position').to.equal(0);

    await page.screenshot({ path: shotPath('now-offline-phone-light') });
    await page.setViewportSize(DESKTOP);
    await page.screenshot({ path: shotPath('now-offline-desktop-light') });
    await page.setViewportSize(PHONE);

    // The library's thumbnails were never fetched by this page: tiles, not broken images.
    await page.getByRole('link', { name: 'Library', exact: true }).click();
    await until(async () => (await page.locator('li.tile').count()) === 3, 5000, 'three tiles', 50);
    await until(
      async () => (await page.locator('li.tile .thumb.blank').count()) >= 2,
      10_000,
      'placeholders for the uncached thumbnails',
      50,
    );
    expect(await brokenImages(page)).to.equal(0);

    // Long enough for several failed polls.
    await page.waitForTimeout(7000);
    const said = await page.evaluate<string[]>('window.__said');
    expect(said.join(' | ')).not.to.match(/updating every few seconds/);
    expect(said.join(' | ')).to.match(/Reconnecting/);
  });

  it('started again on the same port: live by itself, controls enabled, thumbnails loaded, Next works', async () => {
    const { page } = w;
    await page.evaluate('window.__notReloaded = true');
    await start();
    await page.getByTestId('live-indicator').getByText('Live').waitFor({ timeout: 45_000 });
    loopDown = false;
    await until(async () => (await page.locator('li.tile .thumb.blank').count()) === 0, 10_000, 'the thumbnails loaded again', 50);
    await until(async () => (await page.locator('li.tile img.thumb').count()) === 3, 10_000, 'three thumbnails', 50);
    expect(await brokenImages(page)).to.equal(0);

    await page.getByRole('link', { name: 'Now playing', exact: true }).click();
    await page.getByTestId('player-state').getByText('Playing').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('offline-note').count()).to.equal(0);
    for (const name of CONTROLS) expect(await page.getByRole('button', { name }).isDisabled(), name).to.equal(false);
    expect(await page.getByLabel('Volume').isDisabled()).to.equal(false);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.waitForTimeout(1000);
    expect(await page.getByRole('alert').count(), 'Next was accepted (no refusal shown)').to.equal(0);
    expect(await page.evaluate('window.__notReloaded')).to.equal(true);
  });
});
