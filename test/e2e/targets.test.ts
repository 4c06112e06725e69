// What a thumb and a screen reader need, in real Chromium at phone size against a real Loop: every
// control on every view is at least 44×44 px (a radio or a checkbox counts by its label), a tab
// change puts the focus on the new view's heading and the view at its top, and fields say which
// item they belong to ("Repeat for <clip>"); the WiFi password field is named "Password" alone.
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { FakeNm, NMCLI } from '../fixtures/nmcli/state.js';
import { removeDir, startLoopProcess, tempDir, type LoopProcess } from '../helpers/loop.js';
import { uploadReadyClips } from '../helpers/upload-clips.js';
import { launch, openPage, type WatchedPage, needPageAndBrowser } from './browser.js';

const VIEWS = ['/', '/loop', '/library', '/wifi', '/system', '/access', '/settings', '/schedule'];

describe('e2e: touch targets, focus on navigation, names that say which item', function () {
  this.timeout(150_000);
  const dataDir = tempDir('loop-e2e-targets-');
  let proc: LoopProcess;
  let browser: Browser;
  let w: WatchedPage;

  before(async function () {
    needPageAndBrowser(this);
    const nm = new FakeNm();
    proc = await startLoopProcess({
      config: {
        device: { id: 'e2e-targets' },
        plugins: ['system', 'player', 'loop', 'media', 'wifi'],
        player: { vo: 'null', ao: 'null' },
        wifi: { nmcli_path: NMCLI, auto_hotspot: false },
      },
      env: nm.env,
      dataDir,
      startTimeoutMs: 30_000,
    });
    await uploadReadyClips(proc, 2);
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

  it('every control on every view is at least 44×44 px', async () => {
    const { page } = w;
    for (const path of VIEWS) {
      await page.goto(path);
      await page.getByTestId('live-indicator').getByText('Live').waitFor({ timeout: 20_000 });
      await page.waitForLoadState('networkidle');
      const small = await page.evaluate<string[]>(`(() => {
        const targets = [...document.querySelectorAll('button, a[href], summary, select, input, textarea')]
          // A radio or checkbox is touched through its label.
          .map((el) => (el.matches('input[type=radio], input[type=checkbox]') ? el.closest('label') ?? el : el))
          .filter((el) => { const s = getComputedStyle(el); return s.visibility !== 'hidden' && s.display !== 'none' && !el.closest('.visually-hidden'); });
        return targets
          .filter((el) => { const r = el.getBoundingClientRect(); return r.width > 0 && (r.width < 44 || r.height < 44); })
          .map((el) => { const r = el.getBoundingClientRect(); return el.tagName + ' "' + (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40) + '" ' + Math.round(r.width) + 'x' + Math.round(r.height); });
      })()`);
      expect(small, path).to.deep.equal([]);
    }
  });

  it('a tab change focuses the new view heading and shows the view from its top (the first time: after, where it was left)', async () => {
    const { page } = w;
    await page.goto('/library');
    await page.mouse.wheel(0, 3000);
    await page.getByRole('link', { name: 'Loop', exact: true }).click();
    await page.getByRole('heading', { name: 'Loop', level: 1 }).waitFor();
    await page.waitForFunction('document.activeElement && document.activeElement.tagName === "H1"');
    expect(await page.evaluate('document.activeElement.textContent.trim()')).to.equal('Loop');
    expect(await page.evaluate('scrollY')).to.equal(0);
  });

  it('fields name their item: "Repeat for <clip>"; the WiFi password is "Password"', async () => {
    const { page } = w;
    await page.goto('/loop');
    // The list arrives with the page's first snapshot, after the view itself.
    await page.locator('li.queue-item .name').nth(1).waitFor({ timeout: 15_000 });
    const names = await page.locator('li.queue-item .name').allInnerTexts();
    expect(names.length).to.equal(2);
    for (const n of names) await page.getByRole('spinbutton', { name: `Repeat for ${n}`, exact: true }).waitFor();
    await page.goto('/wifi');
    await page.getByRole('textbox', { name: 'Password', exact: true }).waitFor({ timeout: 15_000 });
  });
});
