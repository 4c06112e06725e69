// A few MiB held in a file of its own, given back when the disk is full so that a delete (which
// must be recorded before its files can go) still succeeds, and made again once there is room.
import { open, stat, statfs, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { removeIfThere } from '../util/remove.js';
import { ignore } from '../util/swallow.js';

/** The default size: enough for a large media index to be written once more. */
export const RESERVE_BYTES = 2 * 1024 * 1024;
const CHUNK = 64 * 1024;

export class SpaceReserve {
  /** Whether the reserve file holds its full size (null until first checked). */
  private held: boolean | null = null;
  /** One attempt at a time: a delete and a write finishing together must not both fill it. */
  private making: Promise<boolean> | null = null;

  constructor(
    readonly path: string,
    readonly bytes: number = RESERVE_BYTES,
  ) {}

  get isHeld(): boolean {
    return this.held === true;
  }

  /** Makes the reserve when it is missing; false when the disk has no room for it (nothing is left behind). */
  ensure(): Promise<boolean> {
    if (this.held) return Promise.resolve(true);
    this.making ??= this.make().finally(() => (this.making = null));
    return this.making;
  }

  /** Gives the space back; true when there was a reserve to give. */
  async release(): Promise<boolean> {
    await this.making;
    try {
      await unlink(this.path);
      this.held = false;
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.held = false;
      return false;
    }
  }

  private async make(): Promise<boolean> {
    const size = await stat(this.path).then(
      (s) => s.size,
      () => -1,
    );
    if (size === this.bytes) return (this.held = true);
    // Asked after every good write while missing: without room, say so without writing (flash wear).
    // No statfs: free space unknown, so the write below is simply tried (its failure is the answer).
    const fs = await statfs(dirname(this.path)).catch(() => null);
    if (fs && fs.bavail * fs.bsize < this.bytes - Math.max(size, 0)) return (this.held = false);
    // Zeros really written: a sparse file (truncate) would reserve nothing.
    const zeros = Buffer.alloc(CHUNK);
    try {
      const fh = await open(this.path, 'w', 0o600);
      try {
        for (let done = 0; done < this.bytes; done += CHUNK) {
          await fh.write(zeros, 0, Math.min(CHUNK, this.bytes - done));
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      return (this.held = true);
    } catch {
      // No room for it: the answer is `false` (no reserve to give back), and a
      // half-made reserve goes; if even that fails, the next ensure() writes over it.
      await removeIfThere(this.path).catch(ignore('a half-made reserve is rewritten by the next ensure()'));
      return (this.held = false);
    }
  }
}
