// Where the owner's hash, the sessions and the API tokens live: <data dir>/auth/, the folder 0700
// and each file 0600, every write atomic. The running Loop and the `loop passwd --owner` /
// `loop token` commands share these files; Loop reloads them when they change (fs.watch, no polling).
import { watch, type FSWatcher } from 'node:fs';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type TSchema } from '@sinclair/typebox';
import { checkOnce } from '../config/validate.js';
import { atomicWrite } from '../store/atomic-write.js';
import { giveTo, type FileOwner } from './file-owner.js';

export interface OwnerRecord {
  password_hash: string;
  changed_at: string;
}
export interface SessionRecord {
  id_hash: string;
  created_at: string;
  expires_at: string;
}
export interface TokenRecord {
  id: string;
  name: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
}

export interface AuthData {
  owner: OwnerRecord | null;
  sessions: SessionRecord[];
  tokens: TokenRecord[];
}

const FILES = { owner: 'owner.json', sessions: 'sessions.json', tokens: 'tokens.json' } as const;
type Name = keyof typeof FILES;

export const authDir = (dataDir: string): string => join(dataDir, 'auth');

/** What reading one file gave: its text, null when it does not exist, or why it cannot be read. */
type FileRead = { text: string | null } | { problem: string };

async function readText(path: string): Promise<FileRead> {
  try {
    return { text: await readFile(path, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { text: null };
    return { problem: `cannot be read (${code ?? (err as Error).message})` };
  }
}

// The files' schemas: what a read insists on (the rest of a record is Loop's own and not relied on
// for safety). Checked by the same checker as the store's documents (core/store/load.ts). The auth
// files are not store documents on purpose: the CLI writes them too (from another process), and a
// damaged one must lock the device, never fall back to an earlier generation the way the store does
// (an older sessions or tokens file would bring revoked credentials back, an older owner file an
// old password).
const OwnerFile = Type.Object({ password_hash: Type.String({ pattern: '^scrypt\\$' }) });
const listOf = (keys: string[]) => Type.Array(Type.Object(Object.fromEntries(keys.map((k) => [k, Type.String()]))));

const RULES: { [K in Name]: { missing: AuthData[K]; schema: TSchema } } = {
  owner: { missing: null, schema: OwnerFile },
  sessions: { missing: [], schema: listOf(['id_hash', 'expires_at']) },
  tokens: { missing: [], schema: listOf(['id', 'name', 'token_hash']) },
};
const NAMES = Object.keys(FILES) as Name[];

/**
 * A file's value, or why it has none. Only a missing file means "nothing yet": an empty, truncated,
 * garbage or wrong-typed one is a problem (the caller locks the device; it never reads it as "no owner").
 */
function parse<K extends Name>(name: K, text: string | null): { value: AuthData[K] } | { problem: string } {
  if (text === null) return { value: RULES[name].missing };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: text.trim() === '' ? 'is empty' : 'is not valid JSON (truncated or damaged)' };
  }
  return checkOnce(RULES[name].schema, value).length === 0
    ? { value: value as AuthData[K] }
    : { problem: 'does not hold what Loop wrote there (wrong shape)' };
}

/** What reading the auth files found: the data, and per file that could not be used, why. */
export interface AuthRead {
  data: AuthData;
  problems: Partial<Record<Name, string>>;
}

export type AuthFileName = Name;
export const authFileName = (name: Name): string => FILES[name];

export class AuthFiles {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The text each file had when this process last read or wrote it (null: absent): its own writes are not news. */
  private readonly known = new Map<Name, string | null>();
  /** Own writes in flight: a reload then would read the old text and undo them, so it waits. */
  private writing = 0;
  private writes = 0;

  /** @param owner who gets every file written (the CLI run as root: the data dir's owner); null = whoever runs. */
  constructor(
    readonly dir: string,
    private readonly owner: FileOwner | null = null,
  ) {}

  /** Makes the folder (0700, also when it existed with looser bits) and reads everything. */
  async load(): Promise<AuthRead> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    await giveTo(this.owner, this.dir);
    const out: AuthRead = { data: { owner: null, sessions: [], tokens: [] }, problems: {} };
    for (const [name, read] of await this.texts()) this.adopt(out, name, read);
    return out;
  }

  /** An own write is in flight (it cannot finish within one turn: it waits on the disk). */
  get busy(): boolean {
    return this.writing > 0;
  }

  /**
   * Only the files whose content differs from what this process last read or wrote; null when
   * this process wrote meanwhile (the caller tries again: what it read may predate its own write).
   */
  async changed(): Promise<{ data: Partial<AuthData>; problems: AuthRead['problems']; changed: Name[] } | null> {
    const before = this.writes;
    const texts = await this.texts();
    if (this.writes !== before || this.writing > 0) return null;
    const out = { data: {} as Partial<AuthData>, problems: {} as AuthRead['problems'], changed: [] as Name[] };
    for (const [name, read] of texts) {
      if ('text' in read && this.known.get(name) === read.text) continue;
      out.changed.push(name);
      this.adopt(out, name, read);
    }
    return out;
  }

  write<K extends Name>(name: K, value: AuthData[K]): Promise<void> {
    const text = JSON.stringify(value, null, 1);
    this.known.set(name, text);
    this.writing++;
    this.writes++;
    return atomicWrite(this.path(name), text, 0o600)
      .then(() => giveTo(this.owner, this.path(name)))
      .finally(() => this.writing--);
  }

  private async texts(): Promise<Array<[Name, FileRead]>> {
    return Promise.all(NAMES.map(async (n): Promise<[Name, FileRead]> => [n, await readText(this.path(n))]));
  }

  private adopt(into: { data: Partial<AuthData>; problems: AuthRead['problems'] }, name: Name, read: FileRead): void {
    if ('problem' in read) {
      this.known.delete(name);
      into.problems[name] = read.problem;
      return;
    }
    this.known.set(name, read.text);
    const parsed = parse(name, read.text);
    if ('problem' in parsed) into.problems[name] = parsed.problem;
    else (into.data as Record<Name, unknown>)[name] = parsed.value;
  }

  /** Calls `onChange` (debounced) when another process (the CLI) rewrote a file. */
  watch(onChange: () => void): void {
    try {
      const later = () => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => {
          this.timer = null;
          if (this.writing > 0) later();
          else onChange();
        }, 50);
      };
      this.watcher = watch(this.dir, { persistent: false }, later);
      // A watcher error (the dir removed) only ends live reloads: changes then apply at the next start, as below.
      this.watcher.on('error', () => undefined);
    } catch {
      // No inotify (rare): changes made by the CLI then take effect at the next start.
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.close();
  }

  path(name: Name): string {
    return join(this.dir, FILES[name]);
  }
}
