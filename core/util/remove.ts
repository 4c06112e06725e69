// Removing a file that may already be gone: cleanups that run after a failure (the file may never
// have been made) or twice (a crash between the index and the file). Only "not there" is no error.
import { unlink } from 'node:fs/promises';

/** Removes `path`; a missing file is fine, any other error (EACCES, EIO, EROFS) is thrown. */
export async function removeIfThere(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
