// Fan-out: an event published on Loop's bus (topic `system` → room `system`, event
// `system_status_changed`; a route without `dashboard: true`, so no dashboard_update rides along)
// reaching N WebSocket clients subscribed to the room, against a raw `ws` server broadcasting the
// same bytes to N clients (the floor). Both servers run in this process, one after the other; the
// clients run in a second process (bench/fanout-clients.ts).
//
// Two measurements per server:
//   light: RATE events/s for LIGHT_SECONDS, latency p50/p99 over every delivery;
//   saturation: BURSTS bursts of BURST events published as fast as the server takes them (yielding
//   to the event loop every CHUNK events); deliveries/s = deliveries / (last delivery − first publish).
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as yieldLoop } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { startTestLoop, type TestLoop } from '../test/helpers/loop.js';
import type { ClientCommand, ClientReply, PhaseReport } from './fanout-clients.js';
import { fmt, median, nowMs, procStats, ratio, sleep, table } from './lib.js';

const N = Number(process.env.BENCH_FANOUT_CLIENTS ?? 100);
const RATE = 100;
const LIGHT_SECONDS = Number(process.env.BENCH_FANOUT_SECONDS ?? 10);
const BURST = 2000;
const BURSTS = 3;
const CHUNK = 20;
const ROUNDS = Number(process.env.BENCH_FANOUT_ROUNDS ?? 3);
const EVENT = 'system_status_changed';
const ROOM = 'system';

interface Target {
  name: string;
  url: string;
  room: string | null;
  /** Publishes one event whose payload is `data`. */
  publish(data: Record<string, unknown>): void;
  close(): Promise<void>;
}

/** ~150 B on the wire once wrapped as the gateway wraps it. */
const PAD = 'x'.repeat(17);
const payload = (phase: number, i: number): Record<string, unknown> => ({ b: phase, i, t: Math.round(nowMs() * 1000) / 1000, pad: PAD });

class Clients {
  private readonly child: ChildProcess;
  private waiters: Array<(m: ClientReply) => boolean> = [];
  private readonly done = new Map<number, PhaseReport>();

