#!/usr/bin/env -S node --max-semi-space-size=2 --v8-pool-size=1 --no-sparkplug --bytecode-old-age=1
// Thin launcher: the CLI is compiled TypeScript (a Pi Zero should not run a TS loader); app/main.ts
// is the composition root that hands core its plugins and the page.
// The flags above are for a 512 MB device (docs/performance.md, "The V8 flags"): a young generation
// of at most 2 MiB semi-spaces instead of 16 (enough that the broker's in-flight messages die
// young), one V8 worker thread instead of four, no Sparkplug baseline code (~1.5 MiB at idle;
// hot paths still get TurboFan), and bytecode of functions not run since the last full GC
// dropped (start-up-only code; recompiled from source if ever needed). Not --optimize-for-size:
// V8 11.3 then pins the young generation at 1 MiB whatever --max-semi-space-size says, which
// doubled the broker's CPU in a fan-out.
// They apply when this file is executed (systemd, the `loop` bin, `npm start`); `node bin/loop.js`
// runs without them.
import('../dist/app/main.js')
  .then((m) => m.main(process.argv.slice(2)))
  .catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
