// Where the owner's hash, the sessions and the API tokens live: <data dir>/auth/, the folder 0700
// and each file 0600, every write atomic. The running Loop and the `loop passwd --owner` /
// `loop token` commands share these files; Loop reloads them when they change (fs.watch, no polling).
import { watch, type FSWatcher } from 'node:fs';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite } from '../store/atomic-write.js';

export interface OwnerRecord { password_hash: string; changed_at: string }
export interface SessionRecord { id_hash: string; created_at: string; expires_at: string }
export interface TokenRecord { id: string; name: string; token_hash: string; created_at: string; last_used_at: string | null }

export interface AuthData {
  owner: OwnerRecord | null;
  sessions: SessionRecord[];
  tokens: TokenRecord[];
}

const FILES = { owner: 'owner.json', sessions: 'sessions.json', tokens: 'tokens.json' } as const;
type Name = keyof typeof FILES;

export const authDir = (dataDir: string): string => join(dataDir, 'auth');

async function readJson<T>(path: string, fallback: T, valid: (v: unknown) => boolean): Promise<T> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as unknown;
    return valid(v) ? (v as T) : fallback;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError) return fallback;
    throw err;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isOwner = (v: unknown): boolean => v === null || (isObject(v) && typeof v.password_hash === 'string' && v.password_hash.startsWith('scrypt$'));
const isList = (keys: string[]) => (v: unknown): boolean => Array.isArray(v) && v.every((e) => isObject(e) && keys.every((k) => typeof e[k] === 'string'));

export class AuthFiles {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly dir: string) {}

  /** Makes the folder (0700, also when it existed with looser bits) and reads everything. */
  async load(): Promise<AuthData> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    const [owner, sessions, tokens] = await Promise.all([
      readJson<OwnerRecord | null>(this.path('owner'), null, isOwner),
      readJson<SessionRecord[]>(this.path('sessions'), [], isList(['id_hash', 'expires_at'])),
      readJson<TokenRecord[]>(this.path('tokens'), [], isList(['id', 'name', 'token_hash'])),
    ]);
    return { owner, sessions, tokens };
  }

  write<K extends Name>(name: K, value: AuthData[K]): Promise<void> {
    return atomicWrite(this.path(name), JSON.stringify(value, null, 1), 0o600);
  }

  /** Calls `onChange` (debounced) when another process (the CLI) rewrote a file. */
  watch(onChange: () => void): void {
    try {
      this.watcher = watch(this.dir, { persistent: false }, () => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => {
          this.timer = null;
          onChange();
        }, 50);
      });
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
