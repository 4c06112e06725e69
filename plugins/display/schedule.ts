// The daily screen schedule: which power the clock asks for, and when it next changes. Pure
// functions, plus a small scheduler that takes its clock from outside (tests pass a fake one).
import type { PluginLane } from '../../core/plugins/api.js';
import type { DisplaySchedule, PowerState } from '../../core/protocol/index.js';

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/** The power the schedule wants at `now` (local time); null when it is off or both times are equal. */
export function scheduledPower(now: Date, s: DisplaySchedule): PowerState | null {
  if (!s.enabled) return null;
  const off = minutesOf(s.off);
  const on = minutesOf(s.on);
  if (off === on) return null;
  const t = now.getHours() * 60 + now.getMinutes();
  // The off window may span midnight (23:00 → 07:00) or not (13:00 → 14:00).
  const inOff = off < on ? t >= off && t < on : t >= off || t < on;
  return inOff ? 'off' : 'on';
}

/** The next moment (after `now`) at which the schedule switches, or null. */
export function nextSwitch(now: Date, s: DisplaySchedule): Date | null {
  if (scheduledPower(now, s) === null) return null;
  let best: Date | null = null;
  for (const hhmm of [s.off, s.on]) {
    const m = minutesOf(hhmm);
    const d = new Date(now);
    d.setHours(Math.floor(m / 60), m % 60, 0, 0);
    if (d.getTime() <= now.getTime()) d.setDate(d.getDate() + 1);
    if (!best || d < best) best = d;
  }
  return best;
}

export interface Clock {
  now(): Date;
  /** `fn` may return the switch's promise: a clock on the plugin's lane runs it in turn. */
  setTimeout(fn: () => Promise<void> | void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The wall clock, with timers on the plugin's lane: a switch runs in turn with commands, and stops with the plugin. */
export function laneClock(lane: PluginLane): Clock {
  return {
    now: () => new Date(),
    setTimeout: (fn, ms) => lane.after(ms, 'scheduled screen power change', fn),
    clearTimeout: (cancel) => (cancel as () => void)(),
  };
}

// Waits longer than this are cut into steps, so a clock set forward (NTP after boot) is noticed within the hour.
const MAX_WAIT_MS = 3_600_000;

/** Calls `apply` with the scheduled power at each switch. A manual command holds until the next switch. */
export class Scheduler {
  private handle: unknown = null;

  constructor(
    private readonly clock: Clock,
    private readonly apply: (power: PowerState) => Promise<void> | void,
  ) {}

  set(s: DisplaySchedule): void {
    this.cancel();
    const arm = (): void => {
      const now = this.clock.now();
      const at = nextSwitch(now, s);
      if (!at) return;
      const wait = at.getTime() - now.getTime();
      this.handle = this.clock.setTimeout(
        () => {
          this.handle = null;
          const t = this.clock.now();
          // The next switch is armed first: the one due now may be slow (CEC) or fail, and must not end the schedule.
          arm();
          const power = t.getTime() >= at.getTime() ? scheduledPower(t, s) : null;
          return power ? this.apply(power) : undefined;
        },
        Math.min(wait, MAX_WAIT_MS),
      );
    };
    arm();
  }

  cancel(): void {
    if (this.handle !== null) this.clock.clearTimeout(this.handle);
    this.handle = null;
  }
}
