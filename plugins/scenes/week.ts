// Pure: a week of rules (days, a start and an end in wall-clock time, the scene it brings) in a time
// zone → the rule in force at an instant, and the next instant that changes it. Rules are wall-clock
// (07:00 stays 07:00 across DST: zoned.ts); a rule whose end is not after its start runs past
// midnight into the next day (a Friday 22:00–02:00 rule ends on Saturday), and equal times mean 24 h.
// Where rules overlap, the one later in the list wins (the page lists them so: lower ones override),
// and when it ends the one beneath is back in force. Unit tested (scenes-week), ≥ 20 cases.
import { addDays, instantOf, wallAt, type WallTime } from './zoned.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface WeekRule {
  /** The days it starts on. */
  days: readonly Weekday[];
  /** "HH:MM", 00:00-23:59. */
  start: string;
  /** "HH:MM", 00:00-24:00; not after `start`: the next day. */
  end: string;
}

/** One run of a rule: the index of the rule in the list, and its instants [from, to). */
export interface Occurrence {
  rule: number;
  from: number;
  to: number;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight of "HH:MM" (and "24:00" where allowed); throws on anything else. */
export function minutesOf(hhmm: string, allow24 = false): number {
  if (allow24 && hhmm === '24:00') return 1440;
  const m = HHMM.exec(hhmm);
  if (!m) throw new RangeError(`"${hhmm}" is not a time of day (HH:MM, 00:00-23:59${allow24 ? ' or 24:00' : ''})`);
  return Number(m[1]) * 60 + Number(m[2]);
}

const atMinutes = (day: WallTime, minutes: number): WallTime => {
  const d = addDays(day, Math.floor(minutes / 1440));
  return { ...d, hour: Math.floor((minutes % 1440) / 60), minute: minutes % 60 };
};

/** The occurrences of every rule that start on the days from `ms`'s day − `back` to + `ahead`, by start. */
export function occurrences(rules: readonly WeekRule[], zone: string, ms: number, back = 1, ahead = 8): Occurrence[] {
  const now = wallAt(ms, zone);
  const today: WallTime = { year: now.year, month: now.month, day: now.day, hour: 0, minute: 0 };
  const found: Occurrence[] = [];
  for (let offset = -back; offset <= ahead; offset++) {
    const day = addDays(today, offset);
    const weekday = WEEKDAYS[(((now.weekday + offset) % 7) + 7) % 7] as Weekday;
    rules.forEach((rule, index) => {
      if (!rule.days.includes(weekday)) return;
      const start = minutesOf(rule.start);
      const end = minutesOf(rule.end, true);
      const endMinutes = end > start ? end : end + 1440;
      const from = instantOf(atMinutes(day, start), zone);
      const to = instantOf(atMinutes(day, endMinutes), zone);
      if (to > from) found.push({ rule: index, from, to });
    });
  }
  return found.sort((a, b) => a.from - b.from || a.rule - b.rule);
}

/** The occurrence in force at `ms` (the latest rule in the list among those covering it), or null. */
export function inForce(rules: readonly WeekRule[], zone: string, ms: number): Occurrence | null {
  let best: Occurrence | null = null;
  for (const o of occurrences(rules, zone, ms, 1, 0)) {
    if (o.from <= ms && ms < o.to && (!best || o.rule > best.rule)) best = o;
  }
  return best;
}

/**
 * The first instant after `ms` at which a different rule (or none) is in force, within the coming
 * week and a day, with what is in force from then; null when nothing changes in that time.
 */
export function nextChange(rules: readonly WeekRule[], zone: string, ms: number): { at: number; next: Occurrence | null } | null {
  const current = inForce(rules, zone, ms)?.rule ?? null;
  const edges = [...new Set(occurrences(rules, zone, ms).flatMap((o) => [o.from, o.to]))].filter((t) => t > ms).sort((a, b) => a - b);
  for (const at of edges) {
    const next = inForce(rules, zone, at);
    if ((next?.rule ?? null) !== current) return { at, next };
  }
  return null;
}
