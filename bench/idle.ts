// Idle cost of a started Loop with no clients, started as the service manager starts it
// (bin/loop.js executed, its shebang's V8 flags applied): with config/default.yaml's seven plugins
// (the target) and with the system plugin alone, next to a bare `node -e "setInterval(()=>{},1e6)"`
// in the same run. The Loops start one after the other (a start-up competing for the CPU grows the
// heap more), then all idle at the same time. RSS (VmRSS) and utime+stime come from /proc/<pid>.
//
// BENCH_IDLE_SECONDS: the CPU window (default 60). BENCH_IDLE_SETTLE_SECONDS: wait after start-up
// before the window opens (default 20; V8 shrinks the heap once allocation stops).
import { DEFAULT_PLUGINS, fmt, procStats, ratio, sleep, spawnChild, spawnLoop, table, type Child, type ProcStats } from './lib.js';

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
  const loop = await spawnLoop({ LOOP_PLUGINS: DEFAULT_PLUGINS });
  const children: Child[] = [loop];
  try {
    await loop.waitFor('Loop is up', 60_000);
    const upDefault = procStats(loop.pid);
    const system = await spawnLoop({ LOOP_PLUGINS: '[system]' });
    children.push(system);
    await system.waitFor('Loop is up', 60_000);
    const upSystem = procStats(system.pid);
    const bare = spawnChild(process.execPath, ['-e', 'setInterval(()=>{},1e6); console.log("up")']);
    children.push(bare);
    await bare.waitFor('up', 10_000);
    const rows: Row[] = [
      { name: 'Loop (bin/loop.js start, default plugins)', pid: loop.pid, startCpu: 0, settled: null, end: null },
      { name: 'Loop (system plugin only)', pid: system.pid, startCpu: 0, settled: null, end: null },
      { name: 'bare node -e (baseline)', pid: bare.pid, startCpu: 0, settled: null, end: null },
    ];
    const startup = [upDefault, upSystem, procStats(bare.pid)];
    await sleep(SETTLE * 1000);
    for (const r of rows) {
      r.settled = procStats(r.pid);
      r.startCpu = r.settled.cpuSeconds;
    }
    await sleep(WINDOW * 1000);
    for (const r of rows) r.end = procStats(r.pid);
    const [l, , b] = rows as [Row, Row, Row];
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
        'Loop (default plugins) / bare',
        ratio(startup[0]?.rssMiB ?? NaN, startup[2]?.rssMiB ?? NaN),
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
      `targets: RSS with the default plugins <= 70 MiB (${fmt(rss)} MiB, the larger of settled and end), CPU < 0.3 s per 60 s (${fmt((cpu(l) * 60) / WINDOW, 3)} s per 60 s)`,
    );
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}
