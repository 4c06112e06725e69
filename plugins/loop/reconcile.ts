// Pure: the loop held against the library (the media plugin's retained `media`) and the files on
// disk: which items to drop (the library no longer lists them: a delete whose event a kill -9 lost)
// and why each item left cannot play now (the marks the loop publishes on its items). Table tested.
import type { MediaItem, Unplayable } from '../../core/protocol/index.js';

export interface Reconciled {
  /** Slugs to remove from the loop: the library no longer lists them. */
  gone: string[];
  /** Slug → why it cannot play now; items that can play are absent. */
  marks: Map<string, Unplayable>;
  /** Slug → the converted file that is missing (for the event, and to watch for its return). */
  missingPaths: Map<string, string>;
}

/**
 * `exists` answers whether a converted file is on disk. An empty library drops nothing (fail
 * closed: an index lost or reset must not wipe the loop); its items are marked instead.
 */
export function reconcile(slugs: readonly string[], library: readonly MediaItem[], exists: (path: string) => boolean): Reconciled {
  const bySlug = new Map(library.map((i) => [i.slug, i]));
  const out: Reconciled = { gone: [], marks: new Map(), missingPaths: new Map() };
  for (const slug of slugs) {
    const item = bySlug.get(slug);
    if (!item) {
      if (library.length > 0) out.gone.push(slug);
      else out.marks.set(slug, 'not_in_library');
    } else if (item.processing_status === 'failed') {
      out.marks.set(slug, 'failed');
    } else if (item.processing_status !== 'ready' || !item.path) {
      out.marks.set(slug, 'converting');
    } else if (!exists(item.path)) {
      out.marks.set(slug, 'file_missing');
      out.missingPaths.set(slug, item.path);
    }
  }
  return out;
}

/** The slugs whose mark became `to` between two reconciliations. */
export function newlyMarked(before: ReadonlyMap<string, Unplayable>, after: ReadonlyMap<string, Unplayable>, to: Unplayable): string[] {
  return [...after].filter(([s, m]) => m === to && before.get(s) !== to).map(([s]) => s);
}
