// Idempotent set-up. `npm start` runs it plain: it installs and builds only what running needs (the
// runtime dependencies and, when package.json keeps them apart as optionalDependencies, the build
// set: the compiler, a few type packages and the page's toolchain), compiles app/, core/ and plugins/
// (tsconfig.run.json) and builds the page (web/dist). `npm test` and `npm run bench` run it with
// --dev: every dependency, and the whole project compiled (tsconfig.json). Each step is skipped when
// nothing it reads changed since it last succeeded (a stamp in dist/), so a second start goes
// straight to Loop. Figures: docs/performance.md, "Starting from a clone".
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);
/** The newest modification time under a path (files and folders). */
const newest = (p) => {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(p).reduce((m, name) => Math.max(m, newest(join(p, name))), st.mtimeMs);
};
const stale = (output, inputs) => {
  const built = mtime(output);
  return !built || inputs.some((p) => newest(join(root, p)) > built);
};
const modules = join(root, 'node_modules');

// ---- dependencies -------------------------------------------------------------------------------
const dev = process.argv.includes('--dev');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const lock = join(root, 'package-lock.json');
const marker = join(modules, '.package-lock.json');
// The build set is apart when the compiler is an optional dependency; a checkout that has the test
// tools already keeps them (a start must not remove what `npm test` installed).
const buildSetApart = Boolean(pkg.optionalDependencies?.typescript);
const hasDevTools = existsSync(join(modules, 'mocha'));
const everything = dev || !buildSetApart || hasDevTools;
if (!existsSync(marker) || mtime(lock) > mtime(marker) || (everything && !hasDevTools)) {
  const args = ['ci', '--no-audit', '--no-fund', ...(everything ? [] : ['--omit=dev'])];
  run('npm', existsSync(lock) ? args : ['install', ...args.slice(1)]);
}

// ---- the server: compiled when a source, the config or the dependencies changed ----------------
const project = dev ? 'tsconfig.json' : 'tsconfig.run.json';
const { include } = JSON.parse(readFileSync(join(root, project), 'utf8'));
const compiled = join(root, 'dist', `.built-${project.replace(/\.json$/, '')}`);
if (
  stale(compiled, [
    ...(include ?? JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')).include),
    'tsconfig.json',
    project,
    'package-lock.json',
  ])
) {
  run(process.execPath, [join(modules, 'typescript', 'bin', 'tsc'), '-p', project]);
  mkdirSync(dirname(compiled), { recursive: true });
  writeFileSync(compiled, `${new Date().toISOString()}\n`);
}

// ---- the page: its sources, its build config, and the contract it imports types from ------------
const webInputs = [
  'web/src',
  'web/public',
  'web/index.html',
  'web/vite.config.ts',
  'web/build',
  'web/tsconfig.json',
  'core/protocol',
  'package-lock.json',
];
if (stale(join(root, 'web', 'dist', 'index.html'), webInputs)) {
  run(process.execPath, [join(modules, 'vite', 'bin', 'vite.js'), 'build', '--config', join(root, 'web', 'vite.config.ts')]);
}
