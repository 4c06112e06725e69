// The page's reconnect delays follow Loop's one retry rule (core/util/backoff.ts).
import { backoffDelay as delayWithin, type BackoffBounds } from '../../../core/util/backoff.js';

export type { BackoffBounds };

export const DEFAULT_BACKOFF: BackoffBounds = { minMs: 1000, maxMs: 30_000 };

/** The wait before reconnect attempt `attempt` (0 = the first retry); `random` is in [0, 1). */
export function backoffDelay(attempt: number, random: number, bounds: BackoffBounds = DEFAULT_BACKOFF): number {
  return delayWithin(attempt, random, bounds);
}
