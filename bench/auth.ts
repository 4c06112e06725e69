// Login brute force costs the attacker, not Loop: /api/health latency while 8 loops send wrong
// passwords as fast as Loop answers, against the same figure idle, in the same run. Two attacks:
// from one address (the back-off answers 429 after five tries) and from a fresh loopback address
// each try (the worst case: every try that the back-off lets through is a real scrypt, capped at
// two at once with a short queue, on libuv's pool, never on the event loop).
import { Agent, request } from 'node:http';
import { fmt, nowMs, percentile, procStats, ratio, sleep, spawnLoop, table, type LoopChild } from './lib.js';

const SAMPLES = Number(process.env.BENCH_AUTH_SAMPLES ?? 300);
const LOOPS = 8;

function call(
  base: string,
  method: string,
  path: string,
  o: { body?: string; agent?: Agent; localAddress?: string; origin?: boolean } = {},
): Promise<number> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method,
        host: u.hostname,
        port: u.port,
        path,
        agent: o.agent ?? false,
        ...(o.localAddress ? { localAddress: o.localAddress } : {}),
        headers: {
          ...(o.body ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(o.body)) } : {}),
          ...(o.origin ? { origin: base } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

async function healthLatencies(base: string): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const out: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = nowMs();
    const s = await call(base, 'GET', '/api/health', { agent });
    if (s !== 200) throw new Error(`/api/health answered ${s}`);
    out.push(nowMs() - t0);
    await sleep(5);
  }
  agent.destroy();
  return out.sort((a, b) => a - b);
}

interface Phase {
  name: string;
  lat: number[];
  counts: Record<number, number>;
  cpu: number;
  seconds: number;
}

async function phase(loop: LoopChild, name: string, address: ((loop: number, i: number) => string) | null): Promise<Phase> {
  const counts: Record<number, number> = {};
  let stop = false;
  const body = JSON.stringify({ password: 'wrong wrong wrong' });
  const attackers =
    address === null
      ? []
      : Array.from({ length: LOOPS }, async (_, l) => {
          for (let i = 0; !stop; i++) {
            const s = await call(loop.http, 'POST', '/api/auth/login', { body, origin: true, localAddress: address(l, i) }).catch(() => 0);
            counts[s] = (counts[s] ?? 0) + 1;
          }
        });
  await sleep(address ? 300 : 0);
  const cpu0 = procStats(loop.pid).cpuSeconds;
  const t0 = nowMs();
  const lat = await healthLatencies(loop.http);
  const seconds = (nowMs() - t0) / 1000;
  const cpu = (procStats(loop.pid).cpuSeconds - cpu0) / seconds;
  stop = true;
  await Promise.all(attackers);
  return { name, lat, counts, cpu, seconds };
}

export default async function run(): Promise<void> {
  const loop = await spawnLoop({ LOOP_LOG_LEVEL: 'error', LOOP_AUTH_MODE: 'on' });
  try {
    await loop.waitFor('Loop is up', 20_000).catch(async () => {
      // LOOP_LOG_LEVEL=error hides the line: wait for the port instead.
      for (let i = 0; i < 100; i++)
        if (
          await call(loop.http, 'GET', '/api/health').then(
            (s) => s === 200,
            () => false,
          )
        )
          return;
      throw new Error('Loop did not start');
    });
    const claimed = await call(loop.http, 'POST', '/api/auth/onboard', {
      body: JSON.stringify({ password: 'the real owner password' }),
      origin: true,
    });
    if (claimed !== 200) throw new Error(`onboarding answered ${claimed}`);
    const phases = [
      await phase(loop, 'idle (baseline)', null),
      await phase(loop, '8 loops, one address', () => '127.0.0.1'),
      // 127.0.<loop+1>.<1..254>: a fresh address for each try.
      await phase(loop, '8 loops, new address each try', (l, i) => `127.0.${l + 1}.${(i % 254) + 1}`),
    ];
    const idle = phases[0] as Phase;
    const rows = [
      ['phase', 'p50 ms', 'p99 ms', 'max ms', 'p50 vs idle', 'p99 vs idle', 'logins/s', '401 (scrypt)', '429 (refused)', 'Loop CPU'],
    ];
    for (const p of phases) {
      const logins = Object.values(p.counts).reduce((a, b) => a + b, 0);
      rows.push([
        p.name,
        fmt(percentile(p.lat, 50), 2),
        fmt(percentile(p.lat, 99), 2),
        fmt(p.lat[p.lat.length - 1] ?? NaN, 2),
        ratio(percentile(p.lat, 50), percentile(idle.lat, 50)),
        ratio(percentile(p.lat, 99), percentile(idle.lat, 99)),
        fmt(logins / p.seconds, 0),
        String(p.counts[401] ?? 0),
        String(p.counts[429] ?? 0),
        `${fmt(p.cpu * 100, 0)}%`,
      ]);
    }
    table(rows);
    console.log(
      `  ${SAMPLES} sequential GET /api/health per phase (keep-alive); Loop with the system plugin; scrypt N=16384 r=8, 2 at once, queue 16`,
    );
  } finally {
    await loop.stop();
  }
}
