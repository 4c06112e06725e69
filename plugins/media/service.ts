// The media library at work: uploads in, probe, queue, convert, thumbnail, index, delete, cleanup.
// Crash safety comes from one rule applied everywhere: files are put in place (temp name, fsync,
// rename) before the index refers to them, and removed only after the index has let go of them.
// So after a kill -9 the index never points at a missing file; what is left over is garbage that
// start() removes, and jobs that were running are queued again.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, stat, statfs, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { ActionError } from '../../core/protocol/envelope.js';
import type { MediaEvent, MediaItem, MediaProgress, MediaStage, MediaState, MediaStorage } from '../../core/protocol/media.js';
import type { JsonDocument, StateStore } from '../../core/store/store.js';
import { fsyncDir, fsyncFile } from '../../core/store/atomic-write.js';
import type { MediaConfig } from './config.js';
import { FfmpegCancelled, runFfmpeg } from './ffmpeg-run.js';
import { JobQueue } from './jobs.js';
import { MediaLayout, TEMP_PREFIX } from './layout.js';
import { entryBytes, openLibrary, toItem, type LibraryDoc, type LibraryEntry } from './library.js';
import { probeMedia, type ProbeLimits } from './probe.js';
import { profileKey, stillArgs, thumbnailArgs, videoArgs } from './profile.js';
import { formatBytes, receiveToTemp, StorageFullError } from './receive.js';
import { displayName, slugFor } from './slug.js';

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
  out: MediaOutputs;
  /** URL prefix under which media/<relative name> is served. */
  filesUrl: string;
  /** The screen as the display plugin publishes it (it owns the profile); media.display when absent. */
  screen?: () => { width: number; height: number; fps: number } | undefined;
}

/** One file of an upload request, as the HTTP layer hands it over. */
export interface IncomingFile {
  stream: Readable;
  filename: string | undefined;
  /** Bytes the whole request declares (Content-Length), for percentages; null when unknown. */
  totalBytes: number | null;
  /** Bytes of earlier files in the same request. */
  offsetBytes: number;
  signal?: AbortSignal;
}

export interface IngestResult {
  slug: string;
  job_id: string | null;
  filename: string;
  result: 'queued' | 'exists';
  item: MediaItem;
  /** Bytes this file took in the request. */
  size: number;
}

const now = (): string => new Date().toISOString();
const PROGRESS_INTERVAL_MS = 250;

export class MediaService {
  readonly layout: MediaLayout;
  private doc!: JsonDocument<LibraryDoc>;
  private readonly queue: JobQueue;
  /** Contents being received or probed right now (SHA-256): a second copy gets 409. */
  private readonly claims = new Set<string>();
  /** Files that must survive a cleanup although no entry owns them yet (uploads, job outputs). */
  private readonly busy = new Set<string>();
  /** Bytes being received right now, counted against the quota. */
  private readonly receiving = new Map<string, number>();
  private freeBytes: number | null = null;
  private stopping = false;

  constructor(private readonly o: MediaServiceOptions) {
    this.layout = new MediaLayout(o.dataDir);
    this.queue = new JobQueue(o.config.concurrency, (job, err) => o.log.error({ err, job: job.id }, 'media job crashed'));
  }

  private get cfg(): MediaConfig {
    const s = this.o.screen?.();
    if (!s) return this.o.config;
    return { ...this.o.config, display: { ...this.o.config.display, width: s.width, height: s.height, fps: s.fps } };
  }

  /** Part of every converted file's name: follows the screen profile in force when the job runs. */
  private get key(): string { return profileKey(this.cfg); }

  private get probeLimits(): ProbeLimits {
    return {
      maxPixels: this.cfg.max_pixels, maxDurationSeconds: this.cfg.max_duration_seconds,
      timeoutMs: this.cfg.probe_timeout_seconds * 1000, ffprobePath: this.cfg.ffprobe_path,
    };
  }

  // ---- lifecycle -------------------------------------------------------------------------

  async start(): Promise<void> {
    for (const dir of this.layout.dirs) await mkdir(dir, { recursive: true });
    this.doc = await openLibrary(this.o.store);
    await this.recover();
    await this.publishState();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.queue.stop();
    await this.doc?.flush();
  }

