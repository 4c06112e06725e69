// Files the CLI writes as root belong to the data directory's owner: `sudo loop passwd --owner` on a
// device whose data dir is the `loop` user's would otherwise leave root-owned 0600 files that the
// service cannot read (EACCES at the next start).
import { statSync } from 'node:fs';
import { chown } from 'node:fs/promises';

export interface FileOwner {
  uid: number;
  gid: number;
}

/** The data dir's owner when this process is root and the dir is someone else's; null otherwise (nothing to do). */
export function dataDirOwner(dataDir: string): FileOwner | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  try {
    const st = statSync(dataDir);
    return st.uid === 0 && st.gid === 0 ? null : { uid: st.uid, gid: st.gid };
  } catch {
    // No data dir yet: it is made by this process, so it is root's and nothing needs handing over.
    return null;
  }
}

/** Gives `paths` to `owner` (no-op for null). */
export async function giveTo(owner: FileOwner | null, ...paths: string[]): Promise<void> {
  if (!owner) return;
  for (const p of paths) await chown(p, owner.uid, owner.gid);
}
