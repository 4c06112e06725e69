// The media library: the index, its reads, delete, retry, cleanup and recovery after a crash. It
// owns the index and hands the upload (ingest.ts) and the conversion (convert.ts) what they need.
// Crash safety comes from one rule applied everywhere: files are put in place (temp name, fsync,
// rename) before the index refers to them, and removed only after the index has let go of them.
// So after a kill -9 the index never points at a missing file; what is left over is garbage that
// start() removes, and jobs that were running are queued again.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import type { PluginLane } from '../../core/plugins/api.js';
import { ActionError } from '../../core/protocol/envelope.js';
import type { MediaEvent, MediaFit, MediaItem, MediaProgress, MediaState, MediaStorage } from '../../core/protocol/media.js';
import type { JsonDocument, StateStore } from '../../core/store/store.js';
import type { MediaConfig } from './config.js';
import { Converter } from './convert.js';
import { Ingest, type IncomingFile, type IngestResult, type ReceivedFile } from './ingest.js';
import { MediaLayout } from './layout.js';
import { entryBytes, openLibrary, toItem, type LibraryDoc, type LibraryEntry } from './library.js';
import type { ProbeLimits } from './probe.js';
import { FfmpegCancelled, type ChildLimits } from './ffmpeg-run.js';
import { diskStats } from './receive.js';
import { now, type MediaShared } from './shared.js';
import { removeIfThere } from '../../core/util/remove.js';
import { logged } from '../../core/util/swallow.js';

export interface MediaOutputs {
  state(state: MediaState): void;
  progress(p: MediaProgress): void;
  event(e: MediaEvent): void;
}

export interface MediaServiceOptions {
  config: MediaConfig;
  dataDir: string;
  store: StateStore;
  log: Logger;
  /** The plugin's lane: the library's changes run on it in turn with the commands. */
  lane: Pick<PluginLane, 'run'>;
  out: MediaOutputs;
  /** URL prefix under which media/<relative name> is served. */
  filesUrl: string;
  /** The screen as the display plugin publishes it (it owns the profile); media.display when absent. */
  screen?: () => Screen | undefined;
  /** The owner's default fit (the system plugin's `settings` topic); media.display.fit when absent. */
  fit?: () => MediaFit | undefined;
}

/** The display plugin's screen profile: the panel's size as mounted, and how it is turned. */
export interface Screen {
  width: number;
  height: number;
  fps: number;
  rotation?: number;
}

/**
 * The media config with the display plugin's screen profile, when it publishes one. A panel turned
 * 90 or 270 degrees shows a portrait canvas (a 320x240 panel mounted upright is 240x320): clips are
 * made upright at that shape, and the player turns them onto the panel (mpv's video-rotate).
 */
export function withScreen(c: MediaConfig, s: Screen | undefined): MediaConfig {
  if (!s) return c;
  const turned = s.rotation === 90 || s.rotation === 270;
  const [width, height] = turned ? [s.height, s.width] : [s.width, s.height];
  return { ...c, display: { ...c.display, width, height, fps: s.fps } };
}

export type { IncomingFile, IngestResult };

export class MediaService {
  readonly layout: MediaLayout;
  private doc!: JsonDocument<LibraryDoc>;
  /** Files that must survive a cleanup although no entry owns them yet (uploads, job outputs). */
  private readonly busy = new Set<string>();
  private freeBytes: number | null = null;
  private diskTotal: number | null = null;
  private readonly converter: Converter;
  private readonly ingester: Ingest;

  constructor(private readonly options: MediaServiceOptions) {
    this.layout = new MediaLayout(options.dataDir);
    const shared: MediaShared = {
      get cfg() {
        const fit = options.fit?.();
        const cfg = withScreen(options.config, options.screen?.());
        return fit ? { ...cfg, display: { ...cfg.display, fit } } : cfg;
      },
      layout: this.layout,
      log: options.log,
      busy: this.busy,
      get probeLimits() {
        return probeLimitsOf(options.config);
      },
      progress: (p) => this.progress(p),
      event: (e) => options.out.event(e),
      bySha: (sha) => this.bySha(sha),
      item: (e) => this.item(e),
      usedBytes: () => this.storage().used_bytes,
      quotaBytes: () => this.quotaBytes(),
      inTurn: (step, signal) => this.inTurn(step, signal),
      put: (entry) =>
        this.inTurn(async () => {
          await this.doc.update((d) => ({ items: [...d.items.filter((e) => e.sha256 !== entry.sha256), entry] }));
          await this.publishState();
        }),
      update: (sha, patch) => this.update(sha, patch),
      publishState: () => this.publishState(),
    };
    this.converter = new Converter(shared);
    this.ingester = new Ingest(shared, this.converter);
  }

