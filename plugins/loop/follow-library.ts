// The loop kept true to the library and the disk: at start, on every `media` announcement, after
// every loop command, when the player reports a file missing (`loop/check`) and when the directory
// of a missing file changes, the loop is reconciled (reconcile.ts). Items the library dropped leave
// the loop; the others are marked while they cannot play; each change is said once on bridge/event.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { PluginContext } from '../../core/plugins/api.js';
import type { Unplayable } from '../../core/protocol/index.js';
import type { LoopConfig } from './config.js';
import { newlyMarked, reconcile } from './reconcile.js';

/** What the follower needs of the loop service. */
export interface LoopHolder {
  slugs(): string[];
  /** Removes these slugs (durably) and publishes. */
  drop(slugs: readonly string[]): Promise<void>;
  /** Publishes the loop with these marks when they differ from the last ones. */
  mark(marks: ReadonlyMap<string, Unplayable>): Promise<void>;
}

export class LibraryFollower {
  /** The marks of the last reconciliation (slug → why it cannot play). */
  private marks = new Map<string, Unplayable>();
  /** Slugs announced missing and not yet playable again (converting again after a re-upload counts as still away). */
  private readonly away = new Set<string>();
  /** Directory → its watch, while a missing file was there: its return is an event (inotify), not a poll. */
  private readonly watchers = new Map<string, FSWatcher>();
  /** The reconciliation running or queued; requests during one coalesce into one more run. */
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;
  private stopped = false;
  /** Whether the first reconciliation after start ran (it also announces items the library found broken while Loop was down). */
  private started = false;

  constructor(
    private readonly ctx: PluginContext<LoopConfig>,
    private readonly loop: LoopHolder,
  ) {}

  /** Why each item cannot play, as last found. */
  get current(): ReadonlyMap<string, Unplayable> {
    return this.marks;
  }

  /** Reconciles soon (once, however many ask meanwhile); resolves when done. */
  request(): Promise<void> {
    if (this.queued) return this.queued;
    const run = this.chain.then(() => {
      this.queued = null;
      return this.run();
    });
    this.queued = run;
    this.chain = run.catch((err: unknown) => this.ctx.log.warn({ err: (err as Error).message }, 'could not reconcile the loop'));
    return run;
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private async run(): Promise<void> {
    const media = this.ctx.bus.last('media');
    // No library announced yet (the media plugin is starting, or not running): nothing to hold the loop against.
    if (!media || this.stopped) return;
    const found = reconcile(this.loop.slugs(), media.items, existsSync);
    if (found.gone.length) {
      await this.loop.drop(found.gone);
      for (const slug of found.gone) {
        this.ctx.log.info({ slug }, 'removed from the loop: the library no longer lists it');
        this.ctx.notify('info', `loop: removed "${slug}": it is no longer in the library`, { slug }, 'loop_item_removed');
      }
    }
    const missing = newlyMarked(this.marks, found.marks, 'file_missing');
    const inLoop = new Set(this.loop.slugs());
    const back = [...this.away].filter((s) => inLoop.has(s) && !found.marks.has(s));
    for (const s of [...this.away]) if (!inLoop.has(s) || !found.marks.has(s)) this.away.delete(s);
    for (const s of missing) this.away.add(s);
    this.marks = found.marks;
    await this.loop.mark(found.marks);
    for (const slug of missing) {
      const path = found.missingPaths.get(slug);
      this.ctx.log.warn({ slug, path }, 'loop item skipped: its converted file is missing');
      this.ctx.notify(
        'warning',
        `loop: "${slug}" is skipped: its converted file is missing on disk; it plays again when the file is back or uploaded again`,
        { slug, path },
        'loop_item_missing',
      );
    }
    // At start the media plugin may have found converted files gone while Loop was down and marked
    // those items failed (its recovery announces nothing): the loop says which of its items are skipped.
    if (!this.started) {
      this.started = true;
      for (const [slug, why] of found.marks) {
        if (why !== 'failed') continue;
        const error = media.items.find((i) => i.slug === slug)?.error ?? 'its conversion failed';
        this.ctx.log.warn({ slug, error }, 'loop item skipped');
        this.ctx.notify('warning', `loop: "${slug}" is skipped: ${error}`, { slug, error }, 'loop_item_unplayable');
      }
    }
    for (const slug of back) this.ctx.notify('info', `loop: "${slug}" plays again: its file is back`, { slug }, 'loop_item_restored');
    this.watchDirs(new Set([...found.missingPaths.values()].map((p) => dirname(p))));
  }

  /** Watches exactly these directories (closing the others). */
  private watchDirs(dirs: ReadonlySet<string>): void {
    for (const [dir, w] of this.watchers) {
      if (dirs.has(dir)) continue;
      w.close();
      this.watchers.delete(dir);
    }
    for (const dir of dirs) {
      if (this.watchers.has(dir) || this.stopped) continue;
      try {
        const w = watch(dir, { persistent: false }, () => void this.request());
        w.on('error', (err) => {
          this.ctx.log.warn({ dir, err: err.message }, 'stopped watching for missing media files');
          w.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, w);
      } catch (err) {
        // The directory itself is gone: a new upload or a library change re-checks anyway.
        this.ctx.log.debug({ dir, err: (err as Error).message }, 'cannot watch for a missing media file');
      }
    }
  }
}