  /** Waits until the queue is empty (tests, benches). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /**
   * After a crash: entries whose files are gone are re-queued (original still there) or marked
   * failed; interrupted jobs are re-queued; files no entry owns (temp files, half uploads) go.
   */
  private async recover(): Promise<void> {
    const requeue: LibraryEntry[] = [];
    const exists = async (rel: string | null): Promise<boolean> => !!rel && (await stat(this.layout.abs(rel)).then(() => true, () => false));
    const fixed: LibraryEntry[] = [];
    let changed = false;
    for (const e of this.doc.get().items) {
      const hasOriginal = await exists(e.original);
      const next: LibraryEntry = { ...e, original: hasOriginal ? e.original : null };
      if (e.status === 'ready' && !((await exists(e.clip)) && (await exists(e.thumbnail)))) {
        Object.assign(next, { clip: null, thumbnail: null, output: null });
        if (hasOriginal) Object.assign(next, { status: 'queued', error: null });
        else Object.assign(next, { status: 'failed', error: 'the converted file is missing and the original is gone; upload it again' });
      } else if (e.status === 'queued' || e.status === 'processing') {
        if (hasOriginal) Object.assign(next, { status: 'queued', error: null });
        else Object.assign(next, { status: 'failed', error: 'interrupted, and the original is gone; upload it again', clip: null, thumbnail: null, output: null });
      }
      if (next.status === 'queued') requeue.push(next);
      if (JSON.stringify(next) !== JSON.stringify(e)) changed = true;
      fixed.push(next);
    }
    if (changed) await this.doc.set({ items: fixed });
    const { removed } = await this.cleanup();
    if (removed.length) this.o.log.info({ removed: removed.length }, 'removed media files no entry owns (left by an interrupted upload, job or delete)');
    for (const e of requeue) this.enqueue(e.sha256, randomUUID(), e.filename);
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
    return toItem(e, this.layout, { files: this.o.filesUrl });
  }

  get(slug: string): MediaItem {
    const e = this.bySlug(slug);
    if (!e) throw new ActionError('not_found', `no media item ${slug}`);
    return this.item(e);
  }

  storage(): MediaStorage {
    const items = this.entries();
    return {
      used_bytes: items.reduce((n, e) => n + entryBytes(e), 0),
      quota_bytes: this.cfg.max_storage_bytes,
      free_bytes: this.freeBytes,
      items: items.length,
    };
  }

  list(): MediaState {
    return { items: this.entries().map((e) => this.item(e)), storage: this.storage(), updated_at: now() };
  }

  private async publishState(): Promise<void> {
    this.freeBytes = await diskFree(this.layout.root);
    this.o.out.state(this.list());
  }

  private progress(p: Omit<MediaProgress, 'timestamp'>): void {
    this.o.out.progress({ ...p, timestamp: now() });
  }

  private async update(sha: string, patch: Partial<LibraryEntry>): Promise<LibraryEntry | undefined> {
    let result: LibraryEntry | undefined;
    await this.doc.update((d) => ({
      items: d.items.map((e) => (e.sha256 === sha ? (result = { ...e, ...patch }) : e)),
    }));
    return result;
  }

  // ---- upload ----------------------------------------------------------------------------

  /** Receives one file, checks it and queues its conversion. Throws ActionError on refusal. */
  async ingest(file: IncomingFile): Promise<IngestResult> {
    const jobId = randomUUID();
    const filename = displayName(file.filename);
    const total = file.totalBytes;
    let lastSent = 0;
    const sendUpload = (received: number, force = false): void => {
      const t = Date.now();
      if (!force && t - lastSent < PROGRESS_INTERVAL_MS) return;
      lastSent = t;
      const all = file.offsetBytes + received;
      const percent = total ? Math.min(99.9, (all / total) * 100) : 0;
      this.progress({
        job_id: jobId, slug: null, filename, stage: 'uploading', percent: round1(percent),
        bytes_received: all, total_bytes: total,
      });
    };
    const fail = (err: unknown): never => {
      const message = err instanceof Error ? err.message : String(err);
      this.progress({ job_id: jobId, slug: null, filename, stage: 'failed', percent: 0, message });
      throw err;
    };

    sendUpload(0, true);
    this.receiving.set(jobId, 0);
    let received;
    try {
      received = await receiveToTemp(file.stream, {
        dir: this.layout.incoming,
        maxBytes: this.cfg.max_upload_bytes,
        signal: file.signal,
        onBytes: (n) => { this.receiving.set(jobId, n); sendUpload(n); },
        checkSpace: (n) => this.checkSpace(jobId, n, total !== null ? Math.max(0, total - file.offsetBytes) : null),
      });
    } catch (err) {
      return fail(err);
    } finally {
      this.receiving.delete(jobId);
    }
    const temp = received.path;
    this.busy.add(temp);
    const done = { bytes_received: file.offsetBytes + received.size, total_bytes: total };
    this.progress({ job_id: jobId, slug: null, filename, stage: 'uploading', percent: 100, ...done });

    try {
      const sha = received.sha256;
      const slug = slugFor(filename, sha);
      const existing = this.bySha(sha);
      if (this.claims.has(sha) || existing?.status === 'queued' || existing?.status === 'processing') {
        throw new ActionError('conflict', `the same content is already being processed (${existing?.slug ?? slug})`,
          { slug: existing?.slug ?? slug });
      }
      if (existing?.status === 'ready') {
        this.progress({ job_id: jobId, slug: existing.slug, filename, stage: 'done', percent: 100, message: 'already in the library' });
        return { slug: existing.slug, job_id: null, filename, result: 'exists', item: this.item(existing), size: received.size };
      }
      this.claims.add(sha);
      try {
        this.progress({ job_id: jobId, slug, filename, stage: 'probing', percent: 0 });
        const probe = await probeMedia(temp, this.probeLimits);
        const original = this.layout.originalName(sha, probe.ext);
        await rename(temp, this.layout.abs(original));
        await fsyncDir(this.layout.originals);
        this.busy.delete(temp);
        const entry: LibraryEntry = {
          sha256: sha,
          // A failed item uploaded again keeps its slug: it is the same content.
          slug: existing?.slug ?? slug,
          filename: existing?.filename ?? filename,
          mime: probe.mime,
          size: received.size,
          uploaded_at: existing?.uploaded_at ?? now(),
          kind: probe.kind,
          source: {
            format: probe.format, codec: probe.codec, width: probe.width, height: probe.height, duration: probe.duration,
            has_audio: probe.has_audio, frame_count: probe.frame_count, fps: probe.fps, ext: probe.ext,
          },
          status: 'queued', error: null, job_id: jobId,
          original, clip: null, thumbnail: null, output: null,
        };
        // The upload is acknowledged once this is durable.
        await this.doc.update((d) => ({ items: [...d.items.filter((e) => e.sha256 !== sha), entry] }));
        await this.publishState();
        this.enqueue(sha, jobId, entry.filename);
        return { slug: entry.slug, job_id: jobId, filename, result: 'queued', item: this.item(entry), size: received.size };
      } finally {
        this.claims.delete(sha);
      }
    } catch (err) {
      return fail(err);
    } finally {
      await unlink(temp).catch(() => undefined);
      this.busy.delete(temp);
    }
  }

