// The screen's daily schedule on a fake clock: which power each moment asks for (windows that span
// midnight or not), when the next switch is, and a scheduler that switches at the right minutes of
// several days without polling.
import { expect } from 'chai';
import type { DisplaySchedule, PowerState } from '../../core/protocol/index.js';
import { nextSwitch, scheduledPower, scheduleOutlook, Scheduler, type Clock } from '../../plugins/display/schedule.js';

const at = (day: number, hh: number, mm: number): Date => new Date(2026, 0, day, hh, mm, 0, 0);
const night: DisplaySchedule = { enabled: true, off: '23:00', on: '07:00' };
const lunch: DisplaySchedule = { enabled: true, off: '12:30', on: '13:15' };

/** A clock whose time moves only when the test says. Timers run on elapsed time, like Node's; `jump` sets the wall clock alone. */
class FakeClock implements Clock {
  private timers: Array<{ due: number; fn: () => void; id: number }> = [];
  private seq = 0;
  private elapsed = 0;
  constructor(public wall: Date) {}
  now = (): Date => new Date(this.wall);
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.seq;
    this.timers.push({ due: this.elapsed + ms, fn, id });
    return id;
  };
  clearTimeout = (h: unknown): void => {
    this.timers = this.timers.filter((x) => x.id !== h);
  };
  pending(): number {
    return this.timers.length;
  }
  jump(d: Date): void {
    this.wall = d;
  }
  /** Lets time pass until the wall clock reads `d`, running timers as they fall due. */
  advanceTo(d: Date): void {
    const end = this.elapsed + (d.getTime() - this.wall.getTime());
    for (;;) {
      this.timers.sort((a, b) => a.due - b.due);
      const next = this.timers[0];
      if (!next || next.due > end) break;
      this.timers.shift();
      this.wall = new Date(this.wall.getTime() + (next.due - this.elapsed));
      this.elapsed = next.due;
      next.fn();
    }
    this.wall = new Date(this.wall.getTime() + (end - this.elapsed));
    this.elapsed = end;
  }
}

