// The display plugin's contract: the retained `display` state (brightness, screen power, the
// schedule, and the screen's profile that media converts to and the player shows on) and its actions.
import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { NoPayload, Nullable, type ActionSpec, Names } from './envelope.js';

export const Rotation = Type.Union([Type.Literal(0), Type.Literal(90), Type.Literal(180), Type.Literal(270)]);
export type Rotation = Static<typeof Rotation>;

/** The one description of the screen: media converts to width×height at fps; the player rotates. */
export const ScreenProfile = Type.Object({
  width: Type.Integer({ minimum: 16, maximum: 7680 }),
  height: Type.Integer({ minimum: 16, maximum: 4320 }),
  fps: Type.Number({ minimum: 1, maximum: 120 }),
  rotation: Rotation,
});
export type ScreenProfile = Static<typeof ScreenProfile>;

const Clock = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM, local time' });

/** 0 = Sunday ... 6 = Saturday (JavaScript's getDay). */
export const Weekday = Type.Union([0, 1, 2, 3, 4, 5, 6].map((d) => Type.Literal(d))) as unknown as TUnion<
  [TLiteral<0>, TLiteral<1>, TLiteral<2>, TLiteral<3>, TLiteral<4>, TLiteral<5>, TLiteral<6>]
>;
export type Weekday = Static<typeof Weekday>;
const Weekdays = Type.Array(Weekday, { uniqueItems: true, maxItems: 7 });

export const DisplaySchedule = Type.Object({
  enabled: Type.Boolean(),
  /** When the screen goes off each day. */
  off: Clock,
  /** When it comes back on. */
  on: Clock,
  /** The days whose evening (the window starting at `off`) the screen goes off; absent = every day. */
  days: Type.Optional(Weekdays),
});
export type DisplaySchedule = Static<typeof DisplaySchedule>;

export const PowerState = Names('on', 'off');
export type PowerState = Static<typeof PowerState>;

/** The schedule's next switch: the power it holds until then ("on until 22:00"), in the device's local time. */
export const ScheduleNext = Type.Object({
  /** The power the schedule holds until `at` (a manual command may have changed the screen meanwhile). */
  power: PowerState,
  at: Type.String({ description: 'ISO 8601' }),
  /** `at` as HH:MM on the device's clock. */
  clock: Type.String(),
  weekday: Weekday,
});
export type ScheduleNext = Static<typeof ScheduleNext>;

export const DisplayState = Type.Object({
  brightness: Type.Integer({ minimum: 0, maximum: 100 }),
  power: PowerState,
  /** What carries brightness: a sysfs backlight, mpv's video brightness (via the player), or nothing. */
  brightness_via: Names('backlight', 'mpv', 'none'),
  /** What turns the screen off: the backlight's bl_power, HDMI-CEC, a black picture in mpv, or nothing. */
  power_via: Names('backlight', 'cec', 'mpv', 'none'),
  /** The backlight device in use (e.g. /sys/class/backlight/10-0045), if any. */
  backlight: Nullable(Type.String()),
  schedule: DisplaySchedule,
  /** When the schedule next switches, and the power it holds until then; null when it is off. */
  schedule_next: Nullable(ScheduleNext),
  ...ScreenProfile.properties,
  updated_at: Type.String(),
});
export type DisplayState = Static<typeof DisplayState>;

export const displayActions = {
  state: { description: 'The display state as the retained `display` topic carries it.', request: NoPayload, response: DisplayState },
  brightness: {
    description: 'Sets the brightness, 0..100 (kept across restarts): the backlight when there is one, else mpv.',
    request: Type.Object({ brightness: Type.Integer({ minimum: 0, maximum: 100 }) }, { additionalProperties: false }),
    response: Type.Object({ brightness: Type.Integer() }),
    shorthand: 'brightness',
  },
  power: {
    description: 'Turns the screen on or off (toggle flips it); kept until the next command or scheduled switch.',
    request: Type.Object({ power: Type.Union([PowerState, Type.Literal('toggle')]) }, { additionalProperties: false }),
    response: Type.Object({ power: PowerState }),
    shorthand: 'power',
  },
  schedule: {
    description:
      'Sets the schedule (screen off at `off`, on at `on`, local time; on the evenings of `days`, 0 = Sunday, or every day when absent or null); kept across restarts.',
    request: Type.Object(
      {
        enabled: Type.Optional(Type.Boolean()),
        off: Type.Optional(Clock),
        on: Type.Optional(Clock),
        days: Type.Optional(Nullable(Weekdays)),
      },
      { additionalProperties: false },
    ),
    response: DisplaySchedule,
  },
} satisfies Record<string, ActionSpec>;
