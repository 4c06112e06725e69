// The library index: one entry per distinct content (SHA-256), persisted through the store.
// Entries name files relative to <dataDir>/media, so the data directory can move.
import { Type, type Static } from '@sinclair/typebox';
import type { JsonDocument, StateStore } from '../../core/store/store.js';
import { Nullable } from '../../core/protocol/envelope.js';
import { MediaFit, MediaKind, MediaSource, ProcessingStatus, type MediaItem } from '../../core/protocol/media.js';
import type { MediaLayout } from './layout.js';

/** The converted clip, once ready. */
const ClipOutput = Type.Object({
  width: Type.Number(),
  height: Type.Number(),
  duration: Nullable(Type.Number()),
  frame_count: Type.Number(),
  size: Type.Number(),
  thumb_size: Type.Number(),
  /** Whether the clip has sound (absent in indexes written before it was recorded). */
  has_audio: Type.Optional(Type.Boolean()),
});

/** A still's short clip of the screen's profile (stills.ts), beside its picture. */
const StillClipFile = Type.Object({
  /** Relative name under media/. */
  file: Type.String(),
  duration: Type.Number(),
  size: Type.Number(),
  has_audio: Type.Boolean(),
});
export type StillClipFile = Static<typeof StillClipFile>;

export const LibraryEntry = Type.Object({
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  slug: Type.String({ minLength: 1 }),
  filename: Type.String(),
  mime: Type.String(),
  size: Type.Number({ minimum: 0 }),
  uploaded_at: Type.String(),
  kind: MediaKind,
  source: Type.Composite([MediaSource, Type.Object({ frame_count: Type.Number(), fps: Nullable(Type.Number()), ext: Type.String() })]),
  status: ProcessingStatus,
  error: Nullable(Type.String()),
  job_id: Nullable(Type.String()),
  /** Relative names (under media/) of the files this entry owns; null when absent. */
  original: Nullable(Type.String()),
  clip: Nullable(Type.String()),
  thumbnail: Nullable(Type.String()),
  output: Nullable(ClipOutput),
  /** This item's fit, over media.display.fit (absent in indexes written before it existed). */
  fit: Type.Optional(Nullable(MediaFit)),
  /** A still's clip, once made (absent in indexes written before stills had one: made in the background). */
  still_clip: Type.Optional(Nullable(StillClipFile)),
});
export type LibraryEntry = Static<typeof LibraryEntry>;

/** The stored index (state/media.library.json), checked against this on every read. */
export const LibraryDoc = Type.Object({ items: Type.Array(LibraryEntry) });
export type LibraryDoc = Static<typeof LibraryDoc>;

export async function openLibrary(store: StateStore): Promise<JsonDocument<LibraryDoc>> {
  return store.open<LibraryDoc>('library', { version: 1, schema: LibraryDoc, defaults: () => ({ items: [] }) });
}

export interface ItemContext {
  /** URL prefix of the files. */
  files: string;
  /** media.video.keep_audio: whether a clip whose source had sound kept it (for entries that did not record it). */
  keepAudio: boolean;
}

/** The public shape (the first version's MediaItem plus Loop's fields). */
export function toItem(e: LibraryEntry, layout: MediaLayout, urls: ItemContext): MediaItem {
  const ready = e.status === 'ready' && e.clip !== null && e.output !== null;
  return {
    slug: e.slug,
    filename: e.filename,
    type: e.mime,
    size: e.size,
    uploadedAt: e.uploaded_at,
    url: ready && e.clip ? `${urls.files}/${e.clip}` : '',
    thumbnail_url: ready && e.thumbnail ? `${urls.files}/${e.thumbnail}` : null,
    kind: e.kind,
    duration: ready ? (e.output?.duration ?? null) : e.source.duration,
    width: ready ? (e.output?.width ?? 0) : e.source.width,
    height: ready ? (e.output?.height ?? 0) : e.source.height,
    frame_count: ready ? (e.output?.frame_count ?? 0) : e.source.frame_count,
    processing_status: e.status,
    error: e.error,
    path: ready && e.clip ? layout.abs(e.clip) : null,
    sha256: e.sha256,
    converted_size: ready ? (e.output?.size ?? null) : null,
    job_id: e.job_id,
    source: {
      format: e.source.format,
      codec: e.source.codec,
      width: e.source.width,
      height: e.source.height,
      duration: e.source.duration,
      has_audio: e.source.has_audio,
    },
    has_audio: e.kind === 'video' ? (e.output?.has_audio ?? (e.source.has_audio && urls.keepAudio)) : false,
    still_clip:
      ready && e.kind === 'image' && e.still_clip
        ? {
            path: layout.abs(e.still_clip.file),
            url: `${urls.files}/${e.still_clip.file}`,
            duration: e.still_clip.duration,
            has_audio: e.still_clip.has_audio,
          }
        : null,
    fit: e.fit ?? null,
    refit: e.original !== null,
  };
}

/** Bytes on disk owned by an entry (from the index: no stat per publish). */
export function entryBytes(e: LibraryEntry): number {
  return (e.original ? e.size : 0) + (e.output ? e.output.size + e.output.thumb_size : 0) + (e.still_clip?.size ?? 0);
}
