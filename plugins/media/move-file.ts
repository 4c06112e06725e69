// A finished resumable upload into the library's incoming/ without a second write: a rename when
// both are on one filesystem (the usual case: both live in the data directory), a copy only when
// they are not. And its SHA-256, read once.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, rename, stat, unlink } from 'node:fs/promises';

/** Moves `from` to `to` (which must not exist): renamed, or copied then removed across filesystems. */
export async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    // The data directory spans two mounts (uploads/ elsewhere than media/): one copy is unavoidable.
    await copyFile(from, to);
    await unlink(from);
  }
}

/** The file's SHA-256 and size, read in 64 KiB blocks. */
export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  for await (const block of createReadStream(path, { highWaterMark: 64 * 1024 })) hash.update(block as Buffer);
  return { sha256: hash.digest('hex'), size: (await stat(path)).size };
}
