#!/usr/bin/env -S node --max-semi-space-size=1 --optimize-for-size --v8-pool-size=1
// Thin launcher: the CLI is compiled TypeScript (a Pi Zero should not run a TS loader).
// The flags above are for a 512 MB device (docs/performance.md): a 1 MiB young generation
// instead of up to 16 MiB, a heap that grows less eagerly, one V8 worker thread instead of four.
// They apply when this file is executed (systemd, the `loop` bin, `npm start`); `node bin/loop.js`
// runs without them.
import('../dist/core/cli/main.js')
  .then((m) => m.main(process.argv.slice(2)))
  .catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
