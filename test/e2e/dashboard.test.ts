// The dashboard as a person on a phone uses it, in real headless Chromium against a real Loop
// (bin/loop.js as a child process: embedded broker, mpv with the null outputs, ffmpeg), one story
// in order: upload, watch it play, skip from one phone and see it on another, reorder, refuse,
// lose and regain the server, lose the socket and live on polling; every view scanned by axe-core
// and photographed. No console error and no failed request is tolerated except where a step
// provokes one on purpose (and says so).
import { rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { expect } from 'chai';
import type { Browser, Locator, Page } from 'playwright-core';
import type { LoopState, V1MediaItem } from '../../core/protocol/index.js';
import { ERROR_CATALOGUE } from '../../web/src/errors.js';
import { makeClip, makeStill } from '../helpers/clips.js';
import { http, removeDir, startLoopProcess, tempDir, type LoopProcess } from '../helpers/loop.js';
import { freePort } from '../helpers/ports.js';
import { until } from '../helpers/wait.js';
import { axe, DESKTOP, launch, openPage, PHONE, shotPath, type WatchedPage, needPageAndBrowser } from './browser.js';

const VIEWS: Array<[name: string, path: string]> = [
  ['now', '/'],
  ['loop', '/loop'],
  ['library', '/library'],
  ['wifi', '/wifi'],
  ['system', '/system'],
];

const eventually = (cond: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> => until(cond, ms, what, 50);

async function loopState(base: string): Promise<LoopState> {
  return (await http('GET', `${base}/api/loop`)).json.data as LoopState;
}
async function library(base: string): Promise<V1MediaItem[]> {
  return ((await http('GET', `${base}/api/media`)).json.data as { media: V1MediaItem[] }).media;
}
const rowSlugs = (page: Page): Promise<string[]> =>
  page.locator('li.queue-item').evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { slug: string } }).dataset.slug));
const indicator = (page: Page): Locator => page.getByTestId('live-indicator');

