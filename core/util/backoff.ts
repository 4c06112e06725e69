// Retry delays, one rule for every retry in Loop (the bus's reconnect, mpv's restart, the nmcli
// monitor, the page's socket): exponential with jitter, bounded to [min, max], never giving up.
// Attempt n waits a random time in [cap/2, cap] where cap = min·2^(n+1) (at most max), so two
// clients that lost the same server do not come back in step, and no wait is under min.

export interface BackoffBounds {
  minMs: number;
  maxMs: number;
}

/** The wait before retry `attempt` (0 = the first retry); `random` is in [0, 1). */
export function backoffDelay(attempt: number, random: number, bounds: BackoffBounds): number {
  const doublings = Math.max(0, Math.min(attempt, 30));
  const cap = Math.min(bounds.maxMs, bounds.minMs * 2 ** (doublings + 1));
  const delay = cap / 2 + random * (cap / 2);
  return Math.round(Math.min(bounds.maxMs, Math.max(bounds.minMs, delay)));
}

/** The retry count of one thing that fails and recovers: `next()` for the next wait, `reset()` once it works. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly bounds: BackoffBounds,
    private readonly random: () => number = Math.random,
  ) {}

  /** Retries since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  next(): number {
    return backoffDelay(this.attempt++, this.random(), this.bounds);
  }

  reset(): void {
    this.attempt = 0;
  }
}
