// The WiFi view as a person meets it on a device Loop cannot drive WiFi on, in real Chromium against
// real Loop processes: without NetworkManager (no nmcli) the page says why in plain words, with the
// technical reason behind "Details", and offers no Scan, Connect or Hotspot; with a WiFi adapter that
// refuses the hotspot (the nmcli stand-in), the Hotspot switch goes back and the refusal is said.
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { FakeNm, NMCLI } from '../fixtures/nmcli/state.js';
import { startLoopProcess, type LoopProcess } from '../helpers/loop.js';
import { axe, DESKTOP, launch, openPage, PHONE, shotPath, type WatchedPage, needPageAndBrowser } from './browser.js';

describe('e2e: the WiFi view when Loop cannot drive WiFi', function () {
  this.timeout(120_000);
  let browser: Browser;
  let proc: LoopProcess | undefined;
  const pages: WatchedPage[] = [];

  before(async function () {
    needPageAndBrowser(this);
    browser = await launch();
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await proc?.stop().catch(() => undefined);
  });
  afterEach(async function () {
    for (const w of pages.splice(0)) {
      expect(w.problems, `console errors or failed requests during "${this.currentTest?.title}"`).to.deep.equal([]);
      await w.context.close();
    }
    await proc?.stop();
    proc = undefined;
  });

  it('without NetworkManager: the reason in plain words, the detail behind "Details", and no Scan, Connect or Hotspot', async () => {
    const missing = '/nonexistent/nmcli';
    proc = await startLoopProcess({
      config: { device: { id: 'e2e-wifi' }, plugins: ['system', 'wifi'], wifi: { nmcli_path: missing, auto_hotspot: false } },
      startTimeoutMs: 30_000,
    });
    for (const scheme of ['light', 'dark'] as const)
      for (const [label, viewport] of [
        ['phone', PHONE],
        ['desktop', DESKTOP],
      ] as const) {
        const w = await openPage(browser, proc.http, { viewport, scheme, bypassCSP: true });
        pages.push(w);
        const { page } = w;
        await page.goto('/wifi');
        const card = page.getByTestId('wifi-no-control');
        await card.waitFor({ timeout: 15_000 });
        expect(await card.innerText()).to.contain('no NetworkManager');
        for (const name of ['Scan', 'Connect'])
          expect(await page.getByRole('button', { name, exact: true }).count(), `no ${name} button`).to.equal(0);
        expect(await page.getByRole('switch').count(), 'no Hotspot switch').to.equal(0);
        expect(await page.getByText(/Unavailable/).count(), 'not a bare "Unavailable"').to.equal(0);
        const detail = card.getByText(`nmcli not found (${missing})`);
        expect(await detail.isVisible(), 'the detail is folded away').to.equal(false);
        await card.getByText('Details').click();
        await detail.waitFor();
        if (label === 'phone') expect(await axe(page), `axe ${scheme}`).to.deep.equal([]);
        await page.screenshot({ path: shotPath(`wifi-no-networkmanager-${label}-${scheme}`) });
      }
  });

  it('a hotspot the device refuses: the switch goes back to off and the refusal is said', async () => {
    // A WiFi adapter NetworkManager cannot ready: every activation fails (the stand-in's code 4).
    const nm = new FakeNm({ devices: [{ iface: 'wlan0', type: 'wifi', state: 'unavailable', con: null, ip4: null }] });
    proc = await startLoopProcess({
      config: { device: { id: 'e2e-wifi' }, plugins: ['system', 'wifi'], wifi: { nmcli_path: NMCLI, auto_hotspot: false } },
      env: nm.env,
      startTimeoutMs: 30_000,
    });
    const w = await openPage(browser, proc.http);
    pages.push(w);
    const { page } = w;
    await page.goto('/wifi');
    const hotspot = page.getByRole('switch', { name: /Hotspot/ });
    await hotspot.waitFor({ timeout: 15_000 });
    expect(await hotspot.isChecked()).to.equal(false);
    await hotspot.click();
    // Never on: the device did not start it.
    expect(await hotspot.isChecked(), 'the switch shows the state, not the wish').to.equal(false);
    await page.getByRole('alert').first().waitFor({ timeout: 20_000 });
    expect(await hotspot.isChecked(), 'after the refusal').to.equal(false);
    expect(await hotspot.isEnabled(), 'ready for another try').to.equal(true);
    await page.screenshot({ path: shotPath('wifi-hotspot-refused-phone-light') });
  });
});
