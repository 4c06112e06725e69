// The week schedule's arithmetic on an injected instant (no real clock): rules across midnight and
// the week's end, overlaps, DST forward and back in Europe/Berlin and America/New_York, 24:00 ends.
import { expect } from 'chai';
import { inForce, minutesOf, nextChange, occurrences, type WeekRule } from '../../plugins/scenes/week.js';
import { instantOf, isTimeZone, offsetAt, wallAt } from '../../plugins/scenes/zoned.js';

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';
/** An instant, written in UTC. */
const utc = (y: number, mo: number, d: number, h: number, mi = 0): number => Date.UTC(y, mo - 1, d, h, mi);
const at = (ms: number | undefined): string => (ms === undefined ? 'none' : new Date(ms).toISOString());
const rule = (days: WeekRule['days'], start: string, end: string): WeekRule => ({ days, start, end });
const EVERY_DAY: WeekRule['days'] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

describe('scenes: zoned wall time', () => {
  it('knows IANA zones and refuses made-up ones', () => {
    expect(isTimeZone(BERLIN)).to.equal(true);
    expect(isTimeZone('UTC')).to.equal(true);
    expect(isTimeZone('Mars/Olympus_Mons')).to.equal(false);
  });
  it('reads the wall time and weekday (2026-12-03 is a Thursday; Berlin is UTC+1 in winter)', () => {
    expect(wallAt(utc(2026, 12, 3, 12), BERLIN)).to.include({ hour: 13, weekday: 3, day: 3 });
    expect(offsetAt(utc(2026, 12, 3, 12), BERLIN)).to.equal(3_600_000);
    expect(offsetAt(utc(2026, 7, 1, 12), BERLIN)).to.equal(7_200_000);
  });
  const walls: Array<[string, string, Parameters<typeof instantOf>[0], number]> = [
    [
      'Berlin spring-forward gap: 02:30 moves on by the gap to 03:30 CEST',
      BERLIN,
      { year: 2026, month: 3, day: 29, hour: 2, minute: 30 },
      utc(2026, 3, 29, 1, 30),
    ],
    [
      'Berlin fall-back: 02:30 happens twice, the earlier (CEST) counts',
      BERLIN,
      { year: 2026, month: 10, day: 25, hour: 2, minute: 30 },
      utc(2026, 10, 25, 0, 30),
    ],
    [
      'New York spring-forward gap: 02:30 → 03:30 EDT',
      NEW_YORK,
      { year: 2026, month: 3, day: 8, hour: 2, minute: 30 },
      utc(2026, 3, 8, 7, 30),
    ],
    [
      'New York fall-back: 01:30 twice, the earlier (EDT)',
      NEW_YORK,
      { year: 2026, month: 11, day: 1, hour: 1, minute: 30 },
      utc(2026, 11, 1, 5, 30),
    ],
    ['an ordinary winter morning in Berlin', BERLIN, { year: 2026, month: 12, day: 3, hour: 7, minute: 0 }, utc(2026, 12, 3, 6)],
  ];
  for (const [name, zone, wall, want] of walls) it(name, () => expect(at(instantOf(wall, zone))).to.equal(at(want)));
});