  /** Receives one file of an upload, checks it and queues its conversion (see ingest.ts). */
  ingest(file: IncomingFile): Promise<IngestResult> {
    return this.ingester.ingest(file);
  }

  /** A file already received in full on this disk (a finished resumable upload): moved in, not copied. */
  ingestFile(file: ReceivedFile): Promise<IngestResult> {
    return this.ingester.ingestFile(file);
  }

  /** Throws `busy` (429) while the conversion queue is full, in all or for this client: before a byte is taken. */
  admit(client: string): void {
    this.ingester.admit(client);
  }

  /** An upload's bytes so far, on the progress topic (the caller rate-limits). */
  uploadProgress(jobId: string, filename: string | undefined, received: number, total: number | null): void {
    this.ingester.uploadProgress(jobId, filename, received, total);
  }

  /** Throws StorageFullError (507) when `bytes` more would not fit (the quota, min_free_bytes); `held`: partial uploads' bytes. */
  checkRoom(bytes: number, held = 0): Promise<void> {
    return this.ingester.checkRoom(bytes, held);
  }

  private get cfg(): MediaConfig {
    return this.options.config;
  }

  // ---- lifecycle -------------------------------------------------------------------------

  async start(): Promise<void> {
    for (const dir of this.layout.dirs) await mkdir(dir, { recursive: true });
    this.doc = await openLibrary(this.options.store);
    await this.recover();
    await this.publishState();
  }

  async stop(): Promise<void> {
    await this.converter.stop();
    await this.doc?.flush();
  }

  /**
   * Converts again, in the background, every ready item whose clip was made for another profile:
   * from the original when it was kept, else, when the canvas changed (a rotation, another panel),
   * from the clip itself (the best copy left). The old clip plays until the new one is in place.
   */
  reconvertStale(): number {
    let queued = 0;
    for (const e of this.entries()) {
      if (e.status !== 'ready' || !e.clip || this.converter.has(e.sha256)) continue;
      // A still without its clip (a library from before stills had one) gets it, from its picture.
      const stillWithoutClip = this.converter.lacksStillClip(e);
      if (e.clip.includes(`-${this.converter.keyFor(e)}.`) && !stillWithoutClip) continue;
      // Without its original, only a new canvas is worth a lossy re-encode of the clip: a new fit
      // or encoder setting cannot be applied to what the clip already cropped (e.g. after an
      // upgrade whose default fit differs, nothing is converted again).
      const { width, height } = this.converter.configFor(e).display;
      if (!e.original && !stillWithoutClip && e.output?.width === width && e.output.height === height) continue;
      this.converter.enqueue(e.sha256, randomUUID(), e.filename);
      queued++;
    }
    if (queued) this.options.log.info({ queued }, 'the screen profile or a fit changed, or stills lack their clip: converting again');
    return queued;
  }

  /** Waits until the queue is empty (tests, benches). */
  idle(): Promise<void> {
    return this.converter.idle();
  }

  /**
   * After a crash: entries whose files are gone are re-queued (original still there) or marked
   * failed; interrupted jobs are re-queued; files no entry owns (temp files, half uploads) go.
   */
  private async recover(): Promise<void> {
    const requeue: LibraryEntry[] = [];
    const exists = async (rel: string | null): Promise<boolean> =>
      !!rel &&
      (await stat(this.layout.abs(rel)).then(
        () => true,
        () => false,
      ));
    const fixed: LibraryEntry[] = [];
    let changed = false;
    for (const e of this.doc.get().items) {
      const hasOriginal = await exists(e.original);
      const next: LibraryEntry = { ...e, original: hasOriginal ? e.original : null };
      // A still's clip gone is no damage: its picture plays, and the clip is made again (reconvertStale).
      if (e.still_clip && !(await exists(e.still_clip.file))) next.still_clip = null;
      if (e.status === 'ready' && !((await exists(e.clip)) && (await exists(e.thumbnail)))) {
        Object.assign(next, { clip: null, thumbnail: null, output: null, still_clip: null });
        if (hasOriginal) Object.assign(next, { status: 'queued', error: null });
        else Object.assign(next, { status: 'failed', error: 'the converted file is missing and the original is gone; upload it again' });
      } else if (e.status === 'queued' || e.status === 'processing') {
        if (hasOriginal) Object.assign(next, { status: 'queued', error: null });
        else
          Object.assign(next, {
            status: 'failed',
            error: 'interrupted, and the original is gone; upload it again',
            clip: null,
            thumbnail: null,
            output: null,
            still_clip: null,
          });
      }
      if (next.status === 'queued') requeue.push(next);
      if (JSON.stringify(next) !== JSON.stringify(e)) changed = true;
      fixed.push(next);
    }
    // On a full disk the repair cannot be recorded: Loop still comes up, and the next start repairs again.
    const recorded =
      !changed ||
      (await this.doc.set({ items: fixed }).then(
        () => true,
        (err: Error) => (
          this.options.log.error({ err: err.message }, 'could not record the repair of the library; it is done again at the next start'),
          false
        ),
      ));
    if (!recorded) requeue.length = 0;
    if (this.doc.restored) {
      // An earlier generation does not name what came after it: its files stay until a person runs cleanup.
      this.options.log.warn('the library was restored from an earlier generation: files it does not name are kept (cleanup removes them)');
    }
    const { removed } = this.doc.restored ? { removed: [] } : await this.cleanup();
    if (removed.length)
      this.options.log.info(
        { removed: removed.length },
        'removed media files no entry owns (left by an interrupted upload, job or delete)',
      );
    for (const e of requeue) this.converter.enqueue(e.sha256, randomUUID(), e.filename);
  }

