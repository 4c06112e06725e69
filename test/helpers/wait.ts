// Waiting on events with a deadline, so a failing test fails fast with a reason.
import { withTimeout } from '../../core/util/timeout.js';

export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return withTimeout(p, ms, `timed out after ${ms} ms waiting for ${what}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Re-check a condition on each event-loop turn of `every` ms; only for tests of external effects. */
export async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string, every = 25): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}