describe('scenes: the week of rules', () => {
  const morning = rule(['mon', 'tue', 'wed', 'thu', 'fri'], '07:00', '09:00');
  const late = rule(['fri'], '22:00', '02:00');

  it('a rule is in force from its start up to (not including) its end', () => {
    expect(inForce([morning], BERLIN, utc(2026, 12, 3, 6))?.rule).to.equal(0); // Thu 07:00 Berlin
    expect(inForce([morning], BERLIN, utc(2026, 12, 3, 7, 59))?.rule).to.equal(0);
    expect(inForce([morning], BERLIN, utc(2026, 12, 3, 8))).to.equal(null); // 09:00
    expect(inForce([morning], BERLIN, utc(2026, 12, 5, 6))).to.equal(null); // Saturday
  });
  it('a rule whose end is before its start runs past midnight into the next day', () => {
    expect(inForce([late], BERLIN, utc(2026, 12, 5, 0, 30))?.rule).to.equal(0); // Sat 01:30
    expect(inForce([late], BERLIN, utc(2026, 12, 4, 20, 59))).to.equal(null); // Fri 21:59
    expect(inForce([late], BERLIN, utc(2026, 12, 5, 1))).to.equal(null); // Sat 02:00
  });
  it('a Sunday-night rule runs into Monday (the week wraps)', () => {
    const sunday = rule(['sun'], '23:00', '01:00');
    expect(inForce([sunday], BERLIN, utc(2026, 12, 6, 23, 30))?.rule).to.equal(0); // Mon 00:30
  });
  it('equal start and end mean a whole day; 24:00 ends at midnight', () => {
    expect(inForce([rule(['thu'], '12:00', '12:00')], BERLIN, utc(2026, 12, 4, 10))?.rule).to.equal(0); // Fri 11:00
    const toMidnight = rule(['thu'], '20:00', '24:00');
    expect(inForce([toMidnight], BERLIN, utc(2026, 12, 3, 22, 59))?.rule).to.equal(0);
    expect(inForce([toMidnight], BERLIN, utc(2026, 12, 3, 23))).to.equal(null);
  });
  it('where rules overlap the later one wins, and the earlier is back when it ends', () => {
    const allDay = rule(EVERY_DAY, '00:00', '24:00');
    const rules = [allDay, morning];
    expect(inForce(rules, BERLIN, utc(2026, 12, 3, 6, 30))?.rule).to.equal(1);
    const change = nextChange(rules, BERLIN, utc(2026, 12, 3, 6, 30));
    expect(at(change?.at)).to.equal(at(utc(2026, 12, 3, 8)));
    expect(change?.next?.rule).to.equal(0);
  });
  it('the next change is the next start when nothing is in force', () => {
    const change = nextChange([late], BERLIN, utc(2026, 12, 3, 12)); // Thu 13:00
    expect(at(change?.at)).to.equal(at(utc(2026, 12, 4, 21))); // Fri 22:00
    expect(change?.next?.rule).to.equal(0);
  });
  it('back-to-back runs of one rule are no change; nothing at all gives null', () => {
    expect(nextChange([rule(EVERY_DAY, '00:00', '24:00')], BERLIN, utc(2026, 12, 3, 12))).to.equal(null);
    expect(nextChange([], BERLIN, utc(2026, 12, 3, 12))).to.equal(null);
    expect(inForce([rule([], '07:00', '09:00')], BERLIN, utc(2026, 12, 3, 6, 30))).to.equal(null);
  });
  it('Berlin, DST forward: a 01:00-03:00 rule on that Sunday lasts one real hour', () => {
    const [o] = occurrences([rule(['sun'], '01:00', '03:00')], BERLIN, utc(2026, 3, 29, 0, 30), 0, 0);
    expect([at(o?.from), at(o?.to)]).to.deep.equal([at(utc(2026, 3, 29, 0)), at(utc(2026, 3, 29, 1))]);
  });
  it('Berlin, DST forward: a rule starting in the gap (02:30) starts at 03:30 CEST', () => {
    const rules = [rule(['sun'], '02:30', '04:00')];
    expect(at(nextChange(rules, BERLIN, utc(2026, 3, 28, 12))?.at)).to.equal(at(utc(2026, 3, 29, 1, 30)));
  });
  it('Berlin, DST back: a 01:00-04:00 rule lasts four real hours, and 02:30 starts at the first one', () => {
    const [o] = occurrences([rule(['sun'], '01:00', '04:00')], BERLIN, utc(2026, 10, 25, 0), 0, 0);
    expect((o?.to ?? 0) - (o?.from ?? 0)).to.equal(4 * 3_600_000);
    expect(at(nextChange([rule(['sun'], '02:30', '05:00')], BERLIN, utc(2026, 10, 24, 12))?.at)).to.equal(at(utc(2026, 10, 25, 0, 30)));
  });
  it('Berlin: a daily 07:00 start stays 07:00 on the wall across the change (06:00 UTC, then 05:00 UTC)', () => {
    const daily = [rule(EVERY_DAY, '07:00', '22:00')];
    expect(at(nextChange(daily, BERLIN, utc(2026, 3, 27, 23))?.at)).to.equal(at(utc(2026, 3, 28, 6)));
    expect(at(nextChange(daily, BERLIN, utc(2026, 3, 28, 22))?.at)).to.equal(at(utc(2026, 3, 29, 5)));
  });
  it('New York, DST forward: the night rule across the change ends at 06:00 EDT (10:00 UTC)', () => {
    const night = [rule(['sat'], '22:00', '06:00')];
    const change = nextChange(night, NEW_YORK, utc(2026, 3, 8, 4)); // Sat 23:00 EST
    expect(at(change?.at)).to.equal(at(utc(2026, 3, 8, 10)));
    expect(change?.next).to.equal(null);
  });
  it('New York, DST back: 01:30-02:30 on that Sunday lasts two real hours (EDT start, EST end)', () => {
    const [o] = occurrences([rule(['sun'], '01:30', '02:30')], NEW_YORK, utc(2026, 11, 1, 5), 0, 0);
    expect([at(o?.from), at(o?.to)]).to.deep.equal([at(utc(2026, 11, 1, 5, 30)), at(utc(2026, 11, 1, 7, 30))]);
  });
  it('a clock stepped back finds the rule of the earlier time again (nothing is remembered)', () => {
    const rules = [morning];
    expect(inForce(rules, BERLIN, utc(2026, 12, 3, 8, 30))).to.equal(null);
    expect(inForce(rules, BERLIN, utc(2026, 12, 3, 7))?.rule).to.equal(0);
  });
  it('after a power cut the rule of the current time is in force at once, wherever in it the start falls', () => {
    expect(inForce([late], BERLIN, utc(2026, 12, 4, 23, 59))?.rule).to.equal(0); // Sat 00:59, 3 h after it began
  });
  it('in UTC nothing shifts', () => {
    expect(at(nextChange([rule(['thu'], '18:00', '19:00')], 'UTC', utc(2026, 12, 3, 12))?.at)).to.equal(at(utc(2026, 12, 3, 18)));
  });
  it('refuses times that are not HH:MM (24:00 only as an end)', () => {
    expect(minutesOf('07:05')).to.equal(425);
    expect(minutesOf('24:00', true)).to.equal(1440);
    for (const bad of ['24:00', '7:00', '07:60', '', '07:00:00']) expect(() => minutesOf(bad), bad).to.throw(RangeError);
  });
});