describe('display: the daily schedule', () => {
  const cases: Array<[DisplaySchedule, Date, PowerState | null]> = [
    [night, at(5, 22, 59), 'on'],
    [night, at(5, 23, 0), 'off'],
    [night, at(6, 3, 0), 'off'],
    [night, at(6, 6, 59), 'off'],
    [night, at(6, 7, 0), 'on'],
    [lunch, at(5, 12, 29), 'on'],
    [lunch, at(5, 12, 30), 'off'],
    [lunch, at(5, 13, 15), 'on'],
    [{ ...night, enabled: false }, at(6, 3, 0), null],
    [{ enabled: true, off: '08:00', on: '08:00' }, at(6, 8, 0), null],
  ];
  for (const [s, d, want] of cases) {
    it(`${s.enabled ? `${s.off}→${s.on}` : 'disabled'} at ${d.toTimeString().slice(0, 5)}: ${want ?? 'no opinion'}`, () => {
      expect(scheduledPower(d, s)).to.equal(want);
    });
  }

  it('finds the next switch, across midnight', () => {
    expect(nextSwitch(at(5, 22, 0), night)).to.deep.equal(at(5, 23, 0));
    expect(nextSwitch(at(5, 23, 0), night)).to.deep.equal(at(6, 7, 0));
    expect(nextSwitch(at(6, 8, 0), night)).to.deep.equal(at(6, 23, 0));
    expect(nextSwitch(at(6, 8, 0), { ...night, enabled: false })).to.equal(null);
  });

  it('switches off at 23:00 and on at 07:00, day after day, with one timer at a time', () => {
    const clock = new FakeClock(at(5, 20, 0));
    const seen: Array<[string, PowerState]> = [];
    const s = new Scheduler(clock, (p) => void seen.push([clock.now().toTimeString().slice(0, 5), p]));
    s.set(night);
    expect(clock.pending()).to.equal(1);
    clock.advanceTo(at(5, 22, 59));
    expect(seen).to.deep.equal([]);
    clock.advanceTo(at(8, 12, 0));
    expect(seen).to.deep.equal([
      ['23:00', 'off'],
      ['07:00', 'on'],
      ['23:00', 'off'],
      ['07:00', 'on'],
      ['23:00', 'off'],
      ['07:00', 'on'],
    ]);
    expect(clock.pending()).to.equal(1);
  });

  it('a new schedule replaces the old one; disabling leaves no timer', () => {
    const clock = new FakeClock(at(5, 12, 0));
    const seen: PowerState[] = [];
    const s = new Scheduler(clock, (p) => void seen.push(p));
    s.set(night);
    s.set(lunch);
    clock.advanceTo(at(5, 14, 0));
    expect(seen).to.deep.equal(['off', 'on']);
    s.set({ ...lunch, enabled: false });
    expect(clock.pending()).to.equal(0);
    clock.advanceTo(at(6, 14, 0));
    expect(seen).to.deep.equal(['off', 'on']);
  });

  it('a clock jumped forward (NTP after boot) is caught up within the hour, not at the old switch time', () => {
    const clock = new FakeClock(at(1, 0, 5)); // a Pi without RTC boots at a stale time
    const seen: Array<[string, PowerState]> = [];
    new Scheduler(clock, (p) => void seen.push([clock.now().toTimeString().slice(0, 5), p])).set(lunch);
    clock.advanceTo(at(1, 0, 30));
    clock.jump(at(5, 12, 0)); // NTP sets the real time
    clock.advanceTo(at(5, 14, 0));
    // The hourly re-check (armed at 00:05, due an hour later = 12:35 on the new wall clock) catches up;
    // without it the first switch would wait for day 1's 12:30, four days late.
    expect(seen).to.deep.equal([
      ['12:35', 'off'],
      ['13:15', 'on'],
    ]);
  });

  // 2026-01-05 is a Monday (getDay 1); the 10th a Saturday, the 11th a Sunday.
  const weeknights: DisplaySchedule = { ...night, days: [0, 1, 2, 3, 4] };

  it('on some days only: the screen stays on through the nights not named (Friday and Saturday here)', () => {
    expect(scheduledPower(at(5, 23, 30), weeknights)).to.equal('off'); // Monday night
    expect(scheduledPower(at(6, 3, 0), weeknights)).to.equal('off'); // ...its small hours, on Tuesday
    expect(scheduledPower(at(9, 23, 30), weeknights)).to.equal('on'); // Friday night
    expect(scheduledPower(at(10, 3, 0), weeknights)).to.equal('on'); // Saturday small hours: Friday's night is not named
    expect(scheduledPower(at(11, 23, 30), weeknights)).to.equal('off'); // Sunday night
    expect(scheduledPower(at(12, 6, 0), weeknights)).to.equal('off');
  });

  it('the next switch skips the nights not named', () => {
    expect(nextSwitch(at(9, 8, 0), weeknights)).to.deep.equal(at(11, 23, 0)); // from Friday morning: Sunday 23:00
    expect(nextSwitch(at(12, 6, 0), weeknights)).to.deep.equal(at(12, 7, 0));
    expect(nextSwitch(at(9, 8, 0), { ...weeknights, days: [] })).to.equal(null);
  });

  it('says "on until 23:00" and "off until 07:00"', () => {
    expect(scheduleOutlook(at(5, 20, 0), night)).to.include({ power: 'on', clock: '23:00', weekday: 1 });
    expect(scheduleOutlook(at(6, 2, 0), night)).to.include({ power: 'off', clock: '07:00', weekday: 2 });
    expect(scheduleOutlook(at(6, 2, 0), { ...night, enabled: false })).to.equal(null);
  });

  it('switches on the named nights only, for a whole week', () => {
    const clock = new FakeClock(at(5, 12, 0));
    const seen: string[] = [];
    new Scheduler(clock, (p) => void seen.push(`${clock.now().getDate()} ${clock.now().toTimeString().slice(0, 5)} ${p}`)).set({
      ...night,
      days: [5, 6],
    });
    clock.advanceTo(at(12, 12, 0));
    expect(seen).to.deep.equal(['9 23:00 off', '10 07:00 on', '10 23:00 off', '11 07:00 on']);
  });
});
