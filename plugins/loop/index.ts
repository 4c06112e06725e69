// The loop plugin: the ordered queue, its mode and defaults, and which item is active. It owns
// the retained `loop` topic; the player reads it and plays what it says (MQTT only, no calls).
// Every command is answered after the store write resolved, so an answer means "survives a power cut".
// It is held against the library and the disk (follow-library.ts): gone items leave, others are marked.
import { definePlugin, type ActionHandlers, type LoopPlugin, type PluginContext } from '../../core/plugins/api.js';
import { loopActions, type LoopState, type MediaEvent, type PlayerState, type Unplayable } from '../../core/protocol/index.js';
import type { JsonDocument } from '../../core/store/store.js';
import { loopConfig, type LoopConfig } from './config.js';
import { LibraryFollower } from './follow-library.js';
import * as q from './queue.js';
import { withRounds } from './rounds.js';
import { loopRoutes } from './routes.js';

// Following the player writes the active item at most once a minute (not at every clip: SD cards
// wear); a kill -9 may resume up to a minute back. Commands are always written before they answer.
const FOLLOW_PERSIST_MS = 60_000;

class LoopService {
  private doc!: JsonDocument<q.LoopDoc>;
  private lastPlayerSlug: string | null = null;
  /** Keeps the loop true to the library and the disk; holds the marks of items that cannot play. */
  readonly follower: LibraryFollower;
  /** The marks last published (so an unchanged reconciliation publishes nothing). */
  private publishedMarks = '';

  constructor(private readonly ctx: PluginContext<LoopConfig>) {
    this.follower = new LibraryFollower(ctx, {
      slugs: () => q.slugsOf(this.doc.get()),
      drop: async (slugs) => {
        await this.apply((d) => slugs.reduce((cur, slug) => q.drop(cur, slug), d));
      },
      mark: (marks) => this.publishMarks(marks),
    });
  }

  async start(): Promise<void> {
    const c = this.ctx.config;
    this.doc = await this.ctx.store.open<q.LoopDoc>('queue', {
      version: q.DOC_VERSION,
      schema: q.LoopDoc,
      migrations: q.migrations,
      defaults: () => q.emptyDoc({ mode: c.mode, repeat: c.repeat, image_duration: c.image_duration, shuffle: c.shuffle }),
    });
    await this.publish();
    // On the lane, in turn with the commands (the host unsubscribes at stop).
    const { lane } = this.ctx;
    lane.follow('media/event', 'follow a library event', (e) => this.onMediaEvent(e));
    lane.follow('player', 'follow the player', (p) => this.onPlayer(p));
    // Every announcement of the library (the first one after a start included) reconciles the loop;
    // not awaited on the lane: the reconciliation applies its result through the commands' own path.
    // A failed one is logged (follow-library.ts) and retried at the next announcement.
    lane.follow('media', 'reconcile with the library', () => void this.follower.request().catch(() => undefined));
    // Logged by the follower as above; a failure must not stop the loop from starting.
    await this.follower.request().catch(() => undefined);
  }

  stop(): void {
    this.follower.stop();
  }

  get state(): LoopState {
    return q.toState(this.doc.get(), this.follower.current);
  }

  private async publishMarks(marks: ReadonlyMap<string, Unplayable>): Promise<void> {
    const key = JSON.stringify([...marks]);
    if (key === this.publishedMarks) return;
    this.publishedMarks = key;
    await this.publish();
  }

  /** Applies an operation, waits until it is durable, publishes, and answers from the result. */
  async apply(op: (d: q.LoopDoc) => q.LoopDoc): Promise<q.LoopDoc> {
    const before = this.doc.get();
    const next = withRounds(before, op(before));
    if (next === before) return before;
    await this.doc.set(next);
    await this.publish();
    // Items may have come in: their marks (file missing, converting) follow.
    if (next.items !== before.items) void this.follower.request();
    return next;
  }

  /** Like apply, for changes nobody was promised (following the player): published now, on disk within a minute. */
  async applyDeferred(op: (d: q.LoopDoc) => q.LoopDoc): Promise<void> {
    const before = this.doc.get();
    const next = withRounds(before, op(before));
    if (next === before) return;
    this.doc.setDeferred(next, FOLLOW_PERSIST_MS);
    await this.publish();
  }