describe('e2e: the dashboard in Chromium against a running Loop', function () {
  this.timeout(120_000);
  const dataDir = tempDir('loop-e2e-');
  let ports: { http: number; mqtt: number };
  let proc: LoopProcess;
  let browser: Browser;
  let base: string;
  const pages: WatchedPage[] = [];
  let a: WatchedPage;
  let b: WatchedPage;
  /** While Loop is stopped on purpose, refused connections are what the page must live with. */
  let loopDown = false;
  const outage = (line: string): boolean =>
    loopDown && /ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE|WebSocket connection to/.test(line);

  const config = {
    device: { id: 'e2e', name: 'Loop e2e' },
    plugins: ['system', 'player', 'loop', 'media'],
    player: { vo: 'null', ao: 'null' },
    // The story is about the dashboard with auth off (the owner login is tested by the trust work).
    auth: { mode: 'off' },
  };
  const start = async (): Promise<void> => {
    proc = await startLoopProcess({ config, dataDir, ports, startTimeoutMs: 30_000 });
    base = proc.http;
  };
  const watch = async (opts: Parameters<typeof openPage>[2] = {}): Promise<WatchedPage> => {
    const w = await openPage(browser, base, opts);
    w.allow(outage);
    pages.push(w);
    return w;
  };

  before(async function () {
    needPageAndBrowser(this);
    ports = { http: await freePort(), mqtt: await freePort() };
    await start();
    browser = await launch();
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await proc?.stop().catch(() => undefined);
    removeDir(dataDir);
  });

  afterEach(function () {
    // Whatever a step did, no page may have logged an error or lost a request it did not expect to.
    for (const w of pages) {
      const problems = w.problems.splice(0);
      expect(problems, `console errors or failed requests during "${this.currentTest?.title}"`).to.deep.equal([]);
    }
  });

  it('uploads two clips and a picture through the file input: progress to done, in the library and the loop, one playing', async () => {
    const files = [
      await makeClip({ seconds: 1, name: 'beach' }),
      await makeClip({ seconds: 1, format: 'webm', name: 'forest' }),
      await makeStill({ name: 'poster' }),
    ];
    a = await watch();
    const { page } = a;
    await page.goto('/library');
    await indicator(page).getByText('Live').waitFor();
    // Record every status line the uploads show, so the stages seen along the way can be checked.
    await page.evaluate(`(() => {
      window.__seen = [];
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('.upload-status')) window.__seen.push(el.textContent);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);
    await page.getByLabel('Choose files to upload').setInputFiles(files);
    await eventually(async () => (await page.locator('li.upload[data-state="done"]').count()) === 3, 60_000, 'three uploads done');
    const seen = await page.evaluate<string[]>('window.__seen');
    expect(
      seen.some((t) => /^Uploading /.test(t)),
      seen.join(' | '),
    ).to.equal(true);
    expect(
      seen.some((t) => /^(Queued|Checking|Converting|Making the thumbnail)/.test(t)),
      seen.join(' | '),
    ).to.equal(true);
    expect(await page.locator('.upload-status').allInnerTexts()).to.deep.equal(['Done', 'Done', 'Done']);

    const names = ['beach.mp4', 'forest.webm', 'poster.png'];
    for (const n of names) await page.locator('li.tile[data-status="ready"]', { hasText: n }).waitFor();
    expect((await library(base)).map((m) => m.filename).sort()).to.deep.equal(names);

    await page.getByRole('link', { name: 'Loop', exact: true }).click();
    await eventually(async () => (await page.locator('li.queue-item').count()) === 3, 10_000, 'three items in the loop view');
    expect(await rowSlugs(page)).to.deep.equal((await loopState(base)).items.map((i) => i.slug));

    await page.getByRole('link', { name: 'Now playing', exact: true }).click();
    await page.getByTestId('player-state').getByText('Playing').waitFor({ timeout: 20_000 });
    const title = await page.getByTestId('now-title').innerText();
    expect(names).to.include(title);
    await page.getByRole('button', { name: 'Pause' }).waitFor();
  });

  it('Next on one phone: a second phone shows the new clip within a second, without reload', async () => {
    const { page } = a;
    // One clip at a time, so that only Next moves on (the clips are 1 s long).
    await page.getByLabel('Repeat this one').check();
    await eventually(async () => (await loopState(base)).mode === 'one', 5000, 'loop mode one');
    b = await watch();
    await b.page.goto('/');
    await b.page.getByTestId('player-state').getByText('Playing').waitFor();
    await b.page.evaluate('window.__notReloaded = true');
    const before = await a.page.getByTestId('now-title').innerText();
    expect(await b.page.getByTestId('now-title').innerText()).to.equal(before);

    await page.getByRole('button', { name: 'Next' }).click();
    await eventually(async () => (await a.page.getByTestId('now-title').innerText()) !== before, 10_000, 'page A to show the next clip');
    const after = await a.page.getByTestId('now-title').innerText();
    // Both pages hear the same event; B may lag A by at most a second.
    await b.page.getByTestId('now-title').getByText(after, { exact: true }).waitFor({ timeout: 1000 });
    expect(await b.page.evaluate('window.__notReloaded')).to.equal(true);
    const playing = (await http('GET', `${base}/api/playback`)).json.data as { slug: string };
    expect((await library(base)).find((m) => m.slug === playing.slug)?.filename).to.equal(after);
  });

  it('drag and keyboard reorder: the order persists across a reload and a Loop restart (the page rides the outage out)', async () => {
    const { page } = a;
    await page.goto('/loop');
    await eventually(async () => (await page.locator('li.queue-item').count()) === 3, 10_000, 'three rows');
    const start0 = await rowSlugs(page);
    // Drag the last row above the first, by its handle, with the mouse (pointer events, as touch).
    const handle = page.locator('li.queue-item').nth(2).locator('.handle');
    const first = await page.locator('li.queue-item').nth(0).boundingBox();
    const hb = await handle.boundingBox();
    if (!first || !hb) throw new Error('rows are not laid out');
    await page.mouse.move(hb.x + hb.width / 2, hb.y + hb.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 8; i++)
      await page.mouse.move(hb.x + hb.width / 2, hb.y + hb.height / 2 + ((first.y + 4 - (hb.y + hb.height / 2)) * i) / 8);
    await page.mouse.up();
    const dragged = [start0[2], start0[0], start0[1]] as string[];
    await eventually(
      async () => (await loopState(base)).items.map((i) => i.slug).join() === dragged.join(),
      5000,
      'the loop to take the dragged order',
    );
    expect(await rowSlugs(page)).to.deep.equal(dragged);

    // The keyboard alternative: focus "Move … down" on the first row and press Enter.
    const firstName = await page.locator('li.queue-item').nth(0).locator('.name').innerText();
    await page.getByRole('button', { name: `Move ${firstName} down` }).focus();
    await page.keyboard.press('Enter');
    const moved = [dragged[1], dragged[0], dragged[2]] as string[];
    await eventually(async () => (await loopState(base)).items.map((i) => i.slug).join() === moved.join(), 5000, 'the keyboard move');
    await eventually(async () => (await rowSlugs(page)).join() === moved.join(), 5000, 'the rows to follow');

    // And with a finger: a touch phone drags the first row below the last (touch events through CDP,
    // which Chromium turns into pointer events as it does for a real screen).
    const t = await watch({ touch: true });
    await t.page.goto('/loop');
    await eventually(async () => (await rowSlugs(t.page)).join() === moved.join(), 10_000, 'the touch page rows');
    const th = await t.page.locator('li.queue-item').nth(0).locator('.handle').boundingBox();
    const last = await t.page.locator('li.queue-item').nth(2).boundingBox();
    if (!th || !last) throw new Error('rows are not laid out');
    const cdp = await t.context.newCDPSession(t.page);
    const x = th.x + th.width / 2;
    const y0 = th.y + th.height / 2;
    const y1 = last.y + last.height - 4;
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y: y0 }] });
    for (let i = 1; i <= 8; i++)
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y: y0 + ((y1 - y0) * i) / 8 }] });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    const touched = [moved[1], moved[2], moved[0]] as string[];
    await eventually(
      async () => (await loopState(base)).items.map((i) => i.slug).join() === touched.join(),
      5000,
      'the loop to take the touch-dragged order',
    );
    await eventually(async () => (await rowSlugs(page)).join() === touched.join(), 5000, 'the first page to follow');
    await t.context.close();
    pages.splice(pages.indexOf(t), 1);

    // A per-item repeat count, typed on the first row, is kept by the loop.
    await page.locator(`li.queue-item[data-slug="${touched[0]}"]`).getByLabel('Repeat').fill('3');
    await page.locator(`li.queue-item[data-slug="${touched[0]}"]`).getByLabel('Repeat').press('Enter');
    await eventually(async () => (await loopState(base)).items[0]?.repeat === 3, 5000, 'repeat 3 on the first item');

    await page.reload();
    await eventually(async () => (await rowSlugs(page)).join() === touched.join(), 10_000, 'the order after a reload');
    expect(await page.locator(`li.queue-item[data-slug="${touched[0]}"]`).getByLabel('Repeat').inputValue()).to.equal('3');

    // Stop Loop with the page open: the indicator says it is reconnecting.
    await page.evaluate('window.__notReloaded = true');
    loopDown = true;
    await proc.stop();
    await indicator(page)
      .getByText(/Reconnecting/)
      .waitFor({ timeout: 15_000 });
    await start();
    await indicator(page).getByText('Live').waitFor({ timeout: 45_000 });
    expect(await page.evaluate('window.__notReloaded')).to.equal(true);
    expect((await loopState(base)).items.map((i) => i.slug)).to.deep.equal(touched);
    expect(await rowSlugs(page)).to.deep.equal(touched);
    expect((await loopState(base)).items[0]?.repeat).to.equal(3);
    // Current state after the restart, still without reload: a change made elsewhere shows up.
    await http('POST', `${base}/api/media/${touched[2]}/activate`);
    await page.locator(`li.queue-item.playing[data-slug="${touched[2]}"]`).waitFor({ timeout: 10_000 });
    // Page B lived through the same outage.
    await indicator(b.page).getByText('Live').waitFor({ timeout: 45_000 });
    loopDown = false;
  });

  it("a file that is neither picture nor video: the upload says so in plain words, the server's reason behind Details, and no Retry", async () => {
    const { page } = a;
    const bogus = join(dataDir, '..', `${dataDir.split('/').pop()}-notes.mp4`);
    writeFileSync(bogus, 'these are words, not a video\n'.repeat(200));
    // The page's own refused upload is this step's purpose: its 415 is expected.
    const expected415 = a.allow((line) => /\b415\b/.test(line));
    await page.goto('/library');
    // The last PATCH of the (resumable) upload carries the server's verdict on the whole file.
    const answered = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().includes('/api/uploads/tus/'));
    await page.getByLabel('Choose files to upload').setInputFiles(bogus);
    // The server's words, as the page received them.
    const answer = (await (await answered).json()) as {
      data?: { errors?: Array<{ error: string }> };
      errors?: Array<{ error: string }>;
      message: string;
    };
    expect((await answered).status()).to.equal(415);
    const why = answer.errors?.[0]?.error ?? answer.data?.errors?.[0]?.error ?? answer.message;
    const row = page.locator('li.upload', { has: page.getByRole('button', { name: `Dismiss ${basename(bogus)}` }) });
    await row.waitFor({ timeout: 15_000 });
    expect(await row.locator('.upload-status').innerText()).to.equal(`Failed: ${ERROR_CATALOGUE.unsupported.text}`);
    // Retrying a file that is not media would fail the same way: no Retry, and nothing kept to resume.
    expect(await row.getByRole('button', { name: /^Retry/ }).count()).to.equal(0);
    expect(await page.evaluate<number>("Object.keys(localStorage).filter((k) => k.startsWith('tus::')).length")).to.equal(0);
    expect(await row.getByText(why).isVisible()).to.equal(false);
    await row.getByText('Details').click();
    await row.getByText(why).waitFor();
    await row.getByRole('button', { name: `Dismiss ${basename(bogus)}` }).click();
    await row.waitFor({ state: 'detached' });
    await page
      .getByRole('alert')
      .getByRole('button', { name: /^Dismiss: / })
      .click();
    rmSync(bogus, { force: true });
    expected415();
  });

  it("a command the server refuses (deleting twice from two phones): plain words, the server's behind Details, gone by itself, over no control", async () => {
    await a.page.goto('/library');
    await b.page.goto('/library');
    const victim = (await library(base)).find((m) => m.filename === 'poster.png') as V1MediaItem;
    // B asks first and waits on its confirmation; A deletes meanwhile.
    await b.page.getByRole('button', { name: 'Delete poster.png' }).click();
    await b.page.getByRole('dialog').waitFor();
    await a.page.getByRole('button', { name: 'Delete poster.png' }).click();
    await a.page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await b.page.locator(`li.tile[data-slug="${victim.slug}"]`).waitFor({ state: 'detached' });
    await b.page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    // The words the server uses for this refusal, asked the same way over REST.
    const refusal = await http('DELETE', `${base}/api/media/${victim.slug}`);
    expect(refusal.status).to.equal(404);
    const words = refusal.json.message as string;
    const toast = b.page.getByRole('alert').filter({ hasText: ERROR_CATALOGUE.not_found.text });
    await toast.waitFor();
    const shownAt = Date.now();
    expect(await b.page.getByRole('alert').count(), 'one refusal, one message').to.equal(1);
    await toast.getByText('Details').click();
    await toast.getByText(words).waitFor();
    const shown = await b.page
      .locator('li.tile')
      .evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { slug: string } }).dataset.slug));
    expect(shown.sort()).to.deep.equal((await library(base)).map((m) => m.slug).sort());
    // Over no control: the message's box meets no button, field or link of the page.
    const overlaps = await b.page.evaluate(`(() => {
      const t = document.querySelector('.toast').getBoundingClientRect();
      return [...document.querySelectorAll('main button, main input, main a, nav a')]
        .filter((el) => !el.closest('.toast'))
        .filter((el) => { const r = el.getBoundingClientRect(); return r.width && r.left < t.right && r.right > t.left && r.top < t.bottom && r.bottom > t.top; })
        .map((el) => el.outerHTML.slice(0, 80));
    })()`);
    expect(overlaps).to.deep.equal([]);
    // It leaves by itself (errors after 10 s).
    await toast.waitFor({ state: 'detached', timeout: 15_000 });
    expect(Date.now() - shownAt).to.be.within(8000, 14_000);
  });

  it('with the WebSocket refused, the page follows REST changes by polling, and returns to the socket when allowed', async () => {
    const c = await watch();
    let allow = false;
    await c.page.routeWebSocket(/\/ws(\?|$)/, (ws) => {
      if (allow) ws.connectToServer();
      else void ws.close({ code: 1011, reason: 'refused by the test' });
    });
    await c.page.goto('/loop');
    await indicator(c.page)
      .getByText(/Reconnecting/)
      .waitFor({ timeout: 10_000 });
    await indicator(c.page)
      .getByText(/updating every few seconds/)
      .waitFor({ timeout: 10_000 });
    const order = (await loopState(base)).items.map((i) => i.slug);
    await eventually(async () => (await rowSlugs(c.page)).join() === order.join(), 10_000, 'the polled loop');
    const reversed = [...order].reverse();
    expect((await http('PUT', `${base}/api/loop`, { loop: reversed })).status).to.equal(200);
    await eventually(async () => (await rowSlugs(c.page)).join() === reversed.join(), 10_000, 'the page to follow by polling');
    expect(await indicator(c.page).innerText()).to.match(/Reconnecting/);
    allow = true;
    await indicator(c.page).getByText('Live').waitFor({ timeout: 40_000 });
    // Back on the socket: a change shows at once, without waiting for a poll.
    expect((await http('PUT', `${base}/api/loop`, { loop: order })).status).to.equal(200);
    await eventually(async () => (await rowSlugs(c.page)).join() === order.join(), 3000, 'the page to follow over the socket');
    await c.context.close();
    pages.splice(pages.indexOf(c), 1);
  });

  it('every view: no serious or critical axe-core violations, light and dark; screenshots at phone and desktop size', async function () {
    this.timeout(180_000);
    for (const scheme of ['light', 'dark'] as const) {
      for (const [label, viewport] of [
        ['phone', PHONE],
        ['desktop', DESKTOP],
      ] as const) {
        // axe-core is injected as an inline script, which Loop's CSP (script-src 'self') rightly refuses.
        const w = await watch({ viewport, scheme, bypassCSP: true });
        for (const [name, path] of VIEWS) {
          await w.page.goto(path);
          await indicator(w.page).getByText('Live').waitFor();
          await w.page.waitForLoadState('networkidle');
          if (label === 'phone') {
            const violations = await axe(w.page);
            expect(
              violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`),
              `${name} ${scheme}`,
            ).to.deep.equal([]);
          }
          // A phone shows one screen at a time (the tab bar stays put); a desktop shows the whole page.
          await w.page.screenshot({ path: shotPath(`${name}-${label}-${scheme}`), fullPage: label === 'desktop' });
        }
        await w.context.close();
        pages.splice(pages.indexOf(w), 1);
      }
    }
  });
});
