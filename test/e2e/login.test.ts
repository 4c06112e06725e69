// The first visit and the login, as a person meets them in a real browser (Chromium, phone-sized):
// a new device asks for the code on its screen and an owner password (typed twice), then shows the dashboard live over /ws; a
// reload keeps the session; another phone is asked to log in (not to onboard again), is told when
// the password is wrong, and gets in with the right one; Log out takes that phone back to the form;
// a device with a damaged owner file says it is locked and how to repair it.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { setupCode } from '../helpers/auth.js';
import { startTestLoop, tempDir, type TestLoop } from '../helpers/loop.js';
import { skipBecause } from '../helpers/skip.js';
import { CHROMIUM, launch, openPage, shotPath, type WatchedPage } from './browser.js';

const PASSWORD = 'correct horse battery';

describe('first visit and login in a real browser', function () {
  this.timeout(120_000);
  let loop: TestLoop;
  let browser: Browser;
  const pages: WatchedPage[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) skipBecause(this, `${CHROMIUM} is not installed (apt-get install chromium)`);
    loop = await startTestLoop({ auth: { mode: 'on' }, plugins: ['system', 'loop', 'media'] });
    browser = await launch();
  });
  after(async () => {
    for (const p of pages) await p.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await loop?.stop();
  });

  const open = async (): Promise<WatchedPage> => {
    const w = await openPage(browser, loop.http);
    // Before logging in, the page's first calls are refused (401) and its socket closed (4401): expected.
    w.allow((line) => / 401: |status of 401/.test(line));
    pages.push(w);
    return w;
  };

  it('a new device asks for the code on its screen and the owner password twice, then shows the dashboard, live', async () => {
    const watched = await open();
    const { page, problems } = watched;
    // The wrong code below is refused (403): expected.
    watched.allow((line) => / 403: |status of 403/.test(line));
    await page.goto('/library');
    await page.getByRole('heading', { name: 'Claim this device' }).waitFor();
    expect(new URL(page.url()).pathname).to.equal('/login');
    expect(await page.getByRole('navigation', { name: 'Views' }).count(), 'no tabs before the password').to.equal(0);

    const claimButton = page.getByRole('button', { name: 'Claim and set password' });
    await page.getByLabel("The code on the device's screen").fill('AAAA-AAAA');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password again').fill('something else');
    await claimButton.click();
    await page.getByRole('alert').filter({ hasText: 'The two passwords differ.' }).waitFor();
    const status = (await loop.runtime.app.inject({ url: '/api/auth/status' })).json<{ data: { mode: string } }>();
    expect(status.data.mode, 'nothing was set').to.equal('onboarding');

    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password again').fill(PASSWORD);
    await claimButton.click();
    await page.getByRole('alert').filter({ hasText: 'wrong setup code' }).waitFor();
    const still = (await loop.runtime.app.inject({ url: '/api/auth/status' })).json<{ data: { mode: string } }>();
    expect(still.data.mode, 'a wrong code claims nothing').to.equal('onboarding');

    await page.getByLabel("The code on the device's screen").fill(setupCode(loop.dataDir));
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password again').fill(PASSWORD);
    await claimButton.click();
    // Back where the person was going, with the tabs, and the live link up with the new session.
    await page.waitForURL((u) => u.pathname === '/library');
    await page.getByRole('navigation', { name: 'Views' }).waitFor();
    await page.getByText('Live', { exact: true }).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: shotPath('login-onboarded') });

    await page.reload();
    await page.getByText('Live', { exact: true }).waitFor({ timeout: 15_000 });
    expect(new URL(page.url()).pathname, 'the session outlives a reload').to.equal('/library');
    expect(problems).to.deep.equal([]);
  });

  it('another phone is asked to log in, hears about a wrong password, and gets in with the right one', async () => {
    const { page, problems } = await open();
    await page.goto('/');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    expect(await page.getByLabel('Password again').count(), 'no second onboarding').to.equal(0);

    await page.getByLabel('Password', { exact: true }).fill('not it');
    await page.getByRole('button', { name: 'Log in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).to.match(/password/i);
    expect(await page.getByLabel('Password', { exact: true }).inputValue(), 'the typed password is not kept').to.equal('');

    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Views' }).waitFor();
    await page.getByText('Live', { exact: true }).waitFor({ timeout: 15_000 });
    expect(new URL(page.url()).pathname).to.equal('/');
    expect(problems).to.deep.equal([]);
  });

  it('Log out on the System view takes the phone back to the login form, and the session no longer works', async () => {
    const w = pages[1] as WatchedPage;
    const { page } = w;
    await page.getByRole('link', { name: 'System' }).click();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Views' }).count()).to.equal(0);
    const status = await page.evaluate(async () => {
      const r = await fetch('/api/dashboard');
      return r.status;
    });
    expect(status, 'the old session is gone').to.equal(401);
    // The first phone is still logged in.
    expect(await pages[0]?.page.evaluate(async () => (await fetch('/api/dashboard')).status)).to.equal(200);
  });

  it('a logged-out phone: the form neither polls nor retries the socket, says nothing of reconnecting, and logs no error', async () => {
    // No allowance here: a logged-out visit must cost the console nothing (no 401, no refused socket).
    const w = await openPage(browser, loop.http);
    pages.push(w);
    const { page, problems } = w;
    const calls: string[] = [];
    page.on('request', (r) => calls.push(new URL(r.url()).pathname));
    page.on('websocket', (ws) => calls.push(new URL(ws.url()).pathname));
    await page.goto('/');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    // Two poll periods (3 s each) and more than the first reconnect delays.
    await page.waitForTimeout(7000);
    expect(calls.filter((c) => c === '/api/state' || c === '/ws' || c === '/api/dashboard')).to.deep.equal([]);
    expect(await page.getByText(/Reconnecting|Connecting/).count()).to.equal(0);
    expect(problems).to.deep.equal([]);
    // The phone logged out on the System view (the test before) has gone quiet too.
    const out = (pages[1] as WatchedPage).page;
    const later: string[] = [];
    out.on('request', (r) => later.push(new URL(r.url()).pathname));
    out.on('websocket', (ws) => later.push(new URL(ws.url()).pathname));
    await out.waitForTimeout(4000);
    expect(later.filter((c) => c === '/api/state' || c === '/ws')).to.deep.equal([]);
    expect(await out.getByText(/Reconnecting/).count()).to.equal(0);
  });

  it('a device whose owner file is damaged says it is locked and how to repair it, and offers no claim', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'auth'), { mode: 0o700 });
    writeFileSync(join(dir, 'auth', 'owner.json'), '{"password_hash":', { mode: 0o600 });
    const locked = await startTestLoop({ auth: { mode: 'on' }, plugins: ['system'] }, { dataDir: dir });
    try {
      const w = await openPage(browser, locked.http);
      pages.push(w);
      // Its first calls are refused (503) until the file is repaired: expected.
      w.allow((line) => / 503: |status of 503/.test(line));
      await w.page.goto('/');
      await w.page.getByRole('heading', { name: 'This device is locked' }).waitFor();
      expect(await w.page.getByRole('alert').textContent()).to.include('passwd --owner');
      expect(await w.page.getByRole('button', { name: 'Claim and set password' }).count(), 'no claim').to.equal(0);
      expect(await w.page.getByRole('navigation', { name: 'Views' }).count()).to.equal(0);
      expect(w.problems).to.deep.equal([]);
    } finally {
      await locked.stop();
    }
  });
});
