// Which data directory a running Loop of this checkout uses, so that `loop token`, `loop passwd
// --owner` and `loop setup-code` find it without LOOP_DATA_DIR or --config repeated (issue 21: the
// README's `LOOP_DATA_DIR=/tmp/loop npm start`, then `loop token create`, made a token in ./data).
// `loop start` leaves a note (its pid and data dir) in a folder of this user's, named for the
// checkout, and removes it on exit; a note whose process is gone is ignored.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';

interface Note {
  pid: number;
  data_dir: string;
}

const uid = (): number | null => process.getuid?.() ?? null;
const noteDir = (): string => join(process.env.XDG_RUNTIME_DIR ?? tmpdir(), `loop-${uid() ?? 'user'}`);
/** One note per checkout: two checkouts run side by side without reading each other's. */
export const notePath = (): string => join(noteDir(), `${createHash('sha256').update(packageRoot).digest('hex').slice(0, 16)}.json`);

/** Only a folder of this user's, that nobody else may write in, is trusted (a shared /tmp could hold anyone's). */
function ownFolder(dir: string): boolean {
  const st = lstatSync(dir);
  return st.isDirectory() && (uid() === null || st.uid === uid()) && (st.mode & 0o022) === 0;
}

/** Leaves the note; answers what removes it. A note that cannot be written costs only this convenience. */
export function noteRunning(dataDir: string): () => void {
  const path = notePath();
  try {
    mkdirSync(noteDir(), { recursive: true, mode: 0o700 });
    if (!ownFolder(noteDir())) return () => undefined;
    writeFileSync(path, JSON.stringify({ pid: process.pid, data_dir: dataDir } satisfies Note), { mode: 0o600 });
  } catch {
    return () => undefined;
  }
  return () => {
    try {
      if ((JSON.parse(readFileSync(path, 'utf8')) as Note).pid === process.pid) rmSync(path);
    } catch {
      // Gone already, or another start's note now: either way not ours to remove.
    }
  };
}

/** The running Loop of this checkout and its data dir, or null (none, or its note is stale or not trusted). */
export function runningLoop(): { pid: number; dataDir: string } | null {
  try {
    if (!ownFolder(noteDir())) return null;
    const note = JSON.parse(readFileSync(notePath(), 'utf8')) as Note;
    if (typeof note.pid !== 'number' || typeof note.data_dir !== 'string') return null;
    process.kill(note.pid, 0); // throws when no such process
    return { pid: note.pid, dataDir: note.data_dir };
  } catch {
    return null;
  }
}