  /**
   * The library's changes from uploads and conversions run on the plugin's lane, so none interleaves
   * with a command (delete, retry, cleanup). Only these short steps: a conversion's ffmpeg run stays
   * off the lane (see convert.ts). A job's step stops waiting when the job is cancelled, because the
   * delete that cancels it holds the lane and waits for the job to let go: waiting on would never end.
   * Once a step has started it runs to its end (nothing on the lane can cancel it meanwhile).
   */
  private inTurn<T>(step: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(new FfmpegCancelled());
    return new Promise<T>((resolve, reject) => {
      let started = false;
      const giveUp = (): void => {
        if (!started) reject(new FfmpegCancelled());
      };
      signal?.addEventListener('abort', giveUp, { once: true });
      this.options.lane
        .run(() => {
          if (signal?.aborted) throw new FfmpegCancelled();
          started = true;
          return step();
        })
        // After giveUp these settle a promise already rejected: no effect, and nothing left unhandled.
        .then(resolve, reject)
        .finally(() => signal?.removeEventListener('abort', giveUp));
    });
  }

  // ---- reads -----------------------------------------------------------------------------

  private entries(): LibraryEntry[] {
    return this.doc.get().items;
  }

  private bySlug(slug: string): LibraryEntry | undefined {
    return this.entries().find((e) => e.slug === slug);
  }

  private bySha(sha: string): LibraryEntry | undefined {
    return this.entries().find((e) => e.sha256 === sha);
  }

  item(e: LibraryEntry): MediaItem {
    return toItem(e, this.layout, { files: this.options.filesUrl, keepAudio: this.cfg.video.keep_audio });
  }

  get(slug: string): MediaItem {
    const e = this.bySlug(slug);
    if (!e) throw new ActionError('not_found', `no media item ${slug}`);
    return this.item(e);
  }

  storage(): MediaStorage {
    const items = this.entries();
    const used = items.reduce((n, e) => n + entryBytes(e), 0);
    const quota = this.quotaBytes();
    // The quota is a share of the disk's size, not of what is free: the room is whichever ends first.
    const limits = [
      ...(quota !== null ? [quota - used] : []),
      ...(this.freeBytes !== null ? [this.freeBytes - this.cfg.min_free_bytes] : []),
    ];
    return {
      used_bytes: used,
      quota_bytes: quota,
      free_bytes: this.freeBytes,
      disk_bytes: this.diskTotal,
      room_bytes: limits.length ? Math.max(0, Math.min(...limits)) : null,
      items: items.length,
    };
  }

  list(): MediaState {
    return { items: this.entries().map((e) => this.item(e)), storage: this.storage(), updated_at: now() };
  }

  /** media.max_storage_bytes, else a share of the data disk (so a full library never fills the disk). */
  private quotaBytes(): number | null {
    if (this.cfg.max_storage_bytes !== null) return this.cfg.max_storage_bytes;
    return this.diskTotal === null ? null : Math.floor(this.diskTotal * this.cfg.max_storage_share);
  }

  private async publishState(): Promise<void> {
    const disk = await diskStats(this.layout.root);
    this.freeBytes = disk?.free ?? null;
    this.diskTotal = disk?.total ?? null;
    this.options.out.state(this.list());
  }

  private progress(p: Omit<MediaProgress, 'timestamp'>): void {
    this.options.out.progress({ ...p, timestamp: now() });
  }

