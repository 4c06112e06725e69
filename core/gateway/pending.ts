// WebSockets that connected without a session and must prove themselves with their first
// message, `{"type":"auth","data":{"token":"..."}}`. Few at once and briefly: a foreign page or a
// script that opens sockets and says nothing cannot hold the slots the real page needs.
import type { WebSocket } from 'ws';
import { frameText } from '../util/text.js';
import { CLOSE_UNAUTHORIZED } from './client.js';

export interface TokenCheck {
  tokenValid(token: string | null): { id: string } | null;
}

export class PendingSockets {
  private readonly sockets = new Set<WebSocket>();

  constructor(
    private readonly auth: TokenCheck,
    private readonly max: number,
    private readonly timeoutMs: number,
  ) {}

  get full(): boolean {
    return this.sockets.size >= this.max;
  }

  /** Waits for the token; `accepted` runs once it is good, else the socket closes with 4401. */
  add(ws: WebSocket, accepted: (tokenId: string) => void): void {
    this.sockets.add(ws);
    const refuse = (why: string) => {
      this.sockets.delete(ws);
      ws.close(CLOSE_UNAUTHORIZED, why);
      setTimeout(() => ws.terminate(), 1000).unref();
    };
    const timer = setTimeout(() => refuse('unauthorized: send {"type":"auth","data":{"token":"..."}} first'), this.timeoutMs);
    timer.unref();
    ws.on('close', () => {
      clearTimeout(timer);
      this.sockets.delete(ws);
    });
    ws.on('error', () => undefined);
    ws.once('message', (raw, isBinary) => {
      clearTimeout(timer);
      if (!this.sockets.has(ws)) return;
      const token = isBinary ? null : this.auth.tokenValid(tokenOf(frameText(raw)));
      if (!token) return refuse('unauthorized: log in, or send a valid API token');
      this.sockets.delete(ws);
      accepted(token.id);
    });
  }

  close(): void {
    for (const ws of this.sockets) ws.terminate();
    this.sockets.clear();
  }
}

function tokenOf(text: string): string | null {
  try {
    const m = JSON.parse(text) as { type?: unknown; data?: { token?: unknown } };
    return m?.type === 'auth' && typeof m.data?.token === 'string' ? m.data.token : null;
  } catch {
    return null;
  }
}
