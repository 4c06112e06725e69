// The REST reference as a person opens it (http.docs_ui: true): Swagger UI at /api/docs renders in
// Chromium under Loop's own Content-Security-Policy, with every route of the OpenAPI document, and
// "Try it out" reaches the API from that page (same origin).
import { existsSync } from 'node:fs';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { startTestLoop, type TestLoop } from '../helpers/loop.js';
import { skipBecause } from '../helpers/skip.js';
import { CHROMIUM, launch, openPage, shotPath } from './browser.js';

describe('the REST reference (Swagger UI) in a real browser', function () {
  this.timeout(90_000);
  let loop: TestLoop;
  let browser: Browser;

  before(async function () {
    if (!existsSync(CHROMIUM)) skipBecause(this, `${CHROMIUM} is not installed (apt-get install chromium)`);
    loop = await startTestLoop({ plugins: ['system', 'loop'], http: { docs_ui: true } });
    browser = await launch();
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await loop?.stop();
  });

  it('renders the API under the CSP, every route listed, and a GET answered from the page', async () => {
    const { page, problems, context } = await openPage(browser, loop.http, { viewport: { width: 1280, height: 900 } });
    const csp: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/.test(m.text())) csp.push(m.text());
    });
    const res = await page.goto('/api/docs');
    expect(res?.status()).to.be.oneOf([200, 302]);
    await page.getByText('Loop REST API').first().waitFor({ timeout: 20_000 });
    const doc = (await (await fetch(`${loop.http}/api/docs/json`)).json()) as { paths: Record<string, unknown> };
    const paths = Object.keys(doc.paths);
    expect(paths.length).to.be.greaterThan(10);
    for (const p of ['/api/loop', '/api/dashboard', '/api/health']) {
      expect(paths, p).to.include(p);
      await page
        .locator('.opblock-summary-path', { hasText: new RegExp(`^${p.replace(/\//g, '\\/')}$`) })
        .first()
        .waitFor();
    }
    // Try it out on GET /api/health: the answer shows in the page.
    const op = page.locator('.opblock-get', { has: page.locator('.opblock-summary-path', { hasText: /^\/api\/health$/ }) }).first();
    await op.locator('.opblock-summary').click();
    await op.getByRole('button', { name: 'Try it out' }).click();
    await op.getByRole('button', { name: 'Execute' }).click();
    await op.locator('.live-responses-table tr.response .response-col_status').first().waitFor();
    expect((await op.locator('.live-responses-table tr.response .response-col_status').first().textContent())?.trim()).to.equal('200');
    await page.screenshot({ path: shotPath('api-docs') });
    expect(csp, 'CSP refusals').to.deep.equal([]);
    // The allowance is for the reference's inline styles only: scripts stay 'self', the dashboard is untouched.
    const docsCsp = res?.headers()['content-security-policy'] ?? '';
    expect(docsCsp).to.include("script-src 'self';").and.include("style-src 'self' 'unsafe-inline'");
    const pageCsp = (await fetch(`${loop.http}/`)).headers.get('content-security-policy') ?? '';
    expect(pageCsp).to.include("style-src 'self';").and.not.include('unsafe-inline');
    expect(problems).to.deep.equal([]);
    await context.close();
  });
});