  constructor() {
    this.child = fork(fileURLToPath(new URL('./fanout-clients.js', import.meta.url)), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: ClientReply) => {
      if (m.type === 'error') console.log(`  clients: ${m.message}`);
      if (m.type === 'done') this.done.set(m.report.phase, m.report);
      this.waiters = this.waiters.filter((w) => !w(m));
    });
  }

  /** Sends a command and resolves with the first reply of one of `types` (or rejects after timeoutMs). */
  ask<T extends ClientReply['type']>(cmd: ClientCommand, types: T[], timeoutMs: number): Promise<Extract<ClientReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`clients: no ${types.join('/')} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (m: ClientReply): boolean => {
        if (m.type === 'error') {
          clearTimeout(timer);
          reject(new Error(m.message));
          return true;
        }
        if (!(types as string[]).includes(m.type)) return false;
        clearTimeout(timer);
        resolve(m as Extract<ClientReply, { type: T }>);
        return true;
      };
      this.waiters.push(waiter);
      this.child.send(cmd);
    });
  }

  /** Waits for the phase to complete (all deliveries) or, after timeoutMs, takes what arrived. */
  async result(phase: number, timeoutMs: number): Promise<PhaseReport> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const r = this.done.get(phase);
      if (r) return r;
      await sleep(5);
    }
    return (await this.ask({ cmd: 'report' }, ['report'], 5000)).report;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  kill(): void {
    this.child.disconnect();
    this.child.kill();
  }
}

interface Figures {
  p50: number;
  p99: number;
  lightLost: number;
  deliveriesPerSec: number;
  eventsPerSec: number;
  burstP99: number;
  lost: number;
  /** Server-process CPU per delivery during the bursts, µs; client-process CPU share of the burst wall time. */
  serverUsPerDelivery: number;
  serverCpu: number;
  clientCpu: number;
}

let phaseCounter = 0;

async function measure(clients: Clients, t: Target): Promise<Figures> {
  const ready = await clients.ask({ cmd: 'connect', url: t.url, n: N, room: t.room }, ['ready'], 60_000);
  if (ready.n !== N) throw new Error(`only ${ready.n} clients connected`);

  // Warm-up (JIT, buffers): unrecorded bursts.
  await burst(clients, t, 500);
  await burst(clients, t, BURST);

  // Light, fixed rate.
  const phase = ++phaseCounter;
  const events = RATE * LIGHT_SECONDS;
  await clients.ask({ cmd: 'arm', phase, expected: events }, ['armed'], 5000);
  const start = nowMs();
  for (let i = 0; i < events; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - nowMs();
    if (wait > 1) await sleep(wait);
    t.publish(payload(phase, i));
  }
  const light = await clients.result(phase, 10_000);

  // Saturation.
  const rates: number[] = [];
  const p99s: number[] = [];
  let lost = 0;
  let delivered = 0;
  let busyMs = 0;
  let serverUs = 0;
  let clientS = 0;
  for (let b = 0; b < BURSTS; b++) {
    const cpu0 = process.cpuUsage();
    const client0 = procStats(clients.pid).cpuSeconds;
    const r = await burst(clients, t, BURST);
    const cpu = process.cpuUsage(cpu0);
    serverUs += cpu.user + cpu.system;
    clientS += procStats(clients.pid).cpuSeconds - client0;
    busyMs += r.wallMs;
    delivered += r.report.received;
    rates.push(r.rate);
    p99s.push(r.report.p99);
    lost += r.report.expected - r.report.received;
  }
  await clients.ask({ cmd: 'close' }, ['closed'], 10_000);
  const dps = median(rates);
  return {
    p50: light.p50,
    p99: light.p99,
    lightLost: light.expected - light.received,
    deliveriesPerSec: dps,
    eventsPerSec: dps / N,
    burstP99: median(p99s),
    lost,
    serverUsPerDelivery: serverUs / delivered,
    serverCpu: serverUs / 1000 / busyMs,
    clientCpu: (clientS * 1000) / busyMs,
  };
}

async function burst(clients: Clients, t: Target, count: number): Promise<{ rate: number; wallMs: number; report: PhaseReport }> {
  const phase = ++phaseCounter;
  await clients.ask({ cmd: 'arm', phase, expected: count }, ['armed'], 5000);
  const start = nowMs();
  for (let i = 0; i < count; i++) {
    t.publish(payload(phase, i));
    if (i % CHUNK === CHUNK - 1) await yieldLoop();
  }
  const report = await clients.result(phase, 30_000);
  const wallMs = nowMs() - start;
  return { rate: report.received / ((report.lastAt - start) / 1000), wallMs, report };
}

async function rawTarget(): Promise<Target> {
  const server: Server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let seq = 0;
  return {
    name: 'raw ws',
    url: `ws://127.0.0.1:${port}`,
    room: null,
    publish: (data) => {
      // The same bytes the gateway sends: serialised once, sent to every client.
      const message = JSON.stringify({ type: EVENT, data, room: ROOM, seq: ++seq, timestamp: Date.now() / 1000 });
      for (const ws of wss.clients) ws.send(message);
    },
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function loopTarget(): Promise<{ target: Target; loop: TestLoop }> {
  const loop = await startTestLoop({ gateway: { max_connections: N + 16 }, plugins: ['system'] });
  const bus = loop.runtime.bus;
  return {
    loop,
    target: {
      name: `Loop (bus → gateway)`,
      url: loop.ws,
      room: ROOM,
      publish: (data) => void bus.publishRaw('system', JSON.stringify(data)).catch(() => undefined),
      close: () => loop.stop(),
    },
  };
}

