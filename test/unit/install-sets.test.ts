// `npm start` installs `dependencies` and `optionalDependencies` only (npm ci --omit=dev): every
// package the server imports must be in the first, every package the page's build reads in one of
// the two. A page import left in devDependencies broke a fresh `npm start` once (tus-js-client).
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { packageRoot } from '../../core/paths.js';

const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
const runtime = new Set(Object.keys(pkg.dependencies ?? {}));
const build = new Set([...runtime, ...Object.keys(pkg.optionalDependencies ?? {})]);

function filesUnder(dir: string, ends: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, ends) : ends.test(name) ? [path] : [];
  });
}

/** The npm packages a source file loads when it runs (`import type` vanishes when compiled), by package name. */
function packagesOf(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/(import|export) type [^;]*;/g, '');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '');
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !s.startsWith('/'))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] ?? s)));
}

/** "file: package" for each package a file under `dirs` loads that is not in `allowed`. */
function notInstalled(dirs: string[], ends: RegExp, allowed: Set<string>): string[] {
  return dirs
    .flatMap((dir) => filesUnder(join(packageRoot, dir), ends))
    .flatMap((file) =>
      packagesOf(file)
        .filter((p) => !allowed.has(p))
        .map((p) => `${relative(packageRoot, file)}: ${p}`),
    );
}

describe('install sets: what npm start installs is what running and building need', () => {
  it('the server (app, core, plugins) imports only dependencies', () => {
    expect(notInstalled(['app', 'core', 'plugins'], /\.ts$/, runtime)).to.deep.equal([]);
  });
  it('the page (web/src) and its build config import only dependencies and optionalDependencies', () => {
    expect(notInstalled(['web/src'], /\.(ts|vue)$/, build)).to.deep.equal([]);
    // The check can fail: without the page's optional set, its imports are reported.
    expect(notInstalled(['web/src'], /\.(ts|vue)$/, runtime)).to.include.members(['web/src/upload/tus.ts: tus-js-client']);
    expect(packagesOf(join(packageRoot, 'web', 'vite.config.ts')).filter((p) => !build.has(p))).to.deep.equal([]);
  });
});
