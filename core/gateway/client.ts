// One WebSocket client of the gateway: its rooms, liveness, and a send path that protects the
// server from slow readers (coalesce past the soft bound, disconnect past the hard bound).
import type { WebSocket } from 'ws';
import type { Identity } from '../http/guard.js';
import type { Room } from '../protocol/rooms.js';

export const CLOSE_TOO_SLOW = 4008;
export const CLOSE_UNAUTHORIZED = 4401;

/** Which shapes a client reads: the first version's (v1.ts), or the contract's (`?shapes=contract`). */
export type Dialect = 'v1' | 'contract';

export interface Bounds {
  soft: number;
  hard: number;
}

export class GatewayClient {
  readonly rooms = new Set<Room>();
  alive = true;
  private readonly pending = new Map<string, string>();
  private closing = false;

  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    private readonly bounds: Bounds,
    readonly identity: Identity = { via: 'open' },
    readonly dialect: Dialect = 'v1',
  ) {}

  get healthy(): boolean {
    return this.alive && !this.closing && this.ws.readyState === this.ws.OPEN && this.ws.bufferedAmount < this.bounds.soft;
  }

  /**
   * Sends a message. `coalesceKey` marks a message that a newer one with the same key supersedes:
   * while the client is behind, only the newest per key is kept and sent once it catches up.
   */
  send(message: object | string, coalesceKey?: string): void {
    if (this.closing || this.ws.readyState !== this.ws.OPEN) return;
    // Broadcasts arrive already serialised, once for all clients.
    const data = typeof message === 'string' ? message : JSON.stringify(message);
    const buffered = this.ws.bufferedAmount;
    if (buffered + data.length > this.bounds.hard) {
      this.closing = true;
      this.ws.close(CLOSE_TOO_SLOW, 'client too slow: send buffer over limit');
      setTimeout(() => this.ws.terminate(), 2000).unref();
      return;
    }
    if (coalesceKey && buffered > this.bounds.soft) {
      this.pending.set(coalesceKey, data);
      return;
    }
    this.ws.send(data, () => this.flush());
  }

  private flush(): void {
    if (this.pending.size === 0 || this.ws.bufferedAmount > this.bounds.soft || this.ws.readyState !== this.ws.OPEN) return;
    const batch = [...this.pending.values()];
    this.pending.clear();
    for (const data of batch) this.ws.send(data, () => this.flush());
  }
}
