// A real ws client of /ws that records every message, with "wait for the next matching one".
import { WebSocket } from 'ws';
import { withDeadline } from './wait.js';
import { frameText } from '../../core/util/text.js';
import { Waiters } from '../../core/util/pending.js';

export type WsMessage = Record<string, unknown> & { type: string };

export interface TestWs {
  ws: WebSocket;
  messages: WsMessage[];
  send(msg: object | string): void;
  next(pred: (m: WsMessage) => boolean, timeoutMs?: number, since?: number): Promise<WsMessage>;
  mark(): number;
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

export const ofType =
  (type: string, extra?: (m: WsMessage) => boolean) =>
  (m: WsMessage): boolean =>
    m.type === type && (!extra || extra(m));

export async function connectWs(url: string, opts: { waitInitial?: boolean; headers?: Record<string, string> } = {}): Promise<TestWs> {
  const ws = new WebSocket(url, { headers: opts.headers ?? {} });
  const messages: WsMessage[] = [];
  const waiters = new Waiters<WsMessage>();
  ws.on('message', (data) => {
    const m = JSON.parse(frameText(data)) as WsMessage;
    messages.push(m);
    waiters.offer(m);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await withDeadline(
    new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    }),
    5000,
    `WebSocket open ${url}`,
  );
  const client: TestWs = {
    ws,
    messages,
    send: (msg) => ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg)),
    mark: () => messages.length,
    next: (pred, timeoutMs = 5000, since = 0) => {
      const hit = messages.slice(since).find(pred);
      if (hit) return Promise.resolve(hit);
      return waiters.wait(pred, timeoutMs, () => new Error(`timed out after ${timeoutMs} ms waiting for a WebSocket message`));
    },
    closed,
    close: async () => {
      if (ws.readyState === ws.CLOSED) return;
      ws.close();
      await withDeadline(closed, 3000, 'WebSocket close').catch(() => ws.terminate());
    },
  };
  if (opts.waitInitial !== false) await client.next(ofType('initial_dashboard'));
  return client;
}
