// The Access view as the owner meets it on a phone, in real Chromium against a real Loop with login
// on: make an API token with a name (shown once, copied with one button), see it work and its last
// use listed, revoke it (it stops working); change the owner password (a wrong current one is said,
// the right one works and the new password logs in). axe-core light and dark, screenshots.
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { claim, login, OWNER_PASSWORD } from '../helpers/auth.js';
import { startTestLoop, type TestLoop } from '../helpers/loop.js';
import { axe, DESKTOP, launch, openPage, PHONE, shotPath, type WatchedPage, needPageAndBrowser } from './browser.js';

const NEW_PASSWORD = 'a longer and newer passphrase';

describe('e2e: tokens and the owner password (the Access view)', function () {
  this.timeout(120_000);
  let loop: TestLoop;
  let browser: Browser;
  let session: string;
  const pages: WatchedPage[] = [];

  const open = async (opts: Parameters<typeof openPage>[2] = {}): Promise<WatchedPage> => {
    const w = await openPage(browser, loop.http, opts);
    const [name, value] = session.split('=') as [string, string];
    await w.context.addCookies([{ name, value, url: loop.http }]);
    pages.push(w);
    return w;
  };
  const bearer = async (token: string): Promise<number> =>
    (await fetch(`${loop.http}/api/state`, { headers: { authorization: `Bearer ${token}` } })).status;

  before(async function () {
    needPageAndBrowser(this);
    loop = await startTestLoop({ auth: { mode: 'on' }, plugins: ['system'] });
    session = await claim(loop);
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

  it('makes a named token, shown once with a copy button; it works, its last use is listed; revoked, it stops working', async () => {
    const w = await open();
    const { page } = w;
    await w.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: loop.http });
    await page.goto('/system');
    await page.getByRole('link', { name: 'Tokens and password' }).click();
    await page.getByRole('heading', { name: 'Access', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).to.equal('/access');
    await page.getByText('No tokens yet.').waitFor();

    await page.getByLabel('Token name').fill('Home Assistant');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = page.getByLabel('Token for Home Assistant');
    await secret.waitFor();
    const token = await secret.inputValue();
    expect(token.length).to.be.greaterThan(20);
    await page.screenshot({ path: shotPath('access-new-token-phone-light') });
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).to.equal(token);

    expect(await bearer(token), 'the token drives Loop').to.equal(200);
    // Away and back: the secret is gone for good; the list says when it was last used.
    await page.getByRole('link', { name: 'System' }).click();
    await page.getByRole('link', { name: 'Tokens and password' }).click();
    const row = page.locator('ul.tokens li', { hasText: 'Home Assistant' });
    await row.waitFor();
    expect(await page.getByTestId('fresh-token').count(), 'shown once').to.equal(0);
    expect(await row.innerText()).not.to.match(/last used never/);

    await row.getByRole('button', { name: 'Revoke Home Assistant' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('No tokens yet.').waitFor();
    expect(await bearer(token), 'a revoked token is refused').to.equal(401);
  });

  it('changes the owner password: a wrong current one is said; the right one works, and the new password logs in', async () => {
    const { page } = pages[0] as WatchedPage;
    // The wrong current password is refused (403) on purpose.
    const allowed = (pages[0] as WatchedPage).allow((line) => / 403: |status of 403/.test(line));
    await page.getByLabel('Current password').fill('not the password');
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').filter({ hasText: 'The current password is wrong.' }).waitFor();
    allowed();

    await page.getByLabel('Current password').fill(OWNER_PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
    session = await login(loop.http, NEW_PASSWORD);
    // This phone keeps its session (the answer renewed it) and stays live.
    await page.reload();
    await page.getByRole('heading', { name: 'Access', level: 1 }).waitFor();
    await page.getByText('Live', { exact: true }).waitFor({ timeout: 15_000 });
  });

  it('no serious or critical axe-core finding, light and dark; screenshots at phone and desktop size', async () => {
    for (const scheme of ['light', 'dark'] as const)
      for (const [label, viewport] of [
        ['phone', PHONE],
        ['desktop', DESKTOP],
      ] as const) {
        const w = await open({ viewport, scheme, bypassCSP: true });
        await w.page.goto('/access');
        await w.page.getByRole('heading', { name: 'Owner password' }).waitFor();
        await w.page.getByText('No tokens yet.').waitFor();
        expect(await axe(w.page), `${label} ${scheme}`).to.deep.equal([]);
        await w.page.screenshot({ path: shotPath(`access-${label}-${scheme}`), fullPage: label === 'desktop' });
      }
  });
});
