// The fan-out bench's WebSocket clients, in their own process (forked by bench/fanout.ts) so that
// their JSON parsing does not share the server's event loop. Each client parses every message, as
// a browser would; latency = receive time − the `t` the publisher put in the payload (both on
// CLOCK_MONOTONIC, which every process of the machine shares).
import { WebSocket } from 'ws';
import { frameText } from '../core/util/text.js';

export type ClientCommand =
  | { cmd: 'connect'; url: string; n: number; room: string | null }
  | { cmd: 'arm'; phase: number; expected: number }
  | { cmd: 'report' }
  | { cmd: 'close' };

export interface PhaseReport {
  phase: number;
  /** Deliveries counted (all clients). */
  received: number;
  expected: number;
  p50: number;
  p99: number;
  max: number;
  /** CLOCK_MONOTONIC ms of the last delivery of this phase. */
  lastAt: number;
  complete: boolean;
}

export type ClientReply =
  | { type: 'ready'; n: number }
  | { type: 'armed'; phase: number }
  | { type: 'done'; report: PhaseReport }
  | { type: 'report'; report: PhaseReport }
  | { type: 'closed' }
  | { type: 'error'; message: string };

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const send = (m: ClientReply): void => void process.send?.(m);

interface Payload {
  b?: number;
  i?: number;
  t?: number;
}

let sockets: WebSocket[] = [];
let phase = -1;
let expected = 0;
let perClient: Uint32Array = new Uint32Array(0);
let latencies: Float64Array = new Float64Array(0);
let received = 0;
let clientsDone = 0;
let lastAt = 0;
let reported = false;

function report(): PhaseReport {
  const lat = latencies.subarray(0, Math.min(received, latencies.length)).slice().sort();
  const at = (p: number): number => (lat.length ? (lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)] as number) : NaN);
  return {
    phase,
    received,
    expected: expected * sockets.length,
    p50: at(50),
    p99: at(99),
    max: lat.length ? (lat[lat.length - 1] as number) : NaN,
    lastAt,
    complete: clientsDone === sockets.length,
  };
}

function onMessage(idx: number, raw: WebSocket.RawData): void {
  const t = nowMs();
  const msg = JSON.parse(frameText(raw)) as { type?: string; data?: Payload };
  const d = msg.data;
  if (!d || d.b !== phase || typeof d.t !== 'number') return;
  if (received < latencies.length) latencies[received] = t - d.t;
  received++;
  lastAt = t;
  const c = (perClient[idx] ?? 0) + 1;
  perClient[idx] = c;
  if (c === expected) {
    clientsDone++;
    if (clientsDone === sockets.length && !reported) {
      reported = true;
      send({ type: 'done', report: report() });
    }
  }
}

function open(url: string, idx: number, room: string | null): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error(`client ${idx}: no open/subscribe within 10 s`)), 10_000);
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`client ${idx}: HTTP ${res.statusCode ?? '?'}`)));
    ws.once('open', () => {
      if (!room) {
        clearTimeout(timer);
        resolve(ws);
        return;
      }
      const onSub = (raw: WebSocket.RawData): void => {
        const m = JSON.parse(frameText(raw)) as { type?: string; success?: boolean };
        if (m.type !== 'subscribe_response') return;
        ws.off('message', onSub);
        clearTimeout(timer);
        if (m.success) resolve(ws);
        else reject(new Error(`client ${idx}: subscribe refused`));
      };
      ws.on('message', onSub);
      ws.send(JSON.stringify({ type: 'subscribe', room }));
    });
  });
}

async function connect(url: string, n: number, room: string | null): Promise<void> {
  sockets = [];
  for (let i = 0; i < n; i += 10) {
    const batch = await Promise.all(Array.from({ length: Math.min(10, n - i) }, (_, k) => open(url, i + k, room)));
    sockets.push(...batch);
  }
  sockets.forEach((ws, idx) => ws.on('message', (raw) => onMessage(idx, raw)));
  send({ type: 'ready', n: sockets.length });
}

process.on('message', (m: ClientCommand) => {
  switch (m.cmd) {
    case 'connect':
      connect(m.url, m.n, m.room).catch((err: Error) => send({ type: 'error', message: err.message }));
      return;
    case 'arm':
      phase = m.phase;
      expected = m.expected;
      perClient = new Uint32Array(sockets.length);
      latencies = new Float64Array(Math.min(expected * sockets.length, 2_000_000));
      received = 0;
      clientsDone = 0;
      lastAt = 0;
      reported = false;
      send({ type: 'armed', phase });
      return;
    case 'report':
      send({ type: 'report', report: report() });
      return;
    case 'close':
      for (const ws of sockets) ws.terminate();
      sockets = [];
      send({ type: 'closed' });
      return;
  }
});

process.on('disconnect', () => process.exit(0));
