// A page reload in the middle of an upload, in real Chromium against a real Loop: the page says the
// upload is paused, the person picks the same file again, and the upload continues from the bytes the
// device has (tus, web/src/upload/tus.ts). Every byte the browser sends goes through a TCP proxy that
// counts it: the whole run may carry the file once plus at most the chunk that was in flight. And
// against a Loop without tus, the page's multipart fallback.
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { expect } from 'chai';
import type { Browser, Locator } from 'playwright-core';
import { TUS_CHUNK_BYTES } from '../../core/protocol/uploads.js';
import type { V1MediaItem } from '../../core/protocol/media.js';
import { http, removeDir, startLoopProcess, tempDir, type LoopProcess } from '../helpers/loop.js';
import { waitItem } from '../helpers/media-files.js';
import { makeClip } from '../helpers/clips.js';
import { cuttingProxy, paddedClip, type CuttingProxy } from '../helpers/tus.js';
import { until } from '../helpers/wait.js';
import { axe, launch, openPage, shotPath, type WatchedPage, needPageAndBrowser } from './browser.js';

const MB = 1024 * 1024;
/** Page loads, the socket's frames and the tus requests' headers: what the run costs besides the file. */
const OVERHEAD = 512 * 1024;

/** Until the tray row's progress bar shows at least `percent`. */
async function uploadReaches(row: Locator, percent: number): Promise<void> {
  const shown = async (): Promise<number> =>
    Number(
      (await row
        .locator('progress')
        .getAttribute('value')
        .catch(() => null)) ?? 0,
    );
  await until(async () => (await shown()) >= percent, 60_000, `the upload at ${percent} %`, 50);
}

