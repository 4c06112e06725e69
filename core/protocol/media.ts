// The media plugin's contract: the library, upload/processing progress and library events.
// Owned by plugins/media; extend fields here (never elsewhere).
import { Type, type Static } from 'typebox';
import type { ActionSpec } from './envelope.js';

export const ProcessingStatus = Type.Union([
  Type.Literal('queued'), Type.Literal('processing'), Type.Literal('ready'), Type.Literal('failed'),
]);
export type ProcessingStatus = Static<typeof ProcessingStatus>;

/** The first version's MediaItem, plus what Loop adds (kind, thumbnail_url, error, path). */
export const MediaItem = Type.Object({
  slug: Type.String(),
  filename: Type.String(),
  type: Type.String(),
  size: Type.Number(),
  uploadedAt: Type.String(),
  url: Type.String(),
  thumbnail_url: Type.Union([Type.String(), Type.Null()]),
  kind: Type.Union([Type.Literal('video'), Type.Literal('image')]),
  duration: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  width: Type.Number(),
  height: Type.Number(),
  frame_count: Type.Number(),
  processing_status: ProcessingStatus,
  error: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  /** Absolute path of the converted file on this device (what the player loads); null until ready. */
  path: Type.Union([Type.String(), Type.Null()]),
});
export type MediaItem = Static<typeof MediaItem>;

export const MediaState = Type.Object({
  items: Type.Array(MediaItem),
  updated_at: Type.String(),
});
export type MediaState = Static<typeof MediaState>;

export const MediaStage = Type.Union([
  Type.Literal('uploading'), Type.Literal('queued'), Type.Literal('probing'), Type.Literal('converting'),
  Type.Literal('thumbnail'), Type.Literal('done'), Type.Literal('failed'),
]);
export type MediaStage = Static<typeof MediaStage>;

export const MediaProgress = Type.Object({
  job_id: Type.String(),
  slug: Type.Union([Type.String(), Type.Null()]),
  filename: Type.String(),
  stage: MediaStage,
  percent: Type.Number(),
  message: Type.Optional(Type.String()),
  bytes_received: Type.Optional(Type.Number()),
  total_bytes: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  timestamp: Type.String(),
});
export type MediaProgress = Static<typeof MediaProgress>;

/** One-off library events on `media/event`: the loop drops deleted slugs from it. */
export const MediaEvent = Type.Object({
  type: Type.Union([Type.Literal('added'), Type.Literal('deleted'), Type.Literal('failed')]),
  slug: Type.String(),
  item: Type.Optional(MediaItem),
});
export type MediaEvent = Static<typeof MediaEvent>;

const SlugReq = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

export const mediaActions = {
  list: { description: 'The library.', request: Type.Object({}, { additionalProperties: false }), response: MediaState },
  delete: {
    description: 'Delete an item: cancels its job, removes its files, and the loop drops it.',
    request: SlugReq, response: Type.Object({ slug: Type.String() }), shorthand: 'slug',
  },
  retry: { description: 'Convert a failed item again.', request: SlugReq, response: MediaItem },
  cleanup: {
    description: 'Remove files that no library entry owns.',
    request: Type.Object({}, { additionalProperties: false }),
    response: Type.Object({ removed: Type.Array(Type.String()), freed_bytes: Type.Number() }),
  },
} satisfies Record<string, ActionSpec>;
