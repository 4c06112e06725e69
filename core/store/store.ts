// JSON documents under the data directory, written atomically, versioned with migrations.
// Writes are coalesced: while one write is in flight, later values wait and only the newest is
// written next; every caller's promise resolves once a write holding its value is durable.
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite, TEMP_MARK } from './atomic-write.js';

export interface DocumentOptions<T> {
  /** Current schema version of the document. */
  version: number;
  defaults: () => T;
  /** migrations[n] turns a version n-1 document into version n. */
  migrations?: Record<number, (old: unknown) => unknown>;
  /** Checks a loaded value; a value that fails is set aside (`.corrupt-<time>`) and defaults are used. */
  validate?: (value: unknown) => value is T;
}

interface Envelope {
  schema: number;
  data: unknown;
}

export class JsonDocument<T> {
  private value: T;
  private generation = 0;
  private written = 0;
  private writing: Promise<void> | null = null;
  private waiters: Array<{ gen: number; resolve: () => void; reject: (e: unknown) => void }> = [];
  private deferTimer: NodeJS.Timeout | null = null;
  /** The newest generation that must be written now (deferred ones wait for their timer). */
  private due = 0;

  constructor(
    readonly path: string,
    private readonly version: number,
    initial: T,
  ) {
    this.value = initial;
  }

  get(): T {
    return this.value;
  }

  /** Replace the value; resolves when it is durable on disk (the acknowledgement). */
  set(value: T): Promise<void> {
    this.value = value;
    const gen = ++this.generation;
    this.due = gen;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ gen, resolve, reject }));
    this.kick();
    return done;
  }

  /**
   * Replace the value now and write it within `withinMs`, without a promise: for state nobody was
   * promised (e.g. which clip the player reached), so it does not cost a flash write each time.
   * A later set() or flush() writes it at once.
   */
  setDeferred(value: T, withinMs: number): void {
    this.value = value;
    ++this.generation;
    if (this.deferTimer) return;
    this.deferTimer = setTimeout(() => {
      this.deferTimer = null;
      this.due = this.generation;
      this.kick();
    }, withinMs);
    this.deferTimer.unref();
  }

  async update(fn: (current: T) => T): Promise<T> {
    const next = fn(this.value);
    await this.set(next);
    return next;
  }

  /** Resolves when everything set so far is on disk. */
  async flush(): Promise<void> {
    if (this.deferTimer) {
      clearTimeout(this.deferTimer);
      this.deferTimer = null;
    }
    while (this.writing || this.written < this.generation) {
      this.due = this.generation;
      if (!this.writing) this.kick();
      await this.writing;
    }
  }

  private kick(): void {
    if (this.writing) return;
    if (this.written >= this.due) return;
    const gen = this.generation;
    const body = JSON.stringify({ schema: this.version, data: this.value } satisfies Envelope, null, 1);
    this.writing = atomicWrite(this.path, body)
      .then(
        () => {
          this.written = gen;
          this.settle(gen, null);
        },
        (err: unknown) => this.settle(gen, err),
      )
      .finally(() => {
        this.writing = null;
        this.kick();
      });
  }

  private settle(gen: number, err: unknown): void {
    const rest: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.gen > gen) rest.push(w);
      else if (err) w.reject(err);
      else w.resolve();
    }
    this.waiters = rest;
  }
}

export class StateStore {
  constructor(
    readonly dir: string,
    private readonly prefix = '',
    /** Shared with scoped stores, so flush() on the root waits for every plugin's documents. */
    private readonly docs = new Map<string, JsonDocument<unknown>>(),
  ) {}

  /** A store whose document names are prefixed (each plugin gets its own). */
  scope(name: string): StateStore {
    return new StateStore(this.dir, `${this.prefix}${name}.`, this.docs);
  }

  async open<T>(name: string, opts: DocumentOptions<T>): Promise<JsonDocument<T>> {
    if (!/^[a-z0-9_.-]+$/i.test(name)) throw new Error(`bad document name: ${name}`);
    const file = join(this.dir, `${this.prefix}${name}.json`);
    const existing = this.docs.get(file);
    if (existing) return existing as JsonDocument<T>;
    await mkdir(this.dir, { recursive: true });
    await removeStaleTemps(this.dir, `${this.prefix}${name}.json`);
    const value = await load(file, opts);
    const doc = new JsonDocument<T>(file, opts.version, value.data);
    this.docs.set(file, doc);
    if (value.rewrite) await doc.set(value.data);
    return doc;
  }

  async flush(): Promise<void> {
    await Promise.all([...this.docs.values()].map((d) => d.flush()));
  }
}

async function load<T>(file: string, opts: DocumentOptions<T>): Promise<{ data: T; rewrite: boolean }> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { data: opts.defaults(), rewrite: false };
    throw err;
  }
  let env: Envelope;
  try {
    env = JSON.parse(raw) as Envelope;
    if (typeof env !== 'object' || env === null || typeof env.schema !== 'number') throw new Error('no schema version');
  } catch (err) {
    // Cannot happen through atomicWrite; keep the evidence rather than overwrite it.
    await atomicWrite(`${file}.corrupt-${Date.now()}`, raw);
    throw new Error(`state file ${file} is not a valid document (${(err as Error).message}); a copy was kept`);
  }
  if (env.schema > opts.version) {
    throw new Error(`state file ${file} has schema ${env.schema}, newer than this Loop understands (${opts.version})`);
  }
  let data: unknown = env.data;
  for (let v = env.schema + 1; v <= opts.version; v++) {
    const migrate = opts.migrations?.[v];
    if (!migrate) throw new Error(`state file ${file}: no migration to schema ${v}`);
    data = migrate(data);
  }
  if (opts.validate && !opts.validate(data)) {
    await atomicWrite(`${file}.corrupt-${Date.now()}`, raw);
    return { data: opts.defaults(), rewrite: true };
  }
  return { data: data as T, rewrite: env.schema !== opts.version };
}

/** Temp files left by a crash mid-write are garbage: the rename never happened. */
async function removeStaleTemps(dir: string, base: string): Promise<void> {
  for (const f of await readdir(dir)) {
    if (f.startsWith(base + TEMP_MARK)) await unlink(join(dir, f)).catch(() => undefined);
  }
}
