// The media plugin's contract: the library, upload/processing progress and library events.
// Owned by plugins/media; extend fields here (never elsewhere).
import { Nullable, Names } from './envelope.js';
import { Type, type Static } from '@sinclair/typebox';
import type { ActionSpec } from './envelope.js';

export const ProcessingStatus = Names('queued', 'processing', 'ready', 'failed');
export type ProcessingStatus = Static<typeof ProcessingStatus>;

export const MediaKind = Names('video', 'image');
export type MediaKind = Static<typeof MediaKind>;

/** What ffprobe found in the uploaded file (before conversion). */
export const MediaSource = Type.Object({
  format: Type.String(),
  codec: Type.String(),
  width: Type.Number(),
  height: Type.Number(),
  duration: Nullable(Type.Number()),
  has_audio: Type.Boolean(),
});
export type MediaSource = Static<typeof MediaSource>;

/** A still made into a clip of the screen's profile: `duration` seconds of the picture, sound (silent) when the clips have some. */
export const StillClip = Type.Object({
  /** Absolute path of the clip on this device. */
  path: Type.String(),
  url: Type.String(),
  duration: Type.Number(),
  has_audio: Type.Boolean(),
});
export type StillClip = Static<typeof StillClip>;

/** How a picture of another shape than the screen's is fitted: blurred fill, crop, or letterbox. */
export const MediaFit = Type.Union([Type.Literal('blur'), Type.Literal('cover'), Type.Literal('contain')]);
export type MediaFit = Static<typeof MediaFit>;

/**
 * The first version's MediaItem, plus what Loop adds (kind, thumbnail_url, error, path, sha256,
 * source). width/height/duration/frame_count describe the converted clip once ready, the upload before.
 */
export const MediaItem = Type.Object({
  slug: Type.String(),
  /** The name it was uploaded with: metadata only, never a path on this device. */
  filename: Type.String(),
  /** MIME type of the upload. */
  type: Type.String(),
  /** Bytes of the upload. */
  size: Type.Number(),
  uploadedAt: Type.String(),
  /** The converted file over HTTP (empty until ready). */
  url: Type.String(),
  thumbnail_url: Nullable(Type.String()),
  kind: MediaKind,
  duration: Type.Optional(Nullable(Type.Number())),
  width: Type.Number(),
  height: Type.Number(),
  frame_count: Type.Number(),
  processing_status: ProcessingStatus,
  error: Type.Optional(Nullable(Type.String())),
  /** Absolute path of the converted file on this device (what the player loads); null until ready. */
  path: Nullable(Type.String()),
  /** SHA-256 of the uploaded content (hex); the slug ends with its first 16 digits. */
  sha256: Type.Optional(Type.String()),
  /** Bytes of the converted file, null until ready. */
  converted_size: Type.Optional(Nullable(Type.Number())),
  /** The job converting it now (the id seen in progress events), null when none. */
  job_id: Type.Optional(Nullable(Type.String())),
  source: Type.Optional(MediaSource),
  /** Whether the converted file has sound (a video's; with media.video.keep_audio and a source that had some). */
  has_audio: Type.Optional(Type.Boolean()),
  /**
   * A still's short clip of the screen's profile (stills only, once made; null before): the player
   * repeats it on its timeline for the still's seconds, so a loop of clips and stills plays as one.
   */
  still_clip: Type.Optional(Nullable(StillClip)),
  /** This item's own fit (null: the default, the owner's setting or media.display.fit). */
  fit: Type.Optional(Nullable(MediaFit)),
  /** Whether its fit can still be changed: its original is kept (a cropped clip cannot be made whole again). */
  refit: Type.Optional(Type.Boolean()),
});
export type MediaItem = Static<typeof MediaItem>;

/**
 * On the first version's surfaces (REST and /ws) a playable item says `completed`, as it did there
 * (its clients test for it); on MQTT it says `ready`. The mapping is data, applied in one function.
 */
export const V1_PROCESSING_STATUS = { queued: 'queued', processing: 'processing', ready: 'completed', failed: 'failed' } as const;
export const V1MediaItem = Type.Object({
  ...MediaItem.properties,
  processing_status: Names('queued', 'processing', 'completed', 'failed'),
});
export type V1MediaItem = Static<typeof V1MediaItem>;
export const toV1Item = (item: MediaItem): V1MediaItem => ({
  ...item,
  processing_status: V1_PROCESSING_STATUS[item.processing_status],
});

