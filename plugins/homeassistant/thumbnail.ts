// The current clip's thumbnail as bytes: the media plugin's content-addressed JPEG under the data
// directory. Only names of that exact shape are read, so no library text ever becomes a path.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MediaItem } from '../../core/protocol/index.js';

const THUMB_URL = /^\/media\/files\/(thumbs\/[0-9a-f]{64}-[0-9a-f]{8}\.jpg)$/;

/** The JPEG of an item's thumbnail, or null when it has none (or it cannot be read). */
export async function thumbnailBytes(dataDir: string, item: MediaItem | undefined): Promise<Buffer | null> {
  const m = item?.thumbnail_url ? THUMB_URL.exec(item.thumbnail_url) : null;
  if (!m?.[1]) return null;
  return readFile(join(dataDir, 'media', m[1])).catch(() => null);
}
