// Headless Chromium for the e2e tests: Debian's /usr/bin/chromium driven by playwright-core (no
// browser is ever downloaded), phone-sized pages that record console errors and failed requests,
// screenshots into an artifacts folder, and axe-core scans.
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { packageRoot } from '../../core/paths.js';
import { skipBecause } from '../helpers/skip.js';

export const CHROMIUM = process.env.LOOP_CHROMIUM ?? '/usr/bin/chromium';
export const PHONE = { width: 390, height: 844 };

/** A test of the page needs the built page (it cannot pass without it) and Chromium (it skips, saying why, without). */
export function needPageAndBrowser(ctx: Mocha.Context): void {
  if (!existsSync(join(packageRoot, 'web', 'dist', 'index.html')))
    throw new Error('web/dist is not built: run `npm run build` (npm test builds it)');
  if (!existsSync(CHROMIUM)) skipBecause(ctx, `${CHROMIUM} is not installed (apt-get install chromium)`);
}
export const DESKTOP = { width: 1280, height: 800 };
/** Where the tests leave their screenshots (LOOP_ARTIFACTS overrides). */
export const ARTIFACTS = process.env.LOOP_ARTIFACTS ?? join(tmpdir(), 'loop-e2e-artifacts');

/** Flags for headless Chromium on a machine with no network but loopback (no background fetches). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and failed or refused (>= 400, unexpected) requests, as text. */
  problems: string[];
  /** Requests that are expected to fail (a refused command); removed from `problems`. */
  allow(pred: (line: string) => boolean): () => void;
}

export async function openPage(
  browser: Browser,
  base: string,
  opts: { viewport?: { width: number; height: number }; scheme?: 'light' | 'dark'; touch?: boolean; bypassCSP?: boolean } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: opts.viewport ?? PHONE,
    colorScheme: opts.scheme ?? 'light',
    baseURL: base,
    deviceScaleFactor: 1,
    hasTouch: opts.touch ?? false,
    bypassCSP: opts.bypassCSP ?? false,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  const allowed: Array<(line: string) => boolean> = [];
  const note = (line: string): void => {
    if (!allowed.some((a) => a(line))) problems.push(line);
  };
  page.on('console', (m) => {
    if (m.type() === 'error') note(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => note(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A page closing or a socket torn down on purpose cancels requests: not a failure of Loop.
    const why = r.failure()?.errorText ?? '';
    if (why.includes('ERR_ABORTED')) return;
    note(`request failed: ${r.method()} ${r.url()} ${why}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) note(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  return {
    page,
    context,
    problems,
    allow: (pred) => {
      allowed.push(pred);
      return () => void allowed.splice(allowed.indexOf(pred), 1);
    },
  };
}

export function shotPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, `${name}.png`);
}

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

/** Runs axe-core in the page; the serious and critical violations. */
export async function axe(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: axePath });
  // A string expression: this project's Node tsconfig has no DOM types (the page has them).
  const result = await page.evaluate<{ violations: AxeViolation[] }>('axe.run(document, { resultTypes: ["violations"] })');
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