describe('e2e: a reload mid-upload resumes the upload', function () {
  this.timeout(240_000);
  const dataDir = tempDir('loop-e2e-resume-');
  let proc: LoopProcess;
  let proxy: CuttingProxy;
  let browser: Browser;
  let w: WatchedPage;

  before(async function () {
    needPageAndBrowser(this);
    proc = await startLoopProcess({
      config: {
        device: { id: 'e2e-resume' },
        plugins: ['system', 'loop', 'media'],
        media: { max_upload_bytes: 200 * MB, min_free_bytes: 0 },
      },
      dataDir,
      startTimeoutMs: 30_000,
    });
    proxy = await cuttingProxy(Number(new URL(proc.http).port));
    browser = await launch();
    // bypassCSP: axe-core is injected as a script tag for the paused-state scan.
    w = await openPage(browser, proxy.url, { bypassCSP: true });
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await proxy?.close().catch(() => undefined);
    await proc?.stop().catch(() => undefined);
    removeDir(dataDir);
  });
  afterEach(function () {
    expect(w.problems.splice(0), `console errors or failed requests during "${this.currentTest?.title}"`).to.deep.equal([]);
  });

  it('a 60 MB upload reloaded at ~40 % is offered as paused, then continues with at most one chunk sent again', async () => {
    const { page } = w;
    const file = await paddedClip(60 * MB);
    const name = basename(file.path);
    await page.goto('/library');
    await page.getByTestId('live-indicator').getByText('Live').waitFor({ timeout: 20_000 });
    // A phone's uplink: 6 MB/s, so the upload takes about ten seconds and the reload lands mid-way.
    const cdp = await w.context.newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 6 * MB });
    await page.getByLabel('Choose files to upload').setInputFiles(file.path);
    const row = page.locator('li.upload', { hasText: name });
    await uploadReaches(row, 40);
    // The person reloads and confirms leaving (the page warns first: bytes are still to send).
    page.once('dialog', (d) => void d.accept());
    await page.reload();
    await page.getByTestId('live-indicator').getByText('Live').waitFor({ timeout: 20_000 });
    const paused = page.getByTestId('paused-uploads');
    await paused.getByText('1 upload paused: pick the file again to resume').waitFor({ timeout: 10_000 });
    await paused.getByText(name).waitFor();
    await paused.getByText(/\d+% on the device/).waitFor({ timeout: 10_000 });
    const onDevice = Number(/(\d+)% on the device/.exec((await paused.textContent()) ?? '')?.[1]);
    expect(onDevice, 'the share the device had at the reload').to.be.within(25, 95);
    await page.screenshot({ path: shotPath('uploads-paused-phone-light') });
    const violations = await axe(page);
    expect(violations.map((v) => `${v.id}: ${v.help}`)).to.deep.equal([]);

    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await page.getByLabel('Choose the paused file again').setInputFiles(file.path);
    await row
      .locator('.upload-status')
      .getByText(/^Resumed|Queued|Checking|Converting|Done/)
      .waitFor({ timeout: 30_000 });
    await page.locator('li.upload[data-state="done"]', { hasText: name }).waitFor({ timeout: 90_000 });
    expect(await paused.count(), 'nothing paused once it is in').to.equal(0);

    // Sent once, plus what was in flight at the reload (at most one chunk): not started again.
    const carried = proxy.carried();
    expect(carried, 'bytes the browser sent').to.be.at.least(file.size);
    expect(carried - file.size, 'bytes sent twice').to.be.at.most(TUS_CHUNK_BYTES + OVERHEAD);

    // In the library once, with the file's own hash.
    const list = await http('GET', `${proc.http}/api/media`);
    const items = (list.json.data as { media: V1MediaItem[] }).media.filter((i) => i.sha256 === file.sha256);
    expect(items).to.have.length(1);
    const item = await waitItem(proc.http, (items[0] as V1MediaItem).slug, (x) => x.processing_status === 'completed', 60_000);
    expect(item.sha256).to.equal(file.sha256);
  });

  it('a paused upload can be forgotten: gone from the tray and from the device', async () => {
    const { page } = w;
    const file = await paddedClip(30 * MB);
    const name = basename(file.path);
    const cdp = await w.context.newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 4 * MB });
    await page.getByLabel('Choose files to upload').setInputFiles(file.path);
    const row = page.locator('li.upload', { hasText: name });
    await uploadReaches(row, 20);
    page.once('dialog', (d) => void d.accept());
    await page.reload();
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const paused = page.getByTestId('paused-uploads');
    await paused.getByText(name).waitFor({ timeout: 20_000 });
    expect(await readdir(join(dataDir, 'uploads', 'tus'))).to.have.length(2); // its bytes and their record
    await paused.getByRole('button', { name: `Forget the paused upload of ${name}` }).click();
    await paused.waitFor({ state: 'detached' });
    await until(
      async () => (await readdir(join(dataDir, 'uploads', 'tus'))).length === 0,
      10_000,
      'the partial upload removed on the device',
    );
  });

  it('against a Loop without tus (the creation answers 404), the page falls back to one multipart POST', async () => {
    const { page } = w;
    const clip = await makeClip({ seconds: 1, name: 'older-loop' });
    // An older Loop has no /api/uploads/tus: Fastify's 404 for an unknown route, as it would answer.
    const older = JSON.stringify({ message: 'Route POST:/api/uploads/tus not found', error: 'Not Found', statusCode: 404 });
    await page.route('**/api/uploads/tus', (route) =>
      route.request().method() === 'POST' ? route.fulfill({ status: 404, contentType: 'application/json', body: older }) : route.continue(),
    );
    const expected404 = w.allow((line) => /\b404\b/.test(line) && (line.includes('/api/uploads/tus') || line.startsWith('console:')));
    try {
      const multipart = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/media'));
      await page.getByLabel('Choose files to upload').setInputFiles(clip);
      expect((await multipart).status()).to.equal(200);
      await page.locator('li.upload[data-state="done"]', { hasText: basename(clip) }).waitFor({ timeout: 60_000 });
    } finally {
      expected404();
      await page.unroute('**/api/uploads/tus');
    }
  });
});
