// Idle cost of a started Loop (system plugin only, no clients), started as the service manager
// starts it (bin/loop.js executed, its shebang's V8 flags applied), next to a bare
// `node -e "setInterval(()=>{},1e6)"` in the same run. All processes run at the same time (they
// are idle, so they do not compete). RSS (VmRSS) and utime+stime come from /proc/<pid>.
//
// BENCH_IDLE_SECONDS: the CPU window (default 60). BENCH_IDLE_SETTLE_SECONDS: wait after start-up
// before the window opens (default 20; V8 shrinks the heap once allocation stops).
import { fmt, procStats, ratio, sleep, spawnChild, spawnLoop, table, type Child, type ProcStats } from './lib.js';

const WINDOW = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const SETTLE = Number(process.env.BENCH_IDLE_SETTLE_SECONDS ?? 20);

interface Row {
  name: string;
  pid: number;
  startCpu: number;
  settled: ProcStats | null;
  end: ProcStats | null;
}

export default async function run(): Promise<void> {
  console.log(`settle ${SETTLE} s after start-up, then a ${WINDOW} s window (BENCH_IDLE_SETTLE_SECONDS, BENCH_IDLE_SECONDS)`);
  const loop = await spawnLoop();
  const bare = spawnChild(process.execPath, ['-e', 'setInterval(()=>{},1e6); console.log("up")']);
  const children: Child[] = [loop, bare];
  try {
    await Promise.all([loop.waitFor('Loop is up', 30_000), bare.waitFor('up', 10_000)]);
    const rows: Row[] = [
      { name: 'Loop (bin/loop.js start, system plugin)', pid: loop.pid, startCpu: 0, settled: null, end: null },
      { name: 'bare node -e (baseline)', pid: bare.pid, startCpu: 0, settled: null, end: null },
    ];
    const startup = rows.map((r) => procStats(r.pid));
    await sleep(SETTLE * 1000);
    for (const r of rows) {
      r.settled = procStats(r.pid);
      r.startCpu = r.settled.cpuSeconds;
    }
    await sleep(WINDOW * 1000);
    for (const r of rows) r.end = procStats(r.pid);
    const [l, b] = rows as [Row, Row];
    const cpu = (r: Row): number => (r.end?.cpuSeconds ?? NaN) - r.startCpu;
    table([
      ['', 'RSS at up MiB', 'RSS settled MiB', `RSS +${WINDOW}s MiB`, 'anon MiB', 'file MiB', `CPU s / ${WINDOW}s`, 'CPU s at up'],
      ...rows.map((r, i) => [
        r.name,
        fmt(startup[i]?.rssMiB ?? NaN),
        fmt(r.settled?.rssMiB ?? NaN),
        fmt(r.end?.rssMiB ?? NaN),
        fmt(r.end?.anonMiB ?? NaN),
        fmt(r.end?.fileMiB ?? NaN),
        fmt(cpu(r), 3),
        fmt(startup[i]?.cpuSeconds ?? NaN, 2),
      ]),
      [
        'Loop / bare',
        ratio(startup[0]?.rssMiB ?? NaN, startup[1]?.rssMiB ?? NaN),
        ratio(l.settled?.rssMiB ?? NaN, b.settled?.rssMiB ?? NaN),
        ratio(l.end?.rssMiB ?? NaN, b.end?.rssMiB ?? NaN),
        '',
        '',
        ratio(cpu(l), cpu(b)),
        '',
      ],
    ]);
    const rss = Math.max(l.settled?.rssMiB ?? NaN, l.end?.rssMiB ?? NaN);
    console.log(
      `targets: RSS <= 70 MiB (${fmt(rss)} MiB, the larger of settled and end), CPU < 0.3 s per 60 s (${fmt((cpu(l) * 60) / WINDOW, 3)} s per 60 s)`,
    );
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}
