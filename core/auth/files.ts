// Where the owner's hash, the sessions and the API tokens live: <data dir>/auth/, the folder 0700
// and each file 0600, every write atomic. The running Loop and the `loop passwd --owner` /
// `loop token` commands share these files; Loop reloads them when they change (fs.watch, no polling).
import { watch, type FSWatcher } from 'node:fs';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite } from '../store/atomic-write.js';

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

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

function parse<T>(text: string, fallback: T, valid: (v: unknown) => boolean): T {
  try {
    const v = JSON.parse(text) as unknown;
    return valid(v) ? (v as T) : fallback;
  } catch {
    return fallback;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isOwner = (v: unknown): boolean =>
  v === null || (isObject(v) && typeof v.password_hash === 'string' && v.password_hash.startsWith('scrypt$'));
const isList =
  (keys: string[]) =>
  (v: unknown): boolean =>
    Array.isArray(v) && v.every((e) => isObject(e) && keys.every((k) => typeof e[k] === 'string'));

const RULES: { [K in Name]: { fallback: AuthData[K]; valid: (v: unknown) => boolean } } = {
  owner: { fallback: null, valid: isOwner },
  sessions: { fallback: [], valid: isList(['id_hash', 'expires_at']) },
  tokens: { fallback: [], valid: isList(['id', 'name', 'token_hash']) },
};
const NAMES = Object.keys(FILES) as Name[];

export class AuthFiles {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The text each file had when this process last read or wrote it: its own writes are not news. */
  private readonly known = new Map<Name, string>();
  /** Own writes in flight: a reload then would read the old text and undo them, so it waits. */
  private writing = 0;
  private writes = 0;

  constructor(readonly dir: string) {}

  /** Makes the folder (0700, also when it existed with looser bits) and reads everything. */
  async load(): Promise<AuthData> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    const out = { owner: null, sessions: [], tokens: [] } as AuthData;
    for (const [name, text] of await this.texts()) this.adopt(out, name, text);
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
  async changed(): Promise<Partial<AuthData> | null> {
    const before = this.writes;
    const texts = await this.texts();
    if (this.writes !== before || this.writing > 0) return null;
    const out: Partial<AuthData> = {};
    for (const [name, text] of texts) if (this.known.get(name) !== text) this.adopt(out, name, text);
    return out;
  }

  write<K extends Name>(name: K, value: AuthData[K]): Promise<void> {
    const text = JSON.stringify(value, null, 1);
    this.known.set(name, text);
    this.writing++;
    this.writes++;
    return atomicWrite(this.path(name), text, 0o600).finally(() => this.writing--);
  }

  private async texts(): Promise<Array<[Name, string]>> {
    return Promise.all(NAMES.map(async (n): Promise<[Name, string]> => [n, await readText(this.path(n))]));
  }

  private adopt(into: Partial<AuthData>, name: Name, text: string): void {
    this.known.set(name, text);
    const r = RULES[name];
    (into as Record<Name, unknown>)[name] = parse(text, r.fallback, r.valid);
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
      this.watcher.on('error', () => undefined);
    } catch {
      // No inotify (rare): changes made by the CLI then take effect at the next start.
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.close();
  }

  private path(name: Name): string {
    return join(this.dir, FILES[name]);
  }
}
