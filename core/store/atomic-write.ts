// Durable replace of a file: temp file, fsync, rename, fsync of the directory.
// After it resolves, a power cut leaves either the old or the new content, never a mix.
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let counter = 0;

export const TEMP_MARK = '.tmp-';

export async function atomicWrite(path: string, data: string | Buffer): Promise<void> {
  const tmp = join(dirname(path), `${basename(path)}${TEMP_MARK}${process.pid}-${++counter}`);
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
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
