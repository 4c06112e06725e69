// Reconnect delays: exponential backoff with jitter, bounded to [min, max], never giving up.
// Attempt n waits a random time in [cap/2, cap] where cap = min·2^(n+1) (at most max), so two
// pages that lost the same server do not come back in step, and no wait is under min.

export interface BackoffBounds {
  minMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffBounds = { minMs: 1000, maxMs: 30_000 };

/** The wait before reconnect attempt `attempt` (0 = the first retry); `random` is in [0, 1). */
export function backoffDelay(attempt: number, random: number, b: BackoffBounds = DEFAULT_BACKOFF): number {
  const n = Math.max(0, Math.min(attempt, 30));
  const cap = Math.min(b.maxMs, b.minMs * 2 ** (n + 1));
  const delay = cap / 2 + random * (cap / 2);
  return Math.round(Math.min(b.maxMs, Math.max(b.minMs, delay)));
}
