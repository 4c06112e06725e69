// A leading-edge rate limit for progress reports: at most one per interval, and always the forced
// ones (first and last), so a fast stream of updates costs one message per interval.
import { monotonicMs } from './clock.js';

export type Throttle = (force?: boolean) => boolean;

/** Returns a gate: true when a report may go out now. */
export function throttle(intervalMs: number, clock: () => number = monotonicMs): Throttle {
  let last = -Infinity;
  return (force = false) => {
    const t = clock();
    if (!force && t - last < intervalMs) return false;
    last = t;
    return true;
  };
}
