// Wall-clock time in a named time zone (the device's, or one a rule names) ↔ instants, with Node's
// own ICU (Intl), no library. DST follows java.time's rules, which people meet in calendars: a wall
// time that does not exist (the spring-forward gap, 02:30 in Berlin on the last Sunday of March) is
// moved forward by the gap's length (03:30); one that happens twice (the autumn fall-back) is the
// earlier of the two.

export interface WallTime {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Whether `zone` is an IANA time zone this Node knows ("Europe/Berlin"; "UTC"). */
export function isTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false; // RangeError: Invalid time zone specified
  }
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** The wall time at `ms` in `zone`, with its weekday (0 = Monday … 6 = Sunday) and seconds. */
export function wallAt(ms: number, zone: string): WallTime & { weekday: number; second: number } {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS.indexOf(parts.weekday ?? ''),
  };
}

/** The zone's offset from UTC at `ms`, in milliseconds (Berlin in summer: +7 200 000). */
export function offsetAt(ms: number, zone: string): number {
  const w = wallAt(ms, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant of a wall time in `zone` (gaps moved forward by their length; repeats: the earlier). */
export function instantOf(wall: WallTime, zone: string): number {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  // The offsets a day either side cover any transition near this wall time.
  const before = offsetAt(asUtc - 86_400_000, zone);
  const after = offsetAt(asUtc + 86_400_000, zone);
  const candidates = [...new Set([before, after])]
    .map((offset) => asUtc - offset)
    .filter((ms) => offsetAt(ms, zone) === asUtc - ms)
    .sort((a, b) => a - b);
  // Exists (once or twice): the earlier. In a gap neither offset fits: the wall time read with the
  // offset before the gap lands after it, shifted by the gap's length.
  return candidates[0] ?? asUtc - before;
}

/** The calendar date `days` after a wall date (time of day kept). */
export function addDays(wall: WallTime, days: number): WallTime {
  const d = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + days));
  return { ...wall, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
