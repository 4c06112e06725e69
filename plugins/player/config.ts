// The player plugin's config section (config/default.yaml `player:`).
import { Nullable } from '../../core/protocol/envelope.js';
import { PlayerTimeline } from '../../core/protocol/settings.js';
import { Type, type Static } from '@sinclair/typebox';

export const playerConfig = Type.Object(
  {
    /** The mpv executable: an absolute path, or a name looked up on PATH. */
    mpv: Type.String({ minLength: 1 }),
    /** mpv --vo: "auto" lets mpv choose; "drm" or "gpu" on a Pi; "null" on headless machines and in tests. */
    vo: Type.String({ minLength: 1 }),
    /** mpv --ao: "auto", "alsa", "pulse", "null"... */
    ao: Type.String({ minLength: 1 }),
    /** DRM card for --vo=drm/gpu (e.g. /dev/dri/card1 for an SPI panel's DRM driver); null = mpv's default. */
    drm_device: Nullable(Type.String({ minLength: 1 })),
    /** mpv --hwdec: "no", "auto-safe", or "v4l2m2m-copy" on a Pi. */
    hwdec: Type.String({ minLength: 1 }),
    /** Further mpv arguments, each one element (e.g. "--video-rotate=270"). */
    extra_args: Type.Array(Type.String()),
    /** Volume at first start, 0..100 (later changes are kept across restarts). */
    volume: Type.Number({ minimum: 0, maximum: 100 }),
    /** Path of mpv's IPC socket; null = a private path under the OS temp directory. */
    ipc_socket: Nullable(Type.String({ minLength: 1, maxLength: 100 })),
    /** Show the idle card (where to add media) when nothing plays. */
    idle_screen: Type.Boolean(),
    /** mpv that does not answer for this long is killed and restarted (ms). */
    hang_timeout_ms: Type.Integer({ minimum: 200, maximum: 60000 }),
    /** How long a starting mpv has to open its IPC socket (ms): a Pi Zero at boot, with everything starting at once, is slow. */
    start_timeout_ms: Type.Integer({ minimum: 1000, maximum: 120000 }),
    /** Crashes within crash_window_seconds that put the player in the error state instead of restarting again. */
    max_crashes: Type.Integer({ minimum: 1, maximum: 100 }),
    crash_window_seconds: Type.Number({ minimum: 1, maximum: 3600 }),
    /** Seconds between ticks on `player/position` (at least 1: at most 1 Hz). */
    position_interval_seconds: Type.Number({ minimum: 1, maximum: 60 }),
    /** "auto": a loop of two items or more (clips, and stills with their clip) plays as one continuous mpv timeline (no hold at transitions); "off": always a playlist. */
    timeline: PlayerTimeline,
  },
  { additionalProperties: false },
);
export type PlayerConfig = Static<typeof playerConfig>;

export const playerDefaults: PlayerConfig = {
  mpv: '/usr/bin/mpv',
  vo: 'auto',
  ao: 'auto',
  drm_device: null,
  hwdec: 'auto-safe',
  extra_args: [],
  volume: 100,
  ipc_socket: null,
  idle_screen: true,
  hang_timeout_ms: 5000,
  start_timeout_ms: 15000,
  max_crashes: 3,
  crash_window_seconds: 60,
  position_interval_seconds: 1,
  timeline: 'auto',
};
