// The clock for intervals, deadlines, back-offs and rate limits: monotonic, so a wall-clock step
// (NTP's first sync on a Pi without a real-time clock moves it by hours or days) neither freezes
// nor fires them early. Date.now() stays for timestamps people see and for expiry dates kept on disk.
import { performance } from 'node:perf_hooks';

/** Milliseconds on a clock that only moves forward (since the process started; not a date). */
export const monotonicMs = (): number => performance.now();
