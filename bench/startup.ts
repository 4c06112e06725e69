// Start-up: from spawn to HTTP listening. Loop is started as the service manager starts it
// (bin/loop.js executed) and is "up" when it prints "Loop is up" (logged after listen()); one
// GET /api/health confirms. Baseline: `node -e` that imports nothing but node:http and listens.
// Median of RUNS after one unrecorded warm-up run of each (file cache).
import { fmt, freePort, median, nowMs, ratio, spawnChild, spawnLoop, table } from './lib.js';

const RUNS = 5;

async function loopOnce(): Promise<number> {
  const t0 = nowMs();
  const loop = await spawnLoop();
  try {
    await loop.waitFor('Loop is up', 30_000);
    const up = nowMs() - t0;
    const res = await fetch(`${loop.http}/api/health`);
    if (res.status !== 200) throw new Error(`/api/health answered ${res.status}`);
    await res.arrayBuffer();
    return up;
  } finally {
    await loop.stop();
  }
}

async function bareOnce(): Promise<number> {
  const port = await freePort();
  const code = `require('node:http').createServer((q,s)=>s.end('ok')).listen(${port},'127.0.0.1',()=>console.log('listening'))`;
  const t0 = nowMs();
  const child = spawnChild(process.execPath, ['-e', code]);
  try {
    await child.waitFor('listening', 10_000);
    const up = nowMs() - t0;
    const res = await fetch(`http://127.0.0.1:${port}/`);
    await res.arrayBuffer();
    return up;
  } finally {
    await child.stop();
  }
}

export default async function run(): Promise<void> {
  await loopOnce();
  await bareOnce();
  const loop: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    loop.push(await loopOnce());
    bare.push(await bareOnce());
  }
  const l = median(loop);
  const b = median(bare);
  table([
    ['', 'median ms', 'runs ms'],
    ['Loop: spawn → "Loop is up"', fmt(l, 0), loop.map((v) => fmt(v, 0)).join(' ')],
    ['bare node http.listen', fmt(b, 0), bare.map((v) => fmt(v, 0)).join(' ')],
    ['Loop / bare', ratio(l, b), ''],
  ]);
  console.log(`target: < 1500 ms (${fmt(l, 0)} ms)`);
}
