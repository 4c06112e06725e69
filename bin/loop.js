#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript (a Pi Zero should not run a TS loader).
import('../dist/core/cli/main.js').then((m) => m.main(process.argv.slice(2))).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