  /** Refuses an upload that would pass the quota or leave less than min_free_bytes on the disk. */
  private async checkSpace(jobId: string, received: number, expected: number | null): Promise<void> {
    const quota = this.cfg.max_storage_bytes;
    const others = [...this.receiving.entries()].reduce((n, [id, b]) => (id === jobId ? n : n + b), 0);
    const incoming = received === 0 ? (expected ?? 0) : received;
    if (quota !== null) {
      const used = this.storage().used_bytes + others;
      if (used + incoming > quota) {
        throw new StorageFullError(`not enough room in the library: ${formatBytes(used)} of ${formatBytes(quota)} used (media.max_storage_bytes); delete something first`);
      }
    }
    const free = await diskFree(this.layout.root);
    if (free === null) return;
    const need = received === 0 ? (expected ?? 0) : 0;
    if (free - need < this.cfg.min_free_bytes) {
      throw new StorageFullError(`not enough free space on the device: ${formatBytes(free)} free, ${formatBytes(this.cfg.min_free_bytes)} must stay free (media.min_free_bytes)`);
    }
  }

  // ---- conversion ------------------------------------------------------------------------

  private enqueue(sha: string, jobId: string, filename: string): void {
    this.queue.push({ id: jobId, key: sha, run: (signal) => this.convert(sha, jobId, signal) });
    this.progress({ job_id: jobId, slug: this.bySha(sha)?.slug ?? null, filename, stage: 'queued', percent: 0 });
  }

