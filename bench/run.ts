// `npm run bench [-- NAME...]`: runs the bench modules below in order and prints their figures.
// A NAME selects a bench by its name, or every bench whose name starts with `NAME-` (`player`
// selects player-*). A bench marked `byNameOnly` (a long one, in an emulator) runs only when named
// in full. Benches print figures; nothing here asserts on time.
//
// To add a bench: write bench/<name>.ts with `export default async function run(): Promise<void>`
// and add one line to BENCHES. A listed module that does not exist (yet) is skipped with a note.
import { existsSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

interface BenchEntry {
  name: string;
  /** Module path relative to this file, as compiled (.js). */
  module: string;
  what: string;
  /** Runs only when named in full: not with `npm run bench` alone, nor with its prefix. */
  byNameOnly?: boolean;
}

export const BENCHES: readonly BenchEntry[] = [
  { name: 'fanout', module: './fanout.js', what: 'bus event → 100 WebSocket clients in their room, vs a raw ws broadcast' },
  { name: 'idle', module: './idle.js', what: 'idle RSS and CPU of a started Loop (system plugin), vs bare node' },
  {
    name: 'idle-arm64',
    module: './idle-arm64.js',
    what: 'idle RSS and V8 heap on arm64 (a qemu-system-aarch64 guest with Debian 13 nodejs, ~15-40 min) beside x86-64',
    byNameOnly: true,
  },
  { name: 'startup', module: './startup.js', what: 'spawn → HTTP listening, median of 5, vs a bare node HTTP server' },
  {
    name: 'player-gap',
    module: './player-gap.js',
    what: "gap between consecutive clips over 50 transitions: Loop's playlist vs naive stop-and-load",
  },
  {
    name: 'playback-latency',
    module: './playback-latency.js',
    what: 'POST /api/playback/next → playback_changed at a ws client, p50/p99, vs mpv alone',
  },
  {
    name: 'media-fit',
    module: './media-fit.js',
    what: '10 s of 1080p converted per fit, portrait and landscape, and HLG tone-mapped (bare ffmpeg, profile.ts argv)',
  },
  {
    name: 'media-upload',
    module: './media-upload.js',
    what: '1 GiB upload over loopback HTTP vs copying it on disk; Loop RSS growth during the upload',
  },
  {
    name: 'media-tus',
    module: './media-tus.js',
    what: '200 MiB resumable (tus) vs multipart upload into one Loop: seconds, RSS peak; @tus/server load cost',
  },
  {
    name: 'broker',
    module: './broker.js',
    what: "broker CPU per message (1→1, 1→10) at steady state: mosquitto, bare Aedes (default and Loop's flags), Loop as shipped; idle RSS with default plugins",
  },
  {
    name: 'media-convert',
    module: './media-convert.js',
    what: '60 s 1080p clip through the media plugin vs the bare ffmpeg command, same arguments',
  },
  {
    name: 'media-bounds',
    module: './media-bounds.js',
    what: 'peak memory of probing a 16000x16000 TIFF bomb before/after the bounds; peak RSS and VmPeak of 1080p and 24 MP conversions',
  },
  {
    name: 'frames',
    module: './frames/index.js',
    what: 'every frame on a virtual screen (Xvfb, x11grab 50 fps) at each clip transition: Loop vs a new mpv per clip vs one edl:// timeline',
  },
  {
    name: 'web',
    module: './web.js',
    what: 'dashboard first load: JS + CSS bytes (gzip) and, CPU throttled 4x, paint and script time vs a blank page',
  },
  {
    name: 'homeassistant',
    module: './homeassistant.js',
    what: 'discovery traffic and rebuild cost vs per-entity discovery and the library itself; idle RSS with the plugin vs without',
  },
  {
    name: 'auth',
    module: './auth.js',
    what: '/api/health latency during 8 parallel wrong-password loops (one address; a new address each try), vs idle',
  },
  // player-*, playback-* and media-* benches go here, one line each:
  // { name: 'player-xyz', module: './player-xyz.js', what: '...' },
];

type BenchModule = { default: () => Promise<void> };

function selected(args: string[]): BenchEntry[] {
  if (args.length === 0) return BENCHES.filter((b) => !b.byNameOnly);
  const unknown = args.filter((a) => !BENCHES.some((b) => b.name === a || b.name.startsWith(`${a}-`)));
  if (unknown.length) {
    console.error(`unknown bench: ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`);
    process.exit(2);
  }
  return BENCHES.filter((b) => args.some((a) => b.name === a || (!b.byNameOnly && b.name.startsWith(`${a}-`))));
}

async function main(): Promise<void> {
  const list = selected(process.argv.slice(2).filter((a) => !a.startsWith('-')));
  const cpu = cpus();
  console.log(
    `Loop bench: node ${process.version}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? '?'}), ` +
      `${Math.round(totalmem() / 2 ** 20)} MiB RAM, ${new Date().toISOString()}`,
  );
  const failed: string[] = [];
  for (const b of list) {
    // Timings are only comparable on a quiet machine: the load average says how quiet it was.
    console.log(
      `\n=== ${b.name}: ${b.what} === (load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')})`,
    );
    const file = fileURLToPath(new URL(b.module, import.meta.url));
    if (!existsSync(file)) {
      console.log(`(skipped: ${b.module.replace(/\.js$/, '.ts')} does not exist yet)`);
      continue;
    }
    const started = Date.now();
    try {
      const mod = (await import(b.module)) as BenchModule;
      await mod.default();
      console.log(`(${b.name} took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (err) {
      failed.push(b.name);
      console.log(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
  if (failed.length) {
    console.log(`\nfailed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

// Exit when done: a bench that leaves a handle open must not hang the run.
await main();
process.exit(process.exitCode ?? 0);
