// The Settings and Screen schedule views as a phone-only owner uses them, in real Chromium against a
// real Loop: change the device's name, the fit of new uploads and the loop's defaults (stored before
// the answer; the name waits for a restart and the page says so), see a setting the config file pins
// read-only; set the screen to sleep on weeknights and read "Now: on until 23:00" and the week. The
// desktop layout: Now playing's picture beside its controls; a tab opens where it was left.
// axe-core light and dark, phone and desktop; no console error; screenshots.
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import type { DisplayState, LoopState, OwnerSettingsReport } from '../../core/protocol/index.js';
import { http, startTestLoop, type TestLoop } from '../helpers/loop.js';
import { until } from '../helpers/wait.js';
import { axe, DESKTOP, launch, openPage, PHONE, shotPath, type WatchedPage, needPageAndBrowser } from './browser.js';

describe('e2e: the Settings and Screen schedule views, and the desktop layout', function () {
  this.timeout(120_000);
  let loop: TestLoop;
  let browser: Browser;
  const pages: WatchedPage[] = [];

  const open = async (opts: Parameters<typeof openPage>[2] = {}): Promise<WatchedPage> => {
    const w = await openPage(browser, loop.http, opts);
    pages.push(w);
    return w;
  };
  const settings = async (): Promise<OwnerSettingsReport> =>
    (await http('GET', `${loop.http}/api/settings`)).json.data as OwnerSettingsReport;

  before(async function () {
    needPageAndBrowser(this);
    // The timeline is pinned as if the config file set it (loadConfig's `pinned` for a file that names player.timeline).
    loop = await startTestLoop(
      { plugins: ['system', 'loop', 'display'], display: { backlight: null, mpv_fallback: true } },
      { pinned: { timeline: 'file' } },
    );
    browser = await launch();
  });
  after(async () => {
    for (const p of pages) await p.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await loop?.stop();
  });
  afterEach(function () {
    for (const w of pages)
      expect(w.problems.splice(0), `console errors or failed requests during "${this.currentTest?.title}"`).to.deep.equal([]);
  });

  it('changes the name, the fit and the loop defaults from a phone; the name waits for a restart, and says so', async () => {
    const { page } = await open();
    await page.goto('/system');
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).to.equal('/settings');
    const name = page.getByLabel('Name');
    await name.waitFor();
    expect(await name.inputValue()).to.equal('Loop test');
    // The pinned timeline: shown, not changeable.
    expect(await page.getByRole('radio', { name: /Seamless/ }).isDisabled()).to.equal(true);
    await page.getByText('Set by the config file.').waitFor();

    await name.fill('Kitchen');
    await page.getByRole('radio', { name: /Whole, with black bars/ }).check();
    await page.getByLabel('Plays of each clip').fill('3');
    await page.getByLabel('Seconds for each picture').fill('8');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await page.getByTestId('restart-pending').waitFor();
    await page.getByRole('button', { name: 'Restart Loop now' }).waitFor();

    const r = await settings();
    expect(r.values).to.include({ device_name: 'Kitchen', fit: 'contain', timeline: 'auto' });
    expect(r.settings.device_name.restart_pending).to.equal(true);
    const l = (await http('GET', `${loop.http}/api/loop`)).json.data as LoopState;
    expect(l).to.include({ repeat: 3, image_duration: 8 });
  });

  it('a refused value is said in plain words, and nothing changes', async () => {
    const w = pages[0] as WatchedPage;
    // Spaces pass the browser's `required`; Loop refuses an empty name (400) on purpose.
    const allowed = w.allow((line) => / 400: |status of 400/.test(line));
    await w.page.getByLabel('Name').fill('   ');
    await w.page.getByRole('button', { name: 'Save' }).click();
    const alert = w.page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).to.match(/device_name|name/i);
    allowed();
    expect((await settings()).values.device_name).to.equal('Kitchen');
    await w.page.getByLabel('Name').fill('Kitchen');
  });

  it('a change made elsewhere (another phone, MQTT) shows on an open Settings page without a reload', async () => {
    const { page } = pages[0] as WatchedPage;
    await http('PATCH', `${loop.http}/api/settings`, { fit: 'cover' });
    await until(() => page.getByRole('radio', { name: /Fill the screen/ }).isChecked(), 5000, 'the fit from the settings topic');
  });

  it('the screen schedule: weeknights only, "Now: on until 23:00", and the week as it will run', async () => {
    const { page } = await open();
    await page.goto('/schedule');
    await page.getByRole('heading', { name: 'Screen schedule', level: 1 }).waitFor();
    await page.getByTestId('schedule-now').filter({ hasText: 'Now: on' }).waitFor();
    await page.getByLabel('Turn the screen off at night').check();
    await page.getByLabel('Off at', { exact: true }).fill('23:00');
    await page.getByLabel('On at', { exact: true }).fill('07:00');
    await page.getByRole('checkbox', { name: 'Friday' }).uncheck();
    await page.getByRole('checkbox', { name: 'Saturday' }).uncheck();
    expect(await page.locator('dl.week').innerText()).to.match(/Friday\s+On all evening/);
    expect(await page.locator('dl.week').innerText()).to.match(/Sunday\s+Off 23:00 → on 07:00 the next morning/);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const d = (await http('GET', `${loop.http}/api/display`)).json.data as DisplayState;
    expect(d.schedule).to.deep.equal({ enabled: true, off: '23:00', on: '07:00', days: [0, 1, 2, 3, 4] });
    const next = d.schedule_next;
    expect(next).to.not.equal(null);
    // Whatever the time of the test: the line names the plugin's next switch.
    await page
      .getByTestId('schedule-now')
      .filter({ hasText: new RegExp(`until .*${next?.clock ?? 'x'}`) })
      .waitFor();
  });

  it('desktop: Now playing puts the picture beside the controls; a tab opens where it was left', async () => {
    const { page } = await open({ viewport: DESKTOP });
    await page.goto('/');
    const picture = page.locator('.now-picture');
    const controls = page.locator('.now .controls');
    await controls.waitFor();
    const pb = await picture.boundingBox();
    const cb = await controls.boundingBox();
    expect(pb && cb, 'both shown').to.not.equal(null);
    if (!pb || !cb) return;
    expect(cb.x, 'the controls stand to the right of the picture').to.be.greaterThan(pb.x + pb.width - 1);
    expect(cb.y + cb.height, 'the controls are above the fold').to.be.below(DESKTOP.height);
    // Scroll restored per view, on a phone (its tab bar stays in view while the page scrolls):
    // Settings scrolled down, away to System by its tab, back by System's link.
    await page.setViewportSize(PHONE);
    await page.goto('/settings');
    await page.getByLabel('Name').waitFor();
    await page.evaluate('window.scrollTo(0, 300)');
    const left = Number(await page.evaluate('window.scrollY'));
    expect(left, 'the Settings view scrolls').to.be.greaterThan(100);
    await page.getByRole('link', { name: 'System', exact: true }).click();
    await page.getByRole('heading', { name: 'System', level: 1 }).waitFor();
    expect(await page.evaluate('window.scrollY')).to.equal(0);
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByLabel('Name').waitFor();
    await until(async () => Number(await page.evaluate('window.scrollY')) === left, 5000, 'the Settings view back where it was left');
    await page.goBack();
    await page.getByRole('heading', { name: 'System', level: 1 }).waitFor();
  });

  it('phone held sideways: the picture beside the controls too, all in view', async () => {
    const { page } = await open({ viewport: { width: PHONE.height, height: PHONE.width } });
    await page.goto('/');
    const cb = await page.locator('.now .controls').boundingBox();
    expect(cb && cb.y + cb.height, 'the controls are in view').to.be.below(PHONE.width);
  });

  it('no serious or critical axe-core finding, light and dark, phone and desktop; screenshots', async () => {
    for (const view of ['settings', 'schedule'] as const)
      for (const scheme of ['light', 'dark'] as const)
        for (const [label, viewport] of [
          ['phone', PHONE],
          ['desktop', DESKTOP],
        ] as const) {
          const w = await open({ viewport, scheme, bypassCSP: true });
          await w.page.goto(`/${view}`);
          await w.page.getByRole('button', { name: 'Save' }).waitFor();
          expect(await axe(w.page), `${view} ${label} ${scheme}`).to.deep.equal([]);
          await w.page.screenshot({ path: shotPath(`${view}-${label}-${scheme}`), fullPage: label === 'desktop' });
          await w.context.close();
        }
    const w = await open({ viewport: DESKTOP, bypassCSP: true });
    await w.page.goto('/');
    await w.page.locator('.now .controls').waitFor();
    expect(await axe(w.page), 'now desktop').to.deep.equal([]);
    await w.page.screenshot({ path: shotPath('now-desktop-light') });
  });
});