/** Bytes the library holds on disk, against the configured quota and the disk's free space. */
export const MediaStorage = Type.Object({
  used_bytes: Type.Number(),
  /** The most the library may hold (media.max_storage_bytes, else max_storage_share of the disk's size). */
  quota_bytes: Nullable(Type.Number()),
  /** Free on the data disk now. */
  free_bytes: Nullable(Type.Number()),
  /** The data disk's size. */
  disk_bytes: Nullable(Type.Number()),
  /** What uploads may still add: the smaller of the quota's rest and the disk's free space less media.min_free_bytes. */
  room_bytes: Nullable(Type.Number()),
  items: Type.Integer(),
});
export type MediaStorage = Static<typeof MediaStorage>;

export const MediaState = Type.Object({
  items: Type.Array(MediaItem),
  storage: Type.Optional(MediaStorage),
  updated_at: Type.String(),
});
export type MediaState = Static<typeof MediaState>;

export const MediaStage = Names('uploading', 'queued', 'probing', 'converting', 'thumbnail', 'done', 'failed');
export type MediaStage = Static<typeof MediaStage>;

/** One job's progress on `media/progress`: its id is the same from the first uploaded byte to done. */
export const MediaProgress = Type.Object({
  job_id: Type.String(),
  slug: Nullable(Type.String()),
  filename: Type.String(),
  stage: MediaStage,
  percent: Type.Number(),
  message: Type.Optional(Type.String()),
  bytes_received: Type.Optional(Type.Number()),
  total_bytes: Type.Optional(Nullable(Type.Number())),
  /** Conversion speed relative to real time (ffmpeg's `speed=`), while converting. */
  speed: Type.Optional(Nullable(Type.Number())),
  timestamp: Type.String(),
});
export type MediaProgress = Static<typeof MediaProgress>;

/**
 * One-off library events on `media/event`: `added` when an item is ready (the loop adds it when
 * `add_to_loop`), `deleted` (the loop drops the slug), `failed` (conversion failed).
 */
export const MediaEvent = Type.Object({
  type: Names('added', 'deleted', 'failed'),
  slug: Type.String(),
  item: Type.Optional(MediaItem),
  /** media.add_to_loop from the config: whether the loop should take a new item in. */
  add_to_loop: Type.Optional(Type.Boolean()),
});
export type MediaEvent = Static<typeof MediaEvent>;

const SlugReq = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

/** What an upload answers (first version: `{slug, job_ids}`; Loop adds one entry per file). */
export const UploadResult = Type.Object({
  slug: Nullable(Type.String()),
  job_ids: Type.Array(Type.String()),
  items: Type.Array(
    Type.Object({
      slug: Type.String(),
      job_id: Nullable(Type.String()),
      filename: Type.String(),
      /** `queued`: accepted and converting; `exists`: the same content was already in the library. */
      result: Names('queued', 'exists'),
      /** In the first version's words (REST only): `completed` when playable. */
      item: V1MediaItem,
    }),
  ),
  /** Files of this request that were refused (the others were taken). */
  errors: Type.Array(Type.Object({ filename: Type.String(), code: Type.String(), error: Type.String() })),
});
export type UploadResult = Static<typeof UploadResult>;

export const mediaActions = {
  list: { description: 'The library.', request: Type.Object({}, { additionalProperties: false }), response: MediaState },
  get: { description: 'One library item.', request: SlugReq, response: MediaItem },
  delete: {
    description: 'Delete an item: cancels its job, removes its files, and the loop drops it.',
    request: SlugReq,
    response: Type.Object({ slug: Type.String() }),
    shorthand: 'slug',
  },
  retry: { description: 'Convert a failed item again.', request: SlugReq, response: MediaItem, shorthand: 'slug' },
  fit: {
    description: "Set one item's fit (null: media.display.fit) and convert it again in the background; the old clip plays until then.",
    request: Type.Object({ slug: Type.String({ minLength: 1, maxLength: 200 }), fit: Nullable(MediaFit) }, { additionalProperties: false }),
    response: MediaItem,
  },
  cleanup: {
    description: 'Remove files that no library entry owns.',
    request: Type.Object({}, { additionalProperties: false }),
    response: Type.Object({ removed: Type.Array(Type.String()), freed_bytes: Type.Number() }),
  },
} satisfies Record<string, ActionSpec>;
