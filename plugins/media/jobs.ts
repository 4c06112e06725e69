// The conversion queue: FIFO, `concurrency` jobs at once (1 on a Pi), each cancellable.
export interface QueuedJob {
  id: string;
  /** The library entry it works on (SHA-256); cancel() finds jobs by it. */
  key: string;
  run(signal: AbortSignal): Promise<void>;
}

interface Running {
  job: QueuedJob;
  controller: AbortController;
  done: Promise<void>;
}

export class JobQueue {
  private readonly waiting: QueuedJob[] = [];
  private readonly running = new Map<string, Running>();
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly onError: (job: QueuedJob, err: unknown) => void,
  ) {}

  push(job: QueuedJob): void {
    if (this.stopped) return;
    this.waiting.push(job);
    this.pump();
  }

  has(key: string): boolean {
    return this.running.has(key) || this.waiting.some((j) => j.key === key);
  }

  get size(): { running: number; waiting: number } {
    return { running: this.running.size, waiting: this.waiting.length };
  }

  /** Removes a waiting job or aborts a running one; resolves once it has stopped. */
  async cancel(key: string): Promise<void> {
    const i = this.waiting.findIndex((j) => j.key === key);
    if (i >= 0) this.waiting.splice(i, 1);
    const r = this.running.get(key);
    if (r) {
      r.controller.abort();
      await r.done;
    }
  }

  /** Resolves when nothing is waiting or running. */
  idle(): Promise<void> {
    if (this.running.size === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.waiting.length = 0;
    const all = [...this.running.values()];
    for (const r of all) r.controller.abort();
    await Promise.all(all.map((r) => r.done));
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift() as QueuedJob;
      const controller = new AbortController();
      const done = job
        .run(controller.signal)
        .catch((err: unknown) => this.onError(job, err))
        .finally(() => {
          this.running.delete(job.key);
          this.pump();
          if (this.running.size === 0 && this.waiting.length === 0) {
            const w = this.idleWaiters;
            this.idleWaiters = [];
            for (const f of w) f();
          }
        });
      this.running.set(job.key, { job, controller, done });
    }
  }
}
