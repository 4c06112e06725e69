// Paces password checks: at most `concurrency` scrypt runs at once (they share libuv's four
// threads with file I/O), a bounded queue behind them, and a back-off per remote address after
// each wrong password, during which that address is refused without hashing anything.
import { monotonicMs } from '../util/clock.js';
export type GateResult = 'ok' | 'bad' | 'busy' | 'backoff';

export interface AuthGateOptions {
  concurrency: number;
  maxQueued: number;
  /** First back-off after a failure; doubles with each further failure up to `backoffMaxMs`. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Addresses remembered at most (oldest forgotten first), so a scan cannot grow the map. */
  maxAddresses?: number;
  now?: () => number;
}

interface Strikes {
  failures: number;
  until: number;
}

export class AuthGate {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  private readonly strikes = new Map<string, Strikes>();
  private readonly now: () => number;

  constructor(private readonly options: AuthGateOptions) {
    this.now = options.now ?? monotonicMs;
  }

  /** Runs `verify` when a slot is free, unless the address is backing off or the queue is full. */
  async check(address: string | undefined, verify: () => Promise<boolean>): Promise<GateResult> {
    const key = address ?? '?';
    const s = this.strikes.get(key);
    const now = this.now();
    if (s && now < s.until) return 'backoff';
    if (this.active >= this.options.concurrency) {
      if (this.queue.length >= this.options.maxQueued) return 'busy';
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.active++;
    }
    let ok = false;
    try {
      ok = await verify();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
    if (ok) this.strikes.delete(key);
    else this.strike(key);
    return ok ? 'ok' : 'bad';
  }

  /** Milliseconds the address must wait before its next attempt is even looked at. */
  retryAfter(address: string | undefined): number {
    const s = this.strikes.get(address ?? '?');
    return s ? Math.max(0, s.until - this.now()) : 0;
  }

  private strike(key: string): void {
    const prev = this.strikes.get(key);
    const failures = (prev?.failures ?? 0) + 1;
    const wait = Math.min(this.options.backoffMaxMs, this.options.backoffBaseMs * 2 ** (failures - 1));
    this.strikes.delete(key); // re-inserted last: the Map's order is then oldest-first
    this.strikes.set(key, { failures, until: this.now() + wait });
    const max = this.options.maxAddresses ?? 4096;
    while (this.strikes.size > max) {
      const oldest = this.strikes.keys().next().value;
      if (oldest === undefined) break;
      this.strikes.delete(oldest);
    }
  }
}