  private async publish(): Promise<void> {
    await this.ctx.bus.publish('loop', this.state, { retain: true });
  }

  /** What the library says about a slug; with no library state at all, nothing can be checked. */
  library: q.LibraryLookup = (slug) => {
    const media = this.ctx.bus.last('media');
    if (!media) return 'no_library';
    const item = media.items.find((i) => i.slug === slug);
    if (!item) return 'unknown';
    if (item.processing_status === 'failed') return 'failed';
    return item.processing_status === 'ready' ? 'ready' : 'pending';
  };

  private async onMediaEvent(e: MediaEvent): Promise<void> {
    try {
      if (e.type === 'deleted') {
        await this.apply((d) => q.drop(d, e.slug));
      } else if (e.type === 'added' && this.ctx.config.auto_add && e.add_to_loop !== false) {
        await this.apply((d) => (d.items.some((i) => i.slug === e.slug) ? d : q.add(d, e.slug, undefined, () => 'ready')));
      }
    } catch (err) {
      this.ctx.log.warn({ err: (err as Error).message, slug: e.slug }, `could not follow media/${e.type}`);
    }
  }

  /**
   * The player moved on by itself: the active item follows. Only a move away from the active item
   * counts (a stand-in played while the active one is not ready does not), and only when the
   * player's state reflects our latest cue.
   */
  private async onPlayer(p: PlayerState): Promise<void> {
    const before = this.lastPlayerSlug;
    this.lastPlayerSlug = p.slug;
    const d = this.doc.get();
    if (p.cue !== d.cue || p.slug === null || p.slug === d.active || before !== d.active) return;
    if (p.state !== 'playing' && p.state !== 'paused') return;
    // A new pass of a shuffled loop starts its round (rounds.ts, in applyDeferred).
    await this.applyDeferred((cur) => q.follow(cur, p.slug as string)).catch((err: unknown) =>
      this.ctx.log.warn({ err: (err as Error).message }, 'could not record the active item'),
    );
  }
}

/** The handlers of a running loop: each applies one queue operation and answers from the result. */
function handlersOf(svc: LoopService): ActionHandlers<typeof loopActions> {
  const slugs = (d: q.LoopDoc) => ({ loop: q.slugsOf(d) });
  const cued = (d: q.LoopDoc) => ({ loop: q.slugsOf(d), active: d.active, cue: d.cue });
  return {
    add: async ({ slug, position }) => slugs(await svc.apply((d) => q.add(d, slug, position, svc.library))),
    remove: async ({ slug }) => slugs(await svc.apply((d) => q.remove(d, slug))),
    reorder: async ({ loop }) => slugs(await svc.apply((d) => q.reorder(d, loop))),
    move: async ({ from, to }) => slugs(await svc.apply((d) => q.move(d, from, to))),
    clear: async () => slugs(await svc.apply(q.clear)),
    activate: async ({ slug }) => {
      const d = await svc.apply((doc) => q.activate(doc, slug, svc.library));
      return { loop: q.slugsOf(d), active: slug, cue: d.cue };
    },
    state: async () => svc.state,
    check: async () => {
      await svc.follower.request();
      return svc.state;
    },
    next: async () => cued(await svc.apply((d) => q.step(d, 1))),
    previous: async () => cued(await svc.apply((d) => q.step(d, -1))),
    mode: async ({ loop_mode }) => ({ loop_mode: (await svc.apply((d) => q.setMode(d, loop_mode))).mode }),
    settings: async (s) => {
      await svc.apply((d) => q.settings(d, s));
      return svc.state;
    },
    item: async ({ slug, ...patch }) => {
      const d = await svc.apply((doc) => q.setItem(doc, slug, patch));
      return d.items.find((i) => i.slug === slug) ?? { slug, repeat: null, duration: null };
    },
  };
}

export default function createLoopPlugin(): LoopPlugin<LoopConfig, typeof loopActions> {
  return definePlugin({
    id: 'loop',
    configSchema: loopConfig,
    actions: loopActions,
    routes: loopRoutes,
    async start(ctx) {
      const svc = new LoopService(ctx);
      await svc.start();
      return { handlers: handlersOf(svc), stop: async () => svc.stop() };
    },
  });
}
