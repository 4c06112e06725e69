// Abandoned resumable uploads go: a partial upload (tus file store: `<id>` holds the bytes,
// `<id>.json` what the client declared) that has received no byte for the expiry is removed, and
// so is either half of a pair whose other half is gone. Run at start and on the plugin's lane.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { removeIfThere } from '../../core/util/remove.js';

const META = '.json';

/** Last time the upload changed (its bytes or its record); null when neither is there. */
async function lastActivity(dir: string, id: string): Promise<number | null> {
  const times = await Promise.all(
    [id, `${id}${META}`].map((name) =>
      stat(join(dir, name)).then(
        (s) => s.mtimeMs,
        () => null,
      ),
    ),
  );
  const known = times.filter((t): t is number => t !== null);
  return known.length ? Math.max(...known) : null;
}

/** Removes one partial upload: its record, then its bytes (either may be gone already). */
export async function removeUpload(dir: string, id: string): Promise<void> {
  // The record first: an upload without its record is unknown to the store, never half-resumed.
  await removeIfThere(join(dir, `${id}${META}`));
  await removeIfThere(join(dir, id));
}

/** Removes uploads idle for longer than maxIdleMs; answers the ids removed. */
export async function sweepExpiredUploads(dir: string, maxIdleMs: number, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    // No folder yet: nothing was ever uploaded this way.
    return [];
  }
  const ids = new Set(names.map((n) => (n.endsWith(META) ? n.slice(0, -META.length) : n)));
  const removed: string[] = [];
  for (const id of ids) {
    const at = await lastActivity(dir, id);
    if (at === null || now - at <= maxIdleMs) continue;
    await removeUpload(dir, id);
    removed.push(id);
  }
  return removed;
}

/** How often to look: a quarter of the expiry, at least every hour, at most every second. */
export function sweepIntervalMs(expiryMs: number): number {
  return Math.min(3_600_000, Math.max(1000, Math.round(expiryMs / 4)));
}
