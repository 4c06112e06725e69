// The display plugin's contract: the retained `display` state (brightness, screen power, the
// schedule, and the screen's profile that media converts to and the player shows on) and its actions.
import { Type, type Static } from '@sinclair/typebox';
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

export const DisplaySchedule = Type.Object({
  enabled: Type.Boolean(),
  /** When the screen goes off each day. */
  off: Clock,
  /** When it comes back on. */
  on: Clock,
});
export type DisplaySchedule = Static<typeof DisplaySchedule>;

export const PowerState = Names('on', 'off');
export type PowerState = Static<typeof PowerState>;

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
    description: 'Sets the daily schedule (screen off at `off`, on at `on`, local time); kept across restarts.',
    request: Type.Object(
      {
        enabled: Type.Optional(Type.Boolean()),
        off: Type.Optional(Clock),
        on: Type.Optional(Clock),
      },
      { additionalProperties: false },
    ),
    response: DisplaySchedule,
  },
} satisfies Record<string, ActionSpec>;