function medianFigures(all: Figures[]): Figures {
  const m = (k: keyof Figures): number => median(all.map((f) => f[k]));
  const sum = (k: keyof Figures): number => all.reduce((a, f) => a + f[k], 0);
  return {
    p50: m('p50'),
    p99: m('p99'),
    lightLost: sum('lightLost'),
    deliveriesPerSec: m('deliveriesPerSec'),
    eventsPerSec: m('eventsPerSec'),
    burstP99: m('burstP99'),
    lost: sum('lost'),
    serverUsPerDelivery: m('serverUsPerDelivery'),
    serverCpu: m('serverCpu'),
    clientCpu: m('clientCpu'),
  };
}

export default async function run(): Promise<void> {
  const sample = JSON.stringify({ type: EVENT, data: payload(1, 123), room: ROOM, seq: 12345, timestamp: Date.now() / 1000 });
  console.log(
    `${N} clients in a second process; event ${EVENT} on topic \`${ROOM}\` → room ${ROOM} (no dashboard_update); ~${sample.length} B per message`,
  );
  console.log(
    `light: ${RATE} events/s for ${LIGHT_SECONDS} s; saturation: median of ${BURSTS} bursts of ${BURST} events; ` +
      `${ROUNDS} rounds alternating raw and Loop, medians shown (BENCH_FANOUT_ROUNDS, BENCH_FANOUT_SECONDS, BENCH_FANOUT_CLIENTS)`,
  );
  const clients = new Clients();
  const raw = await rawTarget();
  const { target: loop } = await loopTarget();
  const results: Record<'raw' | 'loop', Figures[]> = { raw: [], loop: [] };
  try {
    for (let r = 0; r < ROUNDS; r++) {
      results.raw.push(await measure(clients, raw));
      results.loop.push(await measure(clients, loop));
      const f = (x: Figures): string => `p99 ${fmt(x.p99, 2)} ms, ${fmt(x.deliveriesPerSec, 0)}/s`;
      console.log(`  round ${r + 1}: raw ${f(results.raw[r] as Figures)}; Loop ${f(results.loop[r] as Figures)}`);
    }
  } finally {
    clients.kill();
    await raw.close();
    await loop.close();
  }
  const rawF = medianFigures(results.raw);
  const loopF = medianFigures(results.loop);
  const row = (name: string, f: Figures): string[] => [
    name,
    fmt(f.p50, 2),
    fmt(f.p99, 2),
    String(f.lightLost),
    fmt(f.deliveriesPerSec, 0),
    fmt(f.eventsPerSec, 0),
    fmt(f.burstP99, 0),
    String(f.lost),
    fmt(f.serverUsPerDelivery, 2),
    `${fmt(f.serverCpu * 100, 0)}%`,
    `${fmt(f.clientCpu * 100, 0)}%`,
  ];
  table([
    ['', 'p50 ms', 'p99 ms', 'lost', 'deliveries/s', 'events/s', 'burst p99 ms', 'lost', 'server µs/delivery', 'server CPU', 'clients CPU'],
    row('raw ws (floor)', rawF),
    row('Loop', loopF),
    [
      'Loop / raw',
      ratio(loopF.p50, rawF.p50),
      ratio(loopF.p99, rawF.p99),
      '',
      ratio(loopF.deliveriesPerSec, rawF.deliveriesPerSec),
      ratio(loopF.eventsPerSec, rawF.eventsPerSec),
      ratio(loopF.burstP99, rawF.burstP99),
      '',
      ratio(loopF.serverUsPerDelivery, rawF.serverUsPerDelivery),
      '',
      '',
    ],
  ]);
  console.log(
    '(light = the fixed-rate phase; burst = saturation; "lost" counts deliveries that never arrived; server CPU = this process during the bursts)',
  );
  console.log(
    `targets: p99 within 2x of raw (${ratio(loopF.p99, rawF.p99)}), throughput at least 0.5x of raw (${ratio(loopF.deliveriesPerSec, rawF.deliveriesPerSec)})`,
  );
}
