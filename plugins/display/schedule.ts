// The screen schedule (daily times, on all or some days of the week): which power the clock asks for, and when it next changes. Pure
// functions, plus a small scheduler that takes its clock from outside (tests pass a fake one).
import type { PluginLane } from '../../core/plugins/api.js';
import type { DisplaySchedule, PowerState, ScheduleNext, Weekday } from '../../core/protocol/index.js';

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/** Whether the off window that starts on `weekday` (0 = Sunday) is kept: every day when `days` is absent. */
const nightOf = (s: DisplaySchedule, weekday: number): boolean => s.days === undefined || s.days.includes(weekday as Weekday);
const dayBefore = (weekday: number): number => (weekday + 6) % 7;

/**
 * The power the schedule wants at `now` (local time); null when it is off or both times are equal.
 * Each day named in `days` (all when absent) has one off window starting at `off` that day, ending at
 * the next `on` (the next morning when `on` is earlier than `off`).
 */
export function scheduledPower(now: Date, s: DisplaySchedule): PowerState | null {
  if (!s.enabled) return null;
  const off = minutesOf(s.off);
  const on = minutesOf(s.on);
  if (off === on) return null;
  const t = now.getHours() * 60 + now.getMinutes();
  const today = now.getDay();
  // The off window may span midnight (23:00 → 07:00: yesterday's window holds the small hours) or not (13:00 → 14:00).
  const inOff =
    off < on ? t >= off && t < on && nightOf(s, today) : (t >= off && nightOf(s, today)) || (t < on && nightOf(s, dayBefore(today)));
  return inOff ? 'off' : 'on';
}

/** The next moment (after `now`) at which the schedule switches, or null. */
export function nextSwitch(now: Date, s: DisplaySchedule): Date | null {
  if (scheduledPower(now, s) === null) return null;
  const off = minutesOf(s.off);
  const on = minutesOf(s.on);
  const spans = off > on;
  // A week and a day ahead covers every pattern of days; a window's switches: off on its day, on the same or the next day.
  for (let ahead = 0; ahead <= 8; ahead++) {
    const day = new Date(now);
    day.setDate(day.getDate() + ahead);
    const found = [
      { minutes: off, night: day.getDay() },
      { minutes: on, night: spans ? dayBefore(day.getDay()) : day.getDay() },
    ]
      .filter((c) => nightOf(s, c.night))
      .map((c) => {
        const d = new Date(day);
        d.setHours(Math.floor(c.minutes / 60), c.minutes % 60, 0, 0);
        return d;
      })
      .filter((d) => d.getTime() > now.getTime())
      .sort((a, b) => a.getTime() - b.getTime());
    if (found[0]) return found[0];
  }
  return null;
}

/** What the page says: the power the schedule holds now and when that changes ("on until 22:00"). */
export function scheduleOutlook(now: Date, s: DisplaySchedule): ScheduleNext | null {
  const at = nextSwitch(now, s);
  const power = scheduledPower(now, s);
  if (!at || !power) return null;
  return { power, at: at.toISOString(), clock: `${pad(at.getHours())}:${pad(at.getMinutes())}`, weekday: at.getDay() as Weekday };
}
const pad = (n: number): string => String(n).padStart(2, '0');

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
