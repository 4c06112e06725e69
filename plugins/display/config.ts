// The display plugin's config section (config/default.yaml `display:`).
import { Type, type Static } from '@sinclair/typebox';
import { DisplaySchedule, Rotation } from '../../core/protocol/index.js';

export const displayConfig = Type.Object(
  {
    /** The screen: media converts to width×height at fps; rotation is how the panel is mounted. */
    width: Type.Integer({ minimum: 16, maximum: 7680 }),
    height: Type.Integer({ minimum: 16, maximum: 4320 }),
    fps: Type.Number({ minimum: 1, maximum: 120 }),
    rotation: Rotation,
    /** Brightness 0..100 at the first start; later changes are kept across restarts. */
    brightness: Type.Integer({ minimum: 0, maximum: 100 }),
    /** "auto" = the first device under backlight_root; a path = that backlight device; null = none. */
    backlight: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
    backlight_root: Type.String({ minLength: 1 }),
    /** Dim and blank through mpv (via the player) when there is no backlight. */
    mpv_fallback: Type.Boolean(),
    /** HDMI-CEC for screen power (TVs and monitors that speak it), through cec-ctl. */
    cec: Type.Object(
      {
        enabled: Type.Boolean(),
        cec_ctl: Type.String({ minLength: 1 }),
        device: Type.String({ minLength: 1 }),
      },
      { additionalProperties: false },
    ),
    /** Daily off/on times (local time) at the first start; later changes are kept across restarts. */
    schedule: DisplaySchedule,
  },
  { additionalProperties: false },
);
export type DisplayConfig = Static<typeof displayConfig>;
