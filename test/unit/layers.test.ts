// The layers: app/ wires core/, plugins/ and web/; plugins/ use core/; core/ uses nothing above it;
// the page (web/src) shares only the contract (core/protocol) and small helpers (core/util) with the
// server. Every import (type-only and dynamic ones too) is read from the sources with the TypeScript
// compiler, so an arrow that runs back up the layers, or a cycle, fails here before it spreads.
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { packageRoot } from '../../core/paths.js';

const ROOTS = ['core', 'plugins', 'web/src', 'app'];

function sources(dir: string): string[] {
  const full = join(packageRoot, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full).flatMap((name) => {
    const path = join(full, name);
    if (statSync(path).isDirectory()) return sources(join(dir, name));
    return /\.(ts|vue)$/.test(name) && !name.endsWith('.d.ts') ? [join(dir, name)] : [];
  });
}

/** The repo-relative file a relative specifier names (`./x.js` → `dir/x.ts`), or null for a package. */
function target(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = relative(packageRoot, resolve(packageRoot, dirname(from), spec));
  for (const candidate of [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(join(packageRoot, candidate)) && statSync(join(packageRoot, candidate)).isFile()) return candidate;
  }
  return base;
}

/** Every module a file imports: static, type-only, re-exports and `import()`. */
function importsOf(file: string): string[] {
  let text = readFileSync(join(packageRoot, file), 'utf8');
  // A .vue file's imports are in its <script> blocks.
  if (file.endsWith('.vue')) text = [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((f) => target(file, f.fileName)).filter((t): t is string => t !== null);
}

const layerOf = (file: string): string => ROOTS.find((root) => file.startsWith(`${root}/`)) ?? 'outside';

const files = ROOTS.flatMap(sources);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

/** Cycles found by a depth-first walk, each as the files around it. */
function cycles(): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return found;
}

describe('layers: who may import whom', () => {
  it('reads the imports of every source file (the check itself works)', () => {
    expect(files.length).to.be.greaterThan(100);
    expect(graph.get('core/runtime.ts')).to.include('core/plugins/host.ts');
    expect(graph.get('app/main.ts')).to.include('core/cli/main.ts');
  });

  it('core/ imports nothing from plugins/, web/ or app/', () => {
    const upward = [...graph]
      .filter(([file]) => layerOf(file) === 'core')
      .flatMap(([file, deps]) => deps.filter((d) => /^(plugins|web|app)\//.test(d)).map((d) => `${file} → ${d}`));
    expect(upward).to.deep.equal([]);
  });

  it('plugins/ import core/ and their own folder only (never app/, web/ or another plugin)', () => {
    const wrong = [...graph]
      .filter(([file]) => layerOf(file) === 'plugins')
      .flatMap(([file, deps]) => {
        const own = file.split('/').slice(0, 2).join('/');
        return deps.filter((d) => !d.startsWith('core/') && !d.startsWith(`${own}/`)).map((d) => `${file} → ${d}`);
      });
    expect(wrong).to.deep.equal([]);
  });

  it('the page (web/src) shares only core/protocol and core/util with the server', () => {
    const wrong = [...graph]
      .filter(([file]) => layerOf(file) === 'web/src')
      .flatMap(([file, deps]) =>
        deps
          .filter((d) => !d.startsWith('web/src/') && !d.startsWith('core/protocol/') && !d.startsWith('core/util/'))
          .map((d) => `${file} → ${d}`),
      );
    expect(wrong).to.deep.equal([]);
  });

  it('no import cycle among core/, plugins/, web/src and app/ files (type-only imports count)', () => {
    expect(cycles().map((c) => c.join(' → '))).to.deep.equal([]);
  });
});
