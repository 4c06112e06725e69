// The library index: one entry per distinct content (SHA-256), persisted through the store.
// Entries name files relative to <dataDir>/media, so the data directory can move.
import type { JsonDocument, StateStore } from '../../core/store/store.js';
import type { MediaItem, MediaKind, MediaSource, ProcessingStatus } from '../../core/protocol/media.js';
import type { MediaLayout } from './layout.js';

export interface LibraryEntry {
  sha256: string;
  slug: string;
  filename: string;
  mime: string;
  size: number;
  uploaded_at: string;
  kind: MediaKind;
  source: MediaSource & { frame_count: number; fps: number | null; ext: string };
  status: ProcessingStatus;
  error: string | null;
  job_id: string | null;
  /** Relative names (under media/) of the files this entry owns; null when absent. */
  original: string | null;
  clip: string | null;
  thumbnail: string | null;
  /** The converted clip, once ready. */
  output: { width: number; height: number; duration: number | null; frame_count: number; size: number; thumb_size: number } | null;
}

export interface LibraryDoc {
  items: LibraryEntry[];
}

const isEntry = (v: unknown): v is LibraryEntry => {
  const e = v as Partial<LibraryEntry> | null;
  return !!e && typeof e.sha256 === 'string' && typeof e.slug === 'string' && typeof e.status === 'string';
};

export async function openLibrary(store: StateStore): Promise<JsonDocument<LibraryDoc>> {
  return store.open<LibraryDoc>('library', {
    version: 1,
    defaults: () => ({ items: [] }),
    validate: (v): v is LibraryDoc => !!v && Array.isArray((v as LibraryDoc).items) && (v as LibraryDoc).items.every(isEntry),
  });
}

export interface UrlBase {
  files: string;
}

/** The public shape (the first version's MediaItem plus Loop's fields). */
export function toItem(e: LibraryEntry, layout: MediaLayout, urls: UrlBase): MediaItem {
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
  };
}

/** Bytes on disk owned by an entry (from the index: no stat per publish). */
export function entryBytes(e: LibraryEntry): number {
  return (e.original ? e.size : 0) + (e.output ? e.output.size + e.output.thumb_size : 0);
}