  private async update(sha: string, patch: Partial<LibraryEntry>): Promise<LibraryEntry | undefined> {
    let result: LibraryEntry | undefined;
    await this.doc.update((d) => ({
      items: d.items.map((e) => (e.sha256 === sha ? (result = { ...e, ...patch }) : e)),
    }));
    return result;
  }

  // ---- library actions -------------------------------------------------------------------

  async delete(slug: string): Promise<{ slug: string }> {
    const first = this.bySlug(slug);
    if (!first) throw new ActionError('not_found', `no media item ${slug}`);
    await this.converter.cancel(first.sha256);
    // Read again: the job may have finished (and named its files) while it was being cancelled.
    const e = this.bySha(first.sha256);
    if (!e) return { slug };
    // A delete frees space, so on a full disk it may use the store's space reserve (any other change is refused).
    await this.doc.update((d) => ({ items: d.items.filter((x) => x.sha256 !== e.sha256) }), { freesSpace: true });
    // Files go only once the index no longer names them: a crash in between leaves orphans (removed at start), never dangling entries.
    // A file that will not go is logged and left as an orphan for cleanup: the item is deleted all the same.
    for (const rel of [e.original, e.clip, e.thumbnail, e.still_clip?.file])
      if (rel) await removeIfThere(this.layout.abs(rel)).catch(logged(this.options.log, `deleted ${slug}, but ${rel} was not removed`));
    await this.options.store.spaceFreed();
    await this.publishState();
    this.options.out.event({ type: 'deleted', slug });
    return { slug };
  }

  async retry(slug: string): Promise<MediaItem> {
    const e = this.bySlug(slug);
    if (!e) throw new ActionError('not_found', `no media item ${slug}`);
    if (e.status !== 'failed') throw new ActionError('conflict', `${slug} is ${e.status}; only a failed item can be retried`);
    if (!e.original) throw new ActionError('conflict', `the original of ${slug} is gone; upload it again`);
    const jobId = randomUUID();
    const next = await this.update(e.sha256, { status: 'queued', error: null, job_id: jobId });
    await this.publishState();
    this.converter.enqueue(e.sha256, jobId, e.filename);
    return this.item(next ?? e);
  }

  /** Sets one item's fit (null: the config's) and converts it again when it is ready. */
  async setFit(slug: string, fit: MediaFit | null): Promise<MediaItem> {
    const e = this.bySlug(slug);
    if (!e) throw new ActionError('not_found', `no media item ${slug}`);
    // A running job read the fit when it started; a queued one reads it when it starts.
    if (e.status === 'processing') throw new ActionError('conflict', `${slug} is being converted; set its fit once it is ready`);
    // From its clip, a cropped picture cannot be made whole again: only the original can be refitted.
    if (!e.original && e.status === 'ready')
      throw new ActionError('conflict', `the original of ${slug} is gone (media.keep_originals is off); upload it again to change its fit`);
    const next = await this.update(e.sha256, { fit });
    await this.publishState();
    this.reconvertStale();
    return this.item(next ?? e);
  }

  /** Removes files under media/ that no entry owns and no upload or job is writing. */
  async cleanup(): Promise<{ removed: string[]; freed_bytes: number }> {
    const owned = new Set<string>(this.busy);
    for (const e of this.entries()) {
      for (const rel of [e.original, e.clip, e.thumbnail, e.still_clip?.file]) if (rel) owned.add(this.layout.abs(rel));
    }
    const removed: string[] = [];
    let freed = 0;
    for (const dir of this.layout.dirs) {
      // Best effort throughout: a directory, file or unlink that fails now is simply not counted as
      // removed, and the next cleanup (every start) tries again.
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names) {
        const p = join(dir, name);
        if (owned.has(p)) continue;
        const s = await stat(p).catch(() => null);
        if (!s?.isFile()) continue;
        if (
          await unlink(p).then(
            () => true,
            () => false,
          )
        ) {
          removed.push(`${basename(dir)}/${name}`);
          freed += s.size;
        }
      }
    }
    if (removed.length && this.doc) await this.publishState();
    return { removed, freed_bytes: freed };
  }
}

function probeLimitsOf(cfg: MediaConfig): ProbeLimits {
  return {
    maxPixels: cfg.max_pixels,
    maxDurationSeconds: cfg.max_duration_seconds,
    timeoutMs: cfg.probe_timeout_seconds * 1000,
    ffprobePath: cfg.ffprobe_path,
    child: childLimitsOf(cfg),
  };
}

/** The address-space cap every ffmpeg and ffprobe child runs under. */
export function childLimitsOf(cfg: MediaConfig): ChildLimits {
  const mib = cfg.max_decoder_address_space_mib;
  return { addressSpaceBytes: mib === null ? null : mib * 1024 * 1024 };
}
