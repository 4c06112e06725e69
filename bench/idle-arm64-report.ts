// The figures of bench/idle-arm64.ts: idle-trio.sh's RESULT lines read back, and the tables and
// estimate it prints. Memory in MiB; ratios are arm64 over x86-64.
import { fmt, ratio, table } from './lib.js';

/** One RESULT line of idle-trio.sh: kB for memory, bytes for the heap, seconds for times. */
export type Figures = Record<string, number>;
/** RESULT lines keyed by `case@at` (at: seconds after "up", or `gc`: right after a full GC). */
export type Results = Map<string, Figures>;

export interface Case {
  name: string;
  /** LOOP_PLUGINS, or `bare` for `node -e`. */
  plugins: string;
  what: string;
  /** Only on the host: the player needs mpv, which the guest and the chroot do not have. */
  hostOnly?: boolean;
}

/** Where a set of figures comes from: the host's own node, Debian's amd64 node, the arm64 guest. */
export interface Platform {
  label: string;
  results: Results;
}

export function parseResults(output: string): Results {
  const results: Results = new Map();
  for (const line of output.split('\n')) {
    const match = /^RESULT case=(\S+) (.*)$/.exec(line.trim());
    if (!match) continue;
    const figures: Figures = {};
    let at = '';
    for (const pair of (match[2] ?? '').split(' ')) {
      const [key, value] = pair.split('=');
      if (key === 'at_s') at = value ?? '';
      else if (key) figures[key] = Number(value);
    }
    results.set(`${match[1]}@${at}`, figures);
  }
  return results;
}

const mib = (kb: number | undefined): number => (kb ?? NaN) / 1024;
const heapMib = (bytes: number | undefined): number => (bytes ?? NaN) / 2 ** 20;
/** VmRSS beyond anonymous memory: file pages (shared memory too, had the files been on tmpfs). */
const fileMib = (f: Figures | undefined): number => mib((f?.file_kb ?? NaN) + (f?.shmem_kb ?? 0));
const rss = (p: Platform | undefined, key: string): number => mib(p?.results.get(key)?.vmrss_kb);

const readingName = (at: string): string => (at === 'gc' ? 'after a full GC' : `+${at} s`);

/**
 * Prints VmRSS per case and reading for each platform, with arm64's ratio to each x86-64 one; then
 * anon, file, heap and start-up time at the last two readings; then the estimate for the default
 * plugins with the player on arm64. `platforms`: x86-64 platforms first, arm64 last; `readings`:
 * the at_s values of idle-trio.sh ("20", "60", "gc").
 */
export function report(cases: Case[], readings: string[], platforms: Platform[]): void {
  const arm = platforms[platforms.length - 1];
  const x86 = platforms.slice(0, -1);
  console.log('  VmRSS, MiB:');
  table([
    ['', ...platforms.map((p) => p.label), ...x86.map((p) => `arm64 / ${p.label}`)],
    ...cases.flatMap((c) =>
      readings.map((at) => {
        const key = `${c.name}@${at}`;
        return [
          `${c.what}, ${readingName(at)}`,
          ...platforms.map((p) => (c.hostOnly && p !== platforms[0] ? '(not run)' : fmt(rss(p, key)))),
          ...x86.map((p) => (c.hostOnly ? '' : ratio(rss(arm, key), rss(p, key)))),
        ];
      }),
    ),
  ]);
  for (const at of readings.slice(-2)) {
    console.log(`  ${readingName(at)}, each cell ${platforms.map((p) => p.label).join(' / ')}:`);
    const each = (c: Case, figure: (f: Figures | undefined) => number, digits = 1): string =>
      platforms.map((p) => (c.hostOnly && p !== platforms[0] ? '-' : fmt(figure(p.results.get(`${c.name}@${at}`)), digits))).join(' / ');
    table([
      ['', 'RssAnon MiB', 'RssFile MiB', 'V8 heap used MiB', 'V8 heap total MiB', 'start to "up" s'],
      ...cases.map((c) => [
        c.what,
        each(c, (f) => mib(f?.anon_kb)),
        each(c, fileMib),
        each(c, (f) => heapMib(f?.heap_used)),
        each(c, (f) => heapMib(f?.heap_total)),
        each(c, (f) => f?.up_s ?? NaN),
      ]),
    ]);
  }
  const host = platforms[0];
  for (const at of readings) {
    const withPlayer = rss(host, `defaults@${at}`);
    const hostNoPlayer = rss(host, `no-player@${at}`);
    const armNoPlayer = rss(arm, `no-player@${at}`);
    const scale = armNoPlayer / hostNoPlayer;
    console.log(
      `  ESTIMATE, not measured (${readingName(at)}): the default plugins with the player on arm64 ~ ${fmt(withPlayer * scale)} MiB ` +
        `(${host?.label} ${fmt(withPlayer)} MiB x ${fmt(scale, 2)}, arm64 / ${host?.label} without the player); ` +
        `~ ${fmt(armNoPlayer + withPlayer - hostNoPlayer)} MiB adding what the player costs on ${host?.label} (${fmt(withPlayer - hostNoPlayer)} MiB)`,
    );
  }
}
