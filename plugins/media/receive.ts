// Streams one uploaded file to a temporary file while hashing it: constant memory whatever the
// size, the limit enforced as bytes arrive, and the partial file removed on any failure.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, statfs, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ActionError } from '../../core/protocol/envelope.js';
import { fsyncPath } from '../../core/store/atomic-write.js';
import { removeIfThere } from '../../core/util/remove.js';
import { ignore } from '../../core/util/swallow.js';

/** Bytes between background fdatasyncs during an upload. */
const SYNC_EVERY = 32 * 1024 * 1024;
/** The file stream's buffer: a few socket reads (64 KiB) queue while one write runs, then go out as one writev. */
const WRITE_HWM = 64 * 1024;

export interface Received {
  path: string;
  sha256: string;
  size: number;
}

export interface ReceiveOptions {
  dir: string;
  maxBytes: number;
  /** Called with the running byte count (the caller throttles what it publishes). */
  onBytes?: (received: number) => void;
  /** Throws (an ActionError) when `received` more bytes would not fit; called every `checkEvery` bytes. */
  checkSpace?: (received: number) => Promise<void>;
  checkEvery?: number;
  signal?: AbortSignal;
}

/** Thrown when storage runs out (a configured quota, min_free_bytes, or ENOSPC): HTTP 507. */
export class StorageFullError extends ActionError {
  constructor(message: string) {
    super('storage_full', message);
    this.name = 'StorageFullError';
  }
}

export async function receiveToTemp(source: Readable, opts: ReceiveOptions): Promise<Received> {
  const path = join(opts.dir, `${randomUUID()}.upload`);
  const hash = createHash('sha256');
  const checkEvery = opts.checkEvery ?? 8 * 1024 * 1024;
  let size = 0;
  let nextCheck = checkEvery;
  let syncFh: FileHandle | null = null;
  // Writeback while the bytes arrive: a background fdatasync every SYNC_EVERY bytes (one at a
  // time), so the fsync at the end has little left to wait for.
  let syncing: Promise<void> | null = null;
  let syncError: Error | null = null;
  let nextSync = SYNC_EVERY;
  const idle = async (): Promise<void> => {
    while (syncing) await syncing;
  };
  const meter = new Transform({
    flush(cb: TransformCallback) {
      void idle().then(() => cb(syncError));
    },
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (syncError) {
        cb(syncError);
        return;
      }
      if (size >= nextSync && !syncing) {
        nextSync = size + SYNC_EVERY;
        // Any descriptor of the file flushes its data; the write stream's own is not exposed.
        syncing = (async () => {
          syncFh ??= await open(path, 'r');
          await syncFh.datasync();
        })().then(
          () => {
            syncing = null;
          },
          (err: unknown) => {
            syncing = null;
            syncError = err as Error;
          },
        );
      }
      size += chunk.length;
      if (size > opts.maxBytes) {
        cb(
          new ActionError(
            'too_large',
            `the file is larger than the upload limit of ${formatBytes(opts.maxBytes)} (media.max_upload_bytes)`,
          ),
        );
        return;
      }
      hash.update(chunk);
      opts.onBytes?.(size);
      if (opts.checkSpace && size >= nextCheck) {
        nextCheck = size + checkEvery;
        opts.checkSpace(size).then(
          () => cb(null, chunk),
          (err: unknown) => cb(err as Error),
        );
        return;
      }
      cb(null, chunk);
    },
  });
  let out: WriteStream | null = null;
  try {
    await opts.checkSpace?.(0);
    try {
      out = createWriteStream(path, { flags: 'wx', mode: 0o644, highWaterMark: WRITE_HWM });
      await pipeline(source, meter, out, { signal: opts.signal });
    } finally {
      await idle(); // no fdatasync may still be running when its descriptor is closed
      // Only the background fdatasync's descriptor: the fsyncPath below is what makes the file durable.
      await (syncFh as FileHandle | null)?.close().catch(ignore('the fsync below makes the file durable'));
    }
    // Durable before anything refers to it: a power cut must not leave the index pointing at a hole.
    await fsyncPath(path);
  } catch (err) {
    // An early failure can reject before the file is even open: unlinking then would leave it behind.
    if (out && !out.closed) await new Promise<void>((resolve) => out?.once('close', () => resolve()));
    // The upload's own error is the answer; a temp file left in incoming/ is removed by the next cleanup.
    await removeIfThere(path).catch(ignore('incoming/ leftovers go at the next cleanup'));
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw new StorageFullError('no space left on the device for this upload');
    // The upload's own stream failing (a body cut before its closing boundary) is the client's fault.
    if (err === source.errored && !(err instanceof ActionError)) {
      throw new ActionError(
        'invalid',
        `the upload ended before its last part was complete (${(err as Error).message.slice(0, 80)}); send it again`,
      );
    }
    throw err;
  }
  return { path, sha256: hash.digest('hex'), size };
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${(n / 1024 / 1024 / 1024).toFixed(1)} GiB`;
  if (n >= 1024 * 1024) return `${Math.round(n / 1024 / 1024)} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}

/** Bytes free for an unprivileged writer on the disk that holds dir; null when it cannot be read. */
export async function diskFree(dir: string): Promise<number | null> {
  return (await diskStats(dir))?.free ?? null;
}

/** Free and total bytes of the disk that holds dir; null when it cannot be read. */
export async function diskStats(dir: string): Promise<{ free: number; total: number } | null> {
  try {
    const s = await statfs(dir);
    return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
  } catch {
    // No statfs (an odd mount): free space is then unknown (null) and only the quota bounds uploads.
    return null;
  }
}
