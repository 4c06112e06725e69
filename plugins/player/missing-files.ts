// The converted files the player finds missing on disk, checked before every plan: an `edl://`
// timeline naming one missing file fails whole in mpv (the screen would go idle), so a missing file
// is left out of what the player plans, and the loop is told (it marks the item and says so).
import { existsSync } from 'node:fs';
import type { LoopState, MediaItem } from '../../core/protocol/index.js';

export class MissingFiles {
  /** Slugs of the loop whose converted file was not on disk at the last check. */
  private readonly missing = new Set<string>();

  /** `report` tells the loop about files newly found missing (a bus request: plugins talk over MQTT only). */
  constructor(private readonly report: (slugs: string[]) => void) {}

  /**
   * The library without the loop's items whose file is not on disk now (one stat per loop item:
   * cheap, and only when the loop, the library or mpv changed). A file that came back plays again.
   */
  present(library: ReadonlyMap<string, MediaItem>, loop: LoopState | undefined): Map<string, MediaItem> {
    const out = new Map(library);
    const found: string[] = [];
    const inLoop = new Set(loop?.order ?? []);
    for (const slug of [...this.missing]) if (!inLoop.has(slug) || !library.has(slug)) this.missing.delete(slug);
    for (const slug of inLoop) {
      const item = library.get(slug);
      const path = item?.path;
      if (!item || !path) continue;
      if (existsSync(path)) {
        this.missing.delete(slug);
        // A still whose clip is gone plays as its picture (outside the timeline) until the media plugin makes it again.
        if (item.still_clip && !existsSync(item.still_clip.path)) out.set(slug, { ...item, still_clip: null });
        continue;
      }
      out.delete(slug);
      if (!this.missing.has(slug)) found.push(slug);
      this.missing.add(slug);
    }
    if (found.length) this.report(found);
    return out;
  }

  /** mpv failed to open an entry: the slugs of its files (a timeline's segments) that are gone, reported once. */
  gone(files: ReadonlyArray<{ slug: string; path: string }>): string[] {
    const gone = [...new Set(files.filter((f) => !existsSync(f.path)).map((f) => f.slug))];
    const fresh = gone.filter((s) => !this.missing.has(s));
    for (const s of gone) this.missing.add(s);
    if (fresh.length) this.report(fresh);
    return gone;
  }
}
