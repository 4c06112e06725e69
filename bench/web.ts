// The dashboard's first load, in headless Chromium against a running Loop:
// - bytes: the JavaScript and CSS a first visit transfers (as served: brotli) and their gzip size
//   (the .gz files built beside them), against the 100 KB gzip target;
// - time: with the CPU throttled 4x (CDP Emulation.setCPUThrottlingRate, a phone-class CPU),
//   first contentful paint, script time (parse, compile, run) and the time until the page shows
//   "Live" with the player's state. Baseline, same run, same throttle: a blank page with one line of
//   text served by a bare node HTTP server. Median of RUNS cold loads (a new browser context each).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { launch } from '../test/e2e/browser.js';
import { fmt, median, packageRoot, ratio, spawnLoop, table } from './lib.js';

const RUNS = 5;
const THROTTLE = 4;
const TARGET_KB = 100;

interface Load {
  fcp: number;
  script: number;
  ready: number;
}

export default async function run(): Promise<void> {
  const dist = join(packageRoot, 'web', 'dist');
  if (!existsSync(join(dist, 'index.html'))) throw new Error('web/dist is not built (npm run build)');
  const loop = await spawnLoop({ LOOP_PLUGINS: '[system, loop, media]' });
  const blank = createServer((_q, s) =>
    s
      .setHeader('content-type', 'text/html')
      .end('<!doctype html><meta name="viewport" content="width=device-width"><title>blank</title><p>Loop</p>'),
  );
  await new Promise<void>((r) => blank.listen(0, '127.0.0.1', () => r()));
  const blankUrl = `http://127.0.0.1:${(blank.address() as AddressInfo).port}/`;
  const browser = await launch();
  try {
    await loop.waitFor('Loop is up', 30_000);

    // Bytes of a first visit, from the browser's own accounting.
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    const assets: Array<{ url: string; type: string; transferred: number; encoding: string }> = [];
    page.on('response', (r) => {
      const type = r.request().resourceType();
      if (type === 'script' || type === 'stylesheet') {
        void r
          .request()
          .sizes()
          .then((s) =>
            assets.push({
              url: new URL(r.url()).pathname,
              type,
              transferred: s.responseBodySize,
              encoding: r.headers()['content-encoding'] ?? 'none',
            }),
          );
      }
    });
    await page.goto(loop.http, { waitUntil: 'networkidle' });
    await ctx.close();
    const rows = [['asset', 'served as', 'transferred KB', 'gzip KB', 'raw KB']];
    let sent = 0;
    let gz = 0;
    for (const a of assets) {
      const file = join(dist, a.url);
      const gzSize = existsSync(`${file}.gz`) ? statSync(`${file}.gz`).size : statSync(file).size;
      sent += a.transferred;
      gz += gzSize;
      rows.push([a.url, a.encoding, fmt(a.transferred / 1024), fmt(gzSize / 1024), fmt(readFileSync(file).length / 1024)]);
    }
    rows.push(['total JS + CSS', '', fmt(sent / 1024), fmt(gz / 1024), '']);
    table(rows);
    console.log(`first load JS + CSS gzip: ${fmt(gz / 1024)} KB (target < ${TARGET_KB} KB: ${gz / 1024 < TARGET_KB ? 'met' : 'NOT met'})`);

    const loadOnce = async (url: string, readySelector: string | null): Promise<Load> => {
      const c = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const p = await c.newPage();
      const cdp = await c.newCDPSession(p);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
      await cdp.send('Performance.enable');
      const t0 = Date.now();
      await p.goto(url, { waitUntil: 'load' });
      if (readySelector) await p.locator(readySelector).first().waitFor({ timeout: 60_000 });
      const ready = Date.now() - t0;
      const fcp = await p.evaluate<number>(`new Promise((resolve) => {
        const hit = () => performance.getEntriesByName('first-contentful-paint')[0];
        if (hit()) return resolve(hit().startTime);
        new PerformanceObserver(() => hit() && resolve(hit().startTime)).observe({ type: 'paint', buffered: true });
      })`);
      const metrics = (await cdp.send('Performance.getMetrics')).metrics;
      const script = (metrics.find((m) => m.name === 'ScriptDuration')?.value ?? NaN) * 1000;
      await c.close();
      return { fcp, script, ready };
    };
    const dash: Load[] = [];
    const base: Load[] = [];
    for (let i = 0; i < RUNS; i++) {
      base.push(await loadOnce(blankUrl, null));
      dash.push(await loadOnce(loop.http, '[data-testid="live-indicator"][data-state="live"]'));
    }
    const m = (xs: Load[], k: keyof Load): number => median(xs.map((x) => x[k]));
    table([
      [`CPU throttled ${THROTTLE}x, median of ${RUNS}`, 'dashboard ms', 'blank page ms', 'ratio'],
      ['first contentful paint', fmt(m(dash, 'fcp'), 0), fmt(m(base, 'fcp'), 0), ratio(m(dash, 'fcp'), m(base, 'fcp'))],
      ['script (parse, compile, run)', fmt(m(dash, 'script'), 0), fmt(m(base, 'script'), 0), ''],
      ['navigation → "Live" with state', fmt(m(dash, 'ready'), 0), fmt(m(base, 'ready'), 0), ratio(m(dash, 'ready'), m(base, 'ready'))],
    ]);
  } finally {
    await browser.close();
    blank.close();
    await loop.stop();
  }
}
