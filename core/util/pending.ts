// Promises that a later message settles, each with a deadline: one implementation for every
// "send, then wait for the answer or the time limit" in Loop (the bus's requests, mpv's IPC,
// the player's screen waiters, the test helpers' message waiters).

/** Answers awaited by key (a transaction, a request id); a key settles once, or times out. */
export class PendingAnswers<K, V = unknown, Tag = undefined> {
  private readonly map = new Map<K, { resolve: (v: V) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; tag: Tag }>();

  get size(): number {
    return this.map.size;
  }

  /** Waits for `key`'s answer; past timeoutMs rejects with onTimeout(). `tag` is what settle() may check. */
  wait(key: K, timeoutMs: number, onTimeout: () => Error, tag?: Tag): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.map.delete(key);
        reject(onTimeout());
      }, timeoutMs);
      this.map.set(key, { resolve, reject, timer, tag: tag as Tag });
    });
  }

  /** The tag given at wait(), to check an answer belongs where it came from. */
  tagOf(key: K): Tag | undefined {
    return this.map.get(key)?.tag;
  }

  /** Settles `key` with a value or an error; false when nobody waits for it (late, or unknown). */
  settle(key: K, outcome: { value: V } | { error: Error }): boolean {
    const p = this.map.get(key);
    if (!p) return false;
    this.map.delete(key);
    clearTimeout(p.timer);
    if ('error' in outcome) p.reject(outcome.error);
    else p.resolve(outcome.value);
    return true;
  }

  /** Rejects everything still waiting (the connection is gone). */
  failAll(err: Error): void {
    for (const key of [...this.map.keys()]) this.settle(key, { error: err });
  }
}

/** Waiters for the first value that meets a condition; a waiter past its deadline gets onTimeout(). */
export class Waiters<T> {
  private list: Array<{ pred: (v: T) => boolean; resolve: (v: T) => void; timer: NodeJS.Timeout }> = [];

  wait(pred: (v: T) => boolean, timeoutMs: number, onTimeout: () => T | Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const w = {
        pred,
        resolve,
        timer: setTimeout(() => {
          this.list = this.list.filter((x) => x !== w);
          const out = onTimeout();
          if (out instanceof Error) reject(out);
          else resolve(out);
        }, timeoutMs),
      };
      this.list.push(w);
    });
  }

  /** Hands `v` to every waiter whose condition it meets. */
  offer(v: T): void {
    this.list = this.list.filter((w) => {
      if (!w.pred(v)) return true;
      clearTimeout(w.timer);
      w.resolve(v);
      return false;
    });
  }

  /** Resolves every waiter with `v`, whatever its condition (shutting down). */
  releaseAll(v: T): void {
    for (const w of this.list.splice(0)) {
      clearTimeout(w.timer);
      w.resolve(v);
    }
  }
}
