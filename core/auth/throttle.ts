// Login back-off per client address: five free tries, then each failure doubles the wait
// (1 s, 2 s, 4 s ... up to 15 min). A refused attempt costs Loop a map lookup, not a scrypt.
import { monotonicMs } from '../util/clock.js';
export interface ThrottleRule {
  free: number;
  baseMs: number;
  maxMs: number;
  forgetMs: number;
  maxAddresses: number;
}

export const LOGIN_THROTTLE: ThrottleRule = { free: 5, baseMs: 1000, maxMs: 15 * 60_000, forgetMs: 60 * 60_000, maxAddresses: 1024 };

interface Entry {
  failures: number;
  until: number;
  last: number;
}

export class Throttle {
  private readonly byAddress = new Map<string, Entry>();
  constructor(
    private readonly rule: ThrottleRule = LOGIN_THROTTLE,
    private readonly now: () => number = monotonicMs,
  ) {}

  /** Milliseconds this address must still wait; 0 when it may try. */
  waitMs(address: string): number {
    const e = this.byAddress.get(address);
    if (!e) return 0;
    const t = this.now();
    if (t - e.last > this.rule.forgetMs) {
      this.byAddress.delete(address);
      return 0;
    }
    return Math.max(0, e.until - t);
  }

  failed(address: string): void {
    const t = this.now();
    const e = this.byAddress.get(address) ?? { failures: 0, until: 0, last: t };
    e.failures++;
    e.last = t;
    // After the `free` failures, every attempt waits: 1 s, then 2 s, 4 s...
    const over = e.failures - this.rule.free;
    if (over >= 0) e.until = t + Math.min(this.rule.maxMs, this.rule.baseMs * 2 ** Math.min(over, 30));
    this.byAddress.delete(address);
    this.byAddress.set(address, e);
    // Bounded memory: the oldest address is forgotten first (Map keeps insertion order).
    if (this.byAddress.size > this.rule.maxAddresses) this.byAddress.delete(this.byAddress.keys().next().value as string);
  }

  succeeded(address: string): void {
    this.byAddress.delete(address);
  }
}