  private async convert(sha: string, jobId: string, signal: AbortSignal): Promise<void> {
    const start = this.bySha(sha);
    if (!start?.original || signal.aborted) return;
    const { slug, filename, kind } = start;
    const send = (stage: MediaStage, percent: number, extra: Partial<MediaProgress> = {}): void =>
      this.progress({ job_id: jobId, slug, filename, stage, percent: round1(percent), ...extra });

    await this.update(sha, { status: 'processing', error: null, job_id: jobId });
    await this.publishState();
    send('converting', 0);

    const clip = this.layout.clipName(sha, this.key, kind);
    const thumb = this.layout.thumbName(sha, this.key);
    const tmpClip = join(this.layout.clips, `${TEMP_PREFIX}${jobId}-${basename(clip)}`);
    const tmpThumb = join(this.layout.thumbs, `${TEMP_PREFIX}${jobId}-${basename(thumb)}`);
    const owned = [tmpClip, tmpThumb, this.layout.abs(clip), this.layout.abs(thumb)];
    for (const f of owned) this.busy.add(f);
    try {
      let lastTick = 0;
      await runFfmpeg({
        input: this.layout.abs(start.original),
        output: tmpClip,
        args: kind === 'video' ? videoArgs(this.cfg, start.source.has_audio) : stillArgs(this.cfg),
        ffmpegPath: this.cfg.ffmpeg_path,
        durationSeconds: start.source.duration,
        signal,
        niceness: 10,
        onProgress: (t) => {
          const n = Date.now();
          if (n - lastTick < 200) return;
          lastTick = n;
          send('converting', (t.percent ?? 0) * 0.95, { speed: t.speed, message: `${t.seconds.toFixed(1)} s converted` });
        },
      });
      const out = await probeMedia(tmpClip, { ...this.probeLimits, maxDurationSeconds: null });
      send('thumbnail', 95);
      const at = kind === 'video' ? Math.min(1, (out.duration ?? 0) / 3) : 0;
      await runFfmpeg({ input: tmpClip, output: tmpThumb, args: thumbnailArgs(this.cfg, at), ffmpegPath: this.cfg.ffmpeg_path, signal });
      await fsyncFile(tmpClip);
      await fsyncFile(tmpThumb);
      if (signal.aborted) throw new FfmpegCancelled();
      await rename(tmpClip, this.layout.abs(clip));
      await rename(tmpThumb, this.layout.abs(thumb));
      await fsyncDir(this.layout.clips);
      await fsyncDir(this.layout.thumbs);
      const [clipStat, thumbStat] = await Promise.all([stat(this.layout.abs(clip)), stat(this.layout.abs(thumb))]);
      if (signal.aborted) throw new FfmpegCancelled();
      const original = start.original;
      const keep = this.cfg.keep_originals;
      const entry = await this.update(sha, {
        status: 'ready', error: null, job_id: null, clip, thumbnail: thumb,
        original: keep ? original : null,
        output: {
          width: out.width, height: out.height, duration: kind === 'video' ? out.duration : null,
          frame_count: out.frame_count, size: clipStat.size, thumb_size: thumbStat.size,
        },
      });
      // Only now that the index no longer names it.
      if (!keep) await unlink(this.layout.abs(original)).catch(() => undefined);
      await this.publishState();
      if (entry) {
        send('done', 100);
        this.o.out.event({ type: 'added', slug, item: this.item(entry), add_to_loop: this.cfg.add_to_loop });
      }
    } catch (err) {
      await Promise.all([unlink(tmpClip), unlink(tmpThumb)].map((p) => p.catch(() => undefined)));
      if (err instanceof FfmpegCancelled || signal.aborted) {
        // Deleted (the delete takes it from here) or stopping (start() re-queues it).
        if (!this.stopping) send('failed', 0, { message: 'cancelled' });
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      this.o.log.warn({ slug, err: message }, 'media conversion failed');
      const entry = await this.update(sha, { status: 'failed', error: message, job_id: null });
      await this.publishState();
      send('failed', 0, { message });
      if (entry) this.o.out.event({ type: 'failed', slug, item: this.item(entry) });
    } finally {
      for (const f of owned) this.busy.delete(f);
    }
  }

  // ---- library actions -------------------------------------------------------------------

  async delete(slug: string): Promise<{ slug: string }> {
    const first = this.bySlug(slug);
    if (!first) throw new ActionError('not_found', `no media item ${slug}`);
    await this.queue.cancel(first.sha256);
    // Read again: the job may have finished (and named its files) while it was being cancelled.
    const e = this.bySha(first.sha256);
    if (!e) return { slug };
    await this.doc.update((d) => ({ items: d.items.filter((x) => x.sha256 !== e.sha256) }));
    // Files go only once the index no longer names them: a crash in between leaves orphans (removed at start), never dangling entries.
    for (const rel of [e.original, e.clip, e.thumbnail]) if (rel) await unlink(this.layout.abs(rel)).catch(() => undefined);
    await this.publishState();
    this.o.out.event({ type: 'deleted', slug });
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
    this.enqueue(e.sha256, jobId, e.filename);
    return this.item(next ?? e);
  }

  /** Removes files under media/ that no entry owns and no upload or job is writing. */
  async cleanup(): Promise<{ removed: string[]; freed_bytes: number }> {
    const owned = new Set<string>(this.busy);
    for (const e of this.entries()) {
      for (const rel of [e.original, e.clip, e.thumbnail]) if (rel) owned.add(this.layout.abs(rel));
    }
    const removed: string[] = [];
    let freed = 0;
    for (const dir of this.layout.dirs) {
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names) {
        const p = join(dir, name);
        if (owned.has(p)) continue;
        const s = await stat(p).catch(() => null);
        if (!s?.isFile()) continue;
        if (await unlink(p).then(() => true, () => false)) {
          removed.push(`${basename(dir)}/${name}`);
          freed += s.size;
        }
      }
    }
    if (removed.length && this.doc) await this.publishState();
    return { removed, freed_bytes: freed };
  }
}

async function diskFree(dir: string): Promise<number | null> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
