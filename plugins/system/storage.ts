// The first version's storage report: how the data directory's disk is shared out.
import { readdir, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { StorageReport } from '../../core/protocol/index.js';
import { diskOf } from './health.js';

/** Bytes under a directory (not following links); missing directories count 0. */
export async function directorySize(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    // Missing or unreadable (no media yet): nothing of ours is there to count.
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await directorySize(p);
    else if (e.isFile()) total += (await lstat(p)).size;
  }
  return total;
}

export async function storageReport(dataDir: string): Promise<StorageReport> {
  const disk = await diskOf(dataDir);
  const media = await directorySize(join(dataDir, 'media'));
  const app = Math.max(0, (await directorySize(dataDir)) - media);
  return {
    total: disk.total,
    used: disk.used,
    free: disk.free,
    system: Math.max(0, disk.used - media - app),
    app,
    media,
    units: 'bytes',
  };
}
