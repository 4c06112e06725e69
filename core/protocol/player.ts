// The player plugin's contract: its retained state, its position ticks and its actions.
// Owned by plugins/player; extend fields here (never elsewhere) when the player grows.
import { Type, type Static } from '@sinclair/typebox';
import { NoPayload, type ActionSpec, Nullable, Names } from './envelope.js';

export const LoopMode = Names('all', 'one');
export type LoopMode = Static<typeof LoopMode>;

export const PlayerStateName = Names('playing', 'paused', 'idle', 'stopped', 'restarting', 'unavailable', 'error');
export type PlayerStateName = Static<typeof PlayerStateName>;

export const PlayerState = Type.Object({
  state: PlayerStateName,
  /** Why the player is unavailable or in error (e.g. "mpv not found"), else null. */
  reason: Nullable(Type.String()),
  slug: Nullable(Type.String()),
  title: Nullable(Type.String()),
  index: Type.Integer(),
  position: Nullable(Type.Number()),
  duration: Nullable(Type.Number()),
  volume: Type.Number(),
  muted: Type.Boolean(),
  loop_mode: LoopMode,
  frame_rate: Nullable(Type.Number()),
  /** What the current item is: a clip, a still image, or nothing. */
  kind: Nullable(Names('video', 'image')),
  /** The text of the card shown when nothing plays (idle/stopped/hotspot), else null. */
  screen: Nullable(Type.String()),
  /** The loop's `cue` this state reflects (the loop follows the player only when they agree). */
  cue: Type.Integer(),
  updated_at: Type.String(),
});
export type PlayerState = Static<typeof PlayerState>;

/** At most 1 Hz on `player/position`; kept off the dashboard so it stays quiet. */
export const PlayerPosition = Type.Object({
  slug: Nullable(Type.String()),
  position: Type.Number(),
  duration: Nullable(Type.Number()),
});
export type PlayerPosition = Static<typeof PlayerPosition>;

const Ok = Type.Object({ state: PlayerStateName });
/** What next/previous/play_slug answer: the player's state once the new item started. */
const Started = Type.Object({ state: PlayerStateName, slug: Nullable(Type.String()), index: Type.Integer() });

export const playerActions = {
  state: { description: 'The player state as the retained `player` topic carries it.', request: NoPayload, response: PlayerState },
  play: { description: 'Resume playback (after pause or stop; after an mpv error, tries mpv again).', request: NoPayload, response: Ok },
  pause: { description: 'Pause playback.', request: NoPayload, response: Ok },
  toggle: { description: 'Toggle pause; answers {paused}.', request: NoPayload, response: Type.Object({ paused: Type.Boolean() }) },
  next: { description: 'Skip to the next loop item; answers once it plays.', request: NoPayload, response: Started, coalesce: true },
  previous: {
    description: 'Go back to the previous loop item; answers once it plays.',
    request: NoPayload,
    response: Started,
    coalesce: true,
  },
  stop: { description: 'Stop playback (the screen shows the idle card) until play.', request: NoPayload, response: Ok },
  seek: {
    description: 'Seek within the current clip, in seconds (absolute unless relative is true).',
    request: Type.Object({ position: Type.Number(), relative: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    response: Ok,
    shorthand: 'position',
  },
  volume: {
    description: 'Set the volume, 0..100.',
    request: Type.Object({ volume: Type.Number({ minimum: 0, maximum: 100 }) }, { additionalProperties: false }),
    response: Type.Object({ volume: Type.Number() }),
    shorthand: 'volume',
    coalesce: true,
  },
  mute: {
    description: 'Mute or unmute (toggles when muted is absent).',
    request: Type.Object({ mute: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    response: Type.Object({ muted: Type.Boolean() }),
    shorthand: 'mute',
  },
  play_slug: {
    description: 'Play the given library item now (the loop activates it, adding it if absent).',
    request: Type.Object({ slug: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
    response: Started,
    shorthand: 'slug',
    coalesce: true,
  },
  show_text: {
    description: 'Show a line of text over the picture for a few seconds (mpv OSD), e.g. "Doorbell".',
    request: Type.Object(
      {
        text: Type.String({ minLength: 1, maxLength: 500 }),
        seconds: Type.Optional(Type.Number({ minimum: 0.5, maximum: 60 })),
      },
      { additionalProperties: false },
    ),
    response: Type.Object({ shown: Type.Boolean() }),
    shorthand: 'text',
  },
  video_brightness: {
    description: "mpv's video brightness, -100..100 (0 = as made, -100 = black): how the display plugin dims a screen without a backlight.",
    request: Type.Object({ brightness: Type.Integer({ minimum: -100, maximum: 100 }) }, { additionalProperties: false }),
    response: Type.Object({ brightness: Type.Integer() }),
    shorthand: 'brightness',
  },
} satisfies Record<string, ActionSpec>;
