// The media plugin's config section (`media:` in config/default.yaml, which documents each key).
import { Nullable } from '../../core/protocol/envelope.js';
import { MediaFit } from '../../core/protocol/media.js';
import { Type, type Static } from '@sinclair/typebox';

export const displayProfile = Type.Object(
  {
    width: Type.Integer({ minimum: 16, maximum: 7680, multipleOf: 2 }),
    height: Type.Integer({ minimum: 16, maximum: 4320, multipleOf: 2 }),
    fps: Type.Number({ exclusiveMinimum: 0, maximum: 120 }),
    /** cover crops, contain letterboxes, blur puts the whole picture on a blurred fill of itself. */
    fit: MediaFit,
    /** Letterbox colour for `contain` (ffmpeg colour syntax). */
    background: Type.String({ pattern: '^[A-Za-z0-9#@.]+$', maxLength: 32 }),
  },
  { additionalProperties: false },
);
export type DisplayProfile = Static<typeof displayProfile>;

export const mediaConfig = Type.Object(
  {
    max_upload_bytes: Type.Integer({ minimum: 1 }),
    max_files_per_request: Type.Integer({ minimum: 1, maximum: 1000 }),
    max_storage_bytes: Nullable(Type.Integer({ minimum: 0 })),
    max_storage_share: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
    max_queued_jobs: Type.Integer({ minimum: 1, maximum: 10_000 }),
    max_queued_jobs_per_client: Type.Integer({ minimum: 1, maximum: 10_000 }),
    min_free_bytes: Type.Integer({ minimum: 0 }),
    max_pixels: Type.Integer({ minimum: 1 }),
    /** Address space (RLIMIT_AS) each ffmpeg and ffprobe child may map, in MiB; null = unlimited. */
    max_decoder_address_space_mib: Nullable(Type.Integer({ minimum: 64 })),
    max_duration_seconds: Nullable(Type.Number({ exclusiveMinimum: 0 })),
    concurrency: Type.Integer({ minimum: 1, maximum: 16 }),
    display: displayProfile,
    video: Type.Object(
      {
        crf: Type.Integer({ minimum: 0, maximum: 51 }),
        preset: Type.Union([
          Type.Literal('ultrafast'),
          Type.Literal('superfast'),
          Type.Literal('veryfast'),
          Type.Literal('faster'),
          Type.Literal('fast'),
          Type.Literal('medium'),
          Type.Literal('slow'),
          Type.Literal('slower'),
          Type.Literal('veryslow'),
        ]),
        keep_audio: Type.Boolean(),
        audio_bitrate: Type.String({ pattern: '^[0-9]+k$' }),
        threads: Type.Integer({ minimum: 0, maximum: 64 }),
        /** auto: the Pi's hardware encoder (h264_v4l2m2m) where there is one, else libx264 (encoder.ts). */
        encoder: Type.Union([Type.Literal('auto'), Type.Literal('libx264'), Type.Literal('h264_v4l2m2m')]),
      },
      { additionalProperties: false },
    ),
    thumbnail_width: Type.Integer({ minimum: 16, maximum: 1920, multipleOf: 2 }),
    add_to_loop: Type.Boolean(),
    keep_originals: Type.Boolean(),
    ffmpeg_path: Nullable(Type.String({ minLength: 1 })),
    ffprobe_path: Nullable(Type.String({ minLength: 1 })),
    probe_timeout_seconds: Type.Number({ exclusiveMinimum: 0 }),
    /** A resumable (tus) upload that has received no byte for this long is removed. */
    upload_expiry_hours: Type.Number({ exclusiveMinimum: 0 }),
  },
  { additionalProperties: false },
);
export type MediaConfig = Static<typeof mediaConfig>;

/** The defaults, as in config/default.yaml (tests and benches build on them). */
export const defaultMediaConfig: MediaConfig = {
  max_upload_bytes: 200 * 1024 * 1024,
  max_files_per_request: 20,
  max_storage_bytes: null,
  max_storage_share: 0.8,
  max_queued_jobs: 20,
  max_queued_jobs_per_client: 8,
  min_free_bytes: 64 * 1024 * 1024,
  max_pixels: 24_000_000,
  max_decoder_address_space_mib: 1024,
  max_duration_seconds: 1800,
  concurrency: 1,
  display: { width: 320, height: 240, fps: 25, fit: 'blur', background: 'black' },
  video: { crf: 23, preset: 'veryfast', keep_audio: false, audio_bitrate: '128k', threads: 0, encoder: 'auto' },
  thumbnail_width: 320,
  add_to_loop: true,
  keep_originals: false,
  ffmpeg_path: null,
  ffprobe_path: null,
  probe_timeout_seconds: 30,
  upload_expiry_hours: 24,
};
