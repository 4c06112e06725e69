// Durable replace of a file: temp file, fsync, rename, fsync of the directory.
// After it resolves, a power cut leaves either the old or the new content, never a mix.
import { open, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { removeIfThere } from '../util/remove.js';
import { ignore } from '../util/swallow.js';

let counter = 0;

export const TEMP_MARK = '.tmp-';

/**
 * Files are 0600 by default: state is Loop's own, nobody else on the device needs to read it.
 * `beforeRename` runs once the new content is durable, just before it replaces the old (the store
 * keeps the previous generation there). A failure at any step removes the temp file: a full disk
 * must not fill up with empty ones.
 */
export async function atomicWrite(path: string, data: string | Buffer, mode = 0o600, beforeRename?: () => Promise<void>): Promise<void> {
  const tmp = join(dirname(path), `${basename(path)}${TEMP_MARK}${process.pid}-${++counter}`);
  try {
    const fh = await open(tmp, 'w', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await beforeRename?.();
    await rename(tmp, path);
  } catch (err) {
    // The write's own error is the one to report. A temp file left behind is garbage that the store
    // removes when it next opens this directory (removeStaleTemps).
    await removeIfThere(tmp).catch(ignore('the temp file is removed at the next open'));
    throw err;
  }
  await fsyncPath(dirname(path));
}

/** Flush a file's data, or a directory's entries, to disk (before anything refers to them). */
export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
