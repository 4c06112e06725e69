// One JSON document: the value in memory and its durable copy on disk, never further apart than
// one write in flight. Writes are coalesced: while one is in flight, later values wait and only the
// newest is written next; every caller's promise resolves once a write holding its value is
// durable. A failed write is not retried: the value goes back to the last durable one and every
// waiting caller's promise rejects, so nothing shows as applied that is not on disk.
import { ActionError } from '../protocol/index.js';
import { atomicWrite } from './atomic-write.js';
import { rotateGenerations } from './generations.js';
import type { Envelope } from './load.js';

/** What a document needs from its store: the space reserve and one place to report failures. */
export interface WriteHooks {
  /** Gives the space reserve back; true when there was one (the write is then tried once more). */
  releaseReserve(): Promise<boolean>;
  written(path: string): void;
  failed(path: string, err: unknown): void;
}

export interface SetOptions {
  /**
   * The change frees space (a delete recorded before its files go): on a full disk it may use the
   * space reserve, where any other change is refused.
   */
  freesSpace?: boolean;
}

const FULL = new Set(['ENOSPC', 'EDQUOT']);

export function isDiskFull(err: unknown): boolean {
  return FULL.has((err as NodeJS.ErrnoException | null)?.code ?? '');
}

export class JsonDocument<T> {
  private value: T;
  /** The value on disk: what memory returns to when a write fails. */
  private durable: T;
  private generation = 0;
  private written = 0;
  private writing: Promise<void> | null = null;
  private waiters: Array<{ gen: number; resolve: () => void; reject: (e: unknown) => void }> = [];
  private deferTimer: NodeJS.Timeout | null = null;
  /** The newest generation that must be written now (deferred ones wait for their timer). */
  private due = 0;
  /** The newest generation set with freesSpace (it may use the reserve). */
  private freeingUpTo = 0;
  /** Read from an earlier generation (the document itself was bad or missing): newer facts may be lost. */
  restored = false;

  constructor(
    readonly path: string,
    private readonly version: number,
    initial: T,
    private readonly hooks: WriteHooks,
  ) {
    this.value = initial;
    this.durable = initial;
  }

  /** The document's name, as messages show it (`loop.queue`). */
  get name(): string {
    return (this.path.split('/').pop() ?? this.path).replace(/\.json$/, '');
  }

  get(): T {
    return this.value;
  }

  /** Replace the value; resolves when it is durable on disk (the acknowledgement), rejects when it could not be written. */
  set(value: T, opts: SetOptions = {}): Promise<void> {
    this.value = value;
    const gen = ++this.generation;
    this.due = gen;
    if (opts.freesSpace) this.freeingUpTo = gen;
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

  async update(fn: (current: T) => T, opts: SetOptions = {}): Promise<T> {
    const next = fn(this.value);
    await this.set(next, opts);
    return next;
  }

  /** Resolves when everything set so far is on disk, or was given up (a failed write is reported, not retried). */
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
    const value = this.value;
    const mayUseReserve = this.freeingUpTo > this.written;
    const body = JSON.stringify({ schema: this.version, data: value } satisfies Envelope, null, 1);
    this.writing = this.write(body, mayUseReserve)
      .then(
        () => {
          this.written = gen;
          this.durable = value;
          this.settle(gen);
          this.hooks.written(this.path);
        },
        (err: unknown) => this.fail(err),
      )
      .finally(() => {
        this.writing = null;
        this.kick();
      });
  }

  private async write(body: string, mayUseReserve: boolean): Promise<void> {
    const attempt = () => atomicWrite(this.path, body, 0o600, () => rotateGenerations(this.path));
    try {
      await attempt();
    } catch (err) {
      if (!(mayUseReserve && isDiskFull(err) && (await this.hooks.releaseReserve()))) throw err;
      await attempt();
    }
  }

  /**
   * Back to the last durable value, every waiting caller refused, nothing left to retry. A deferred
   * value nobody waits for stays in memory (it was never promised) and is tried again with the next
   * change or deferral, not in a loop.
   */
  private fail(err: unknown): void {
    this.hooks.failed(this.path, err);
    if (this.waiters.length === 0) {
      this.due = this.written;
      return;
    }
    this.value = this.durable;
    this.generation = this.written;
    this.due = this.written;
    this.freeingUpTo = Math.min(this.freeingUpTo, this.written);
    if (this.deferTimer) {
      clearTimeout(this.deferTimer);
      this.deferTimer = null;
    }
    const refusal = isDiskFull(err)
      ? new ActionError('storage_full', `the disk is full: the change to ${this.name} was not saved (delete media to make room)`)
      : new ActionError('internal', `the change to ${this.name} was not saved: ${(err as Error).message}`);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(refusal);
  }

  private settle(gen: number): void {
    const rest: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.gen > gen) rest.push(w);
      else w.resolve();
    }
    this.waiters = rest;
  }
}
