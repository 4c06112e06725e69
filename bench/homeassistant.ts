// What Home Assistant support costs: (1) idle RSS of Loop with the homeassistant plugin vs without
// it (both started as the service manager starts them, same run); (2) the discovery traffic of one
// device payload vs one payload per entity (the classic per-component discovery, each repeating
// device, origin and availability); (3) CPU to rebuild the payload after a library change (200
// clips) vs serialising that library once (what the media plugin does for every change anyway).
import type { MediaItem } from '../core/protocol/index.js';
import { clipNames } from '../plugins/homeassistant/clip-names.js';
import { buildDiscovery, type DeviceFacts } from '../plugins/homeassistant/discovery.js';
import { entities } from '../plugins/homeassistant/entities/index.js';
import type { EntityContext } from '../plugins/homeassistant/entity.js';
import { fmt, nowMs, procStats, ratio, sleep, spawnLoop, table } from './lib.js';

const SETTLE = Number(process.env.BENCH_HA_SETTLE_SECONDS ?? 15);

function library(n: number): MediaItem[] {
  return Array.from({ length: n }, (_, i) => ({
    slug: `clip_${i}_${'0'.repeat(16)}`,
    filename: `Holiday clip number ${i}.mp4`,
    type: 'video/mp4',
    size: 1e6,
    uploadedAt: new Date().toISOString(),
    url: `/media/files/clips/${i}.mp4`,
    thumbnail_url: null,
    kind: 'video',
    width: 320,
    height: 240,
    frame_count: 250,
    processing_status: 'ready',
    path: `/data/media/clips/${i}.mp4`,
  }));
}

function perOp(fn: () => unknown, iterations: number): number {
  for (let i = 0; i < 50; i++) fn();
  const t0 = nowMs();
  for (let i = 0; i < iterations; i++) fn();
  return ((nowMs() - t0) * 1000) / iterations;
}

export default async function run(): Promise<void> {
  // (2) and (3) first: pure, no processes.
  const items = library(200);
  const facts: DeviceFacts = {
    id: 'livingroom',
    name: 'Living room',
    version: '0.1.0',
    configUrl: 'http://livingroom.local:8080',
    model: 'Raspberry Pi Zero 2 W Rev 1.0',
    baseTopic: 'loop/livingroom',
    running: new Set(['system', 'player', 'loop', 'media', 'wifi', 'display', 'homeassistant']),
    configured: new Set(['system', 'player', 'loop', 'media', 'wifi', 'display', 'homeassistant']),
  };
  const ctx = (names: string[]): EntityContext => ({
    t: { state: (r) => `loop/livingroom/${r}`, set: (p) => `loop/livingroom/${p}/set` },
    clipNames: names,
    config: { discovery_prefix: 'homeassistant', announce_delay_ms: 2000, thumbnail: true, notify_seconds: 5 },
  });
  const { payload } = buildDiscovery(facts, ctx(clipNames(items).names), entities);
  const device = Buffer.byteLength(JSON.stringify(payload));
  const { cmps, ...shared } = payload as { cmps: Record<string, Record<string, unknown>> };
  const perComponent = Object.values(cmps).map(({ p: _p, ...c }) => Buffer.byteLength(JSON.stringify({ ...shared, ...c })));
  const perTotal = perComponent.reduce((a, b) => a + b, 0);
  console.log(`\ndiscovery for ${Object.keys(cmps).length} entities and a 200-clip library:`);
  table([
    ['discovery', 'messages', 'bytes', 'vs per-entity'],
    ['one device payload (Loop)', '1', String(device), ratio(device, perTotal)],
    ['one payload per entity (baseline)', String(perComponent.length), String(perTotal), '1.00x'],
  ]);

  const build = perOp(() => JSON.stringify(buildDiscovery(facts, ctx(clipNames(items).names), entities).payload), 2000);
  const media = JSON.stringify({ items, updated_at: new Date().toISOString() });
  const serialise = perOp(() => JSON.stringify(JSON.parse(media)), 2000);
  console.log('\nafter a library change (200 clips):');
  table([
    ['work', 'µs per change', 'ratio'],
    ['clip names + discovery payload built and serialised (Loop)', fmt(build), ratio(build, serialise)],
    ['library parsed and serialised once (baseline)', fmt(serialise), '1.00x'],
  ]);

  // (1) idle RSS, both processes side by side.
  const without = await spawnLoop({ LOOP_PLUGINS: '[system]' });
  const withHa = await spawnLoop({ LOOP_PLUGINS: '[system, homeassistant]' });
  try {
    await Promise.all([without.waitFor('Loop is up', 30_000), withHa.waitFor('Loop is up', 30_000)]);
    await sleep(SETTLE * 1000);
    const a = procStats(without.pid);
    const b = procStats(withHa.pid);
    console.log(`\nidle RSS ${SETTLE} s after start-up (BENCH_HA_SETTLE_SECONDS):`);
    table([
      ['Loop', 'RSS MiB', 'ratio'],
      ['system + homeassistant', fmt(b.rssMiB), ratio(b.rssMiB, a.rssMiB)],
      ['system only (baseline)', fmt(a.rssMiB), '1.00x'],
    ]);
  } finally {
    await Promise.all([without.stop(), withHa.stop()]);
  }
}
