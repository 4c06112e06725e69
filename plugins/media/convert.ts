// Conversion: a queue of ffmpeg jobs (concurrency 1 on a Pi, nice 10) that make each entry's clip
// and thumbnail at the display profile. Outputs are written under temp names, fsynced and renamed
// before the index names them; a cancelled or failed job leaves nothing behind.
import { rename, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { MediaProgress, MediaStage } from '../../core/protocol/media.js';
import { fsyncPath } from '../../core/store/atomic-write.js';
import { throttle } from '../../core/util/throttle.js';
import { FfmpegCancelled, runFfmpeg } from './ffmpeg-run.js';
import { decodeHeif } from './heif-decode.js';
import { JobQueue } from './jobs.js';
import { TEMP_PREFIX } from './layout.js';
import { probeMedia } from './probe.js';
import { fitFor, profileKey, stillArgs, thumbnailArgs, videoArgs } from './profile.js';
import { EncoderPicker, type Encoder } from './encoder.js';
import { round1, type MediaShared } from './shared.js';
import { makeStillClip, stillClipNames } from './still-clip.js';
import type { MediaConfig } from './config.js';
import type { LibraryEntry } from './library.js';
import { removeIfThere } from '../../core/util/remove.js';
import { logged } from '../../core/util/swallow.js';

const PROGRESS_INTERVAL_MS = 200;

export class Converter {
  private readonly queue: JobQueue;
  private stopping = false;
  /** Job id → the client that queued it (uploads re-queued at start belong to 'device'). */
  private readonly owners = new Map<string, string>();
  /** Still clips ffmpeg could not make, by content and profile: not tried again until the next start. */
  private readonly stillClipsFailed = new Set<string>();
  /** The H.264 encoder, and whether the hardware one has failed since start (encoder.ts). */
  private readonly encoders = new EncoderPicker();

  constructor(private readonly shared: MediaShared) {
    this.queue = new JobQueue(shared.cfg.concurrency, (job, err) => shared.log.error({ err, job: job.id }, 'media job crashed'));
  }

  /**
   * The config an entry is converted with: the screen profile in force when the job runs, and the
   * entry's own fit when it has one.
   */
  configFor(entry: LibraryEntry): MediaConfig {
    const cfg = this.shared.cfg;
    return entry.fit ? { ...cfg, display: { ...cfg.display, fit: entry.fit } } : cfg;
  }

  /** Part of the entry's converted files' names: changes with anything that shapes them. */
  keyFor(entry: LibraryEntry): string {
    return profileKey(this.configFor(entry));
  }

  /** Whether a ready still lacks its clip and it is worth making (not already failed for this profile in this run). */
  lacksStillClip(entry: LibraryEntry): boolean {
    return entry.kind === 'image' && !entry.still_clip && !this.stillClipsFailed.has(`${entry.sha256}-${this.keyFor(entry)}`);
  }

  /** Whether the entry's conversion is queued or running. */
  has(sha: string): boolean {
    return this.queue.has(sha);
  }

  /** Cancels the job of an entry, if any, and waits until it has let go of its files. */
  cancel(sha: string): Promise<void> {
    return this.queue.cancel(sha);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.queue.stop();
  }

  /** Resolves when no job is queued or running (tests, benches). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Conversions queued or running, in all or for one client. */
  waiting(client?: string): number {
    if (client === undefined) return this.owners.size;
    let n = 0;
    for (const c of this.owners.values()) if (c === client) n++;
    return n;
  }

  enqueue(sha: string, jobId: string, filename: string, client = 'device'): void {
    this.owners.set(jobId, client);
    this.queue.push({
      id: jobId,
      key: sha,
      run: (signal) => this.convert(sha, jobId, signal).finally(() => this.owners.delete(jobId)),
    });
    this.shared.progress({ job_id: jobId, slug: this.shared.bySha(sha)?.slug ?? null, filename, stage: 'queued', percent: 0 });
  }

  /** A HEIF original decoded to temp PNGs beside the clips (added to `owned`: kept from cleanup, removed after). */
  private async decoded(source: string, jobId: string, signal: AbortSignal, owned: string[]): Promise<string> {
    const out = join(this.shared.layout.clips, `${TEMP_PREFIX}${jobId}-heif.png`);
    owned.push(out);
    this.shared.busy.add(out);
    const { picture, files } = await decodeHeif(this.shared.layout.abs(source), out, this.shared.probeLimits.child, signal);
    for (const f of files.filter((f) => !owned.includes(f))) {
      owned.push(f);
      this.shared.busy.add(f);
    }
    return picture;
  }

  private async convert(sha: string, jobId: string, signal: AbortSignal): Promise<void> {
    const start = this.shared.bySha(sha);
    // A ready item converted again for a new screen profile may have only its clip left.
    const source = start?.original ?? (start?.status === 'ready' ? start.clip : null);
    if (!start || !source || signal.aborted) return;
    const { slug, filename, kind } = start;
    const cfg = this.configFor(start);
    const send = (stage: MediaStage, percent: number, extra: Partial<MediaProgress> = {}): void =>
      this.shared.progress({ job_id: jobId, slug, filename, stage, percent: round1(percent), ...extra });

    const again = start.status === 'ready';
    // A re-conversion keeps the item ready (its old clip plays on) until the new one is in place.
    if (!again)
      await this.shared.inTurn(async () => {
        await this.shared.update(sha, { status: 'processing', error: null, job_id: jobId });
        await this.shared.publishState();
      }, signal);
    send('converting', 0);

    const clip = this.shared.layout.clipName(sha, this.keyFor(start), kind);
    const thumb = this.shared.layout.thumbName(sha, this.keyFor(start));
    // A still of this profile whose clip is missing (a library from before still clips, or a clip
    // that failed): only the clip is made, from the picture it has.
    if (again && kind === 'image' && start.clip === clip && start.thumbnail === thumb)
      return this.addStillClip(start, cfg, jobId, signal, send);
    const tmpClip = join(this.shared.layout.clips, `${TEMP_PREFIX}${jobId}-${basename(clip)}`);
    const tmpThumb = join(this.shared.layout.thumbs, `${TEMP_PREFIX}${jobId}-${basename(thumb)}`);
    const still = kind === 'image' ? stillClipNames(this.shared, sha, this.keyFor(start), jobId) : null;
    const owned = [tmpClip, tmpThumb, this.shared.layout.abs(clip), this.shared.layout.abs(thumb)];
    const temps = [tmpClip, tmpThumb, ...(still ? [still.tmp] : [])];
    for (const f of [...owned, ...(still ? [still.tmp, this.shared.layout.abs(still.file)] : [])]) this.shared.busy.add(f);
    try {
      const gate = throttle(PROGRESS_INTERVAL_MS);
      // ffmpeg and the files run off the plugin's lane: a conversion takes minutes on a Pi and would
      // hold every command (a delete, a list) that long. Only the index changes go through inTurn.
      // HEIF: libheif decodes it to a PNG first (under the same limits), and ffmpeg fits that.
      const heif = start.source.format === 'heif' && source === start.original;
      const input = heif ? await this.decoded(source, jobId, signal, owned) : this.shared.layout.abs(source);
      // The upright shape (display matrix counted) and the transfer of the video it converts now.
      const traits = kind === 'video' ? await probeMedia(input, { ...this.shared.probeLimits, maxDurationSeconds: null }) : null;
      const fit = fitFor(cfg.display, cfg.display.fit, traits);
      const encode = (encoder: Encoder): Promise<void> =>
        runFfmpeg({
          input,
          output: tmpClip,
          args: kind === 'video' ? videoArgs(cfg, start.source.has_audio, fit, traits?.hdr === true, encoder) : stillArgs(cfg, fit),
          ffmpegPath: cfg.ffmpeg_path,
          limits: this.shared.probeLimits.child,
          maxPixels: cfg.max_pixels,
          durationSeconds: start.source.duration,
          signal,
          niceness: 10,
          onProgress: (t) => {
            if (!gate()) return;
            send('converting', (t.percent ?? 0) * 0.95, { speed: t.speed, message: `${t.seconds.toFixed(1)} s converted` });
          },
        });
      const encoder = this.encoders.pick(cfg.video.encoder);
      await encode(encoder).catch(async (err: unknown) => {
        const reason = err instanceof Error ? err.message : String(err);
        if (err instanceof FfmpegCancelled || signal.aborted || kind !== 'video' || !this.encoders.failed(encoder, reason)) throw err;
        this.shared.log.warn({ slug, err: reason }, 'the hardware encoder failed: converting with libx264 from now on');
        send('converting', 0, { message: 'the hardware encoder failed: converting with libx264' });
        await encode('libx264');
      });
      const out = await probeMedia(tmpClip, { ...this.shared.probeLimits, maxDurationSeconds: null });
      send('thumbnail', 95);
      const at = kind === 'video' ? Math.min(1, (out.duration ?? 0) / 3) : 0;
      await runFfmpeg({
        input: tmpClip,
        output: tmpThumb,
        args: thumbnailArgs(cfg, at),
        ffmpegPath: cfg.ffmpeg_path,
        limits: this.shared.probeLimits.child,
        maxPixels: cfg.max_pixels,
        signal,
      });
      // A still's clip for the loop's timeline, from the picture just made.
      const made = still ? await makeStillClip(this.shared, cfg, tmpClip, still, signal, slug) : null;
      await fsyncPath(tmpClip);
      await fsyncPath(tmpThumb);
      if (signal.aborted) throw new FfmpegCancelled();
      if (made && 'entry' in made) await rename(made.tmp, this.shared.layout.abs(made.entry.file));
      await rename(tmpClip, this.shared.layout.abs(clip));
      await rename(tmpThumb, this.shared.layout.abs(thumb));
      await fsyncPath(this.shared.layout.clips);
      await fsyncPath(this.shared.layout.thumbs);
      const [clipStat, thumbStat] = await Promise.all([stat(this.shared.layout.abs(clip)), stat(this.shared.layout.abs(thumb))]);
      if (signal.aborted) throw new FfmpegCancelled();
      const original = start.original;
      const keep = cfg.keep_originals;
      const stillClip = made && 'entry' in made ? made.entry : null;
      const replaced = [start.clip, start.thumbnail, start.still_clip?.file].filter(
        (f): f is string => !!f && f !== clip && f !== thumb && f !== stillClip?.file,
      );
      const entry = await this.shared.inTurn(async () => {
        const ready = await this.shared.update(sha, {
          status: 'ready',
          error: null,
          job_id: null,
          clip,
          thumbnail: thumb,
          original: keep ? original : null,
          output: {
            width: out.width,
            height: out.height,
            duration: kind === 'video' ? out.duration : null,
            frame_count: out.frame_count,
            size: clipStat.size,
            thumb_size: thumbStat.size,
            has_audio: out.has_audio,
          },
          ...(kind === 'image' ? { still_clip: stillClip } : {}),
        });
        // Only now that the index no longer names it. A failed unlink leaves an orphan that the next
        // start's cleanup (or the cleanup action) removes, so the clip still counts as converted.
        if (!keep && original)
          await unlink(this.shared.layout.abs(original)).catch((err: Error) =>
            this.shared.log.warn({ slug, err: err.message }, 'converted, but the original was not removed'),
          );
        // A re-conversion's old clip and thumbnail, now that no entry names them (an orphan left by a
        // failed unlink goes at the next cleanup).
        for (const old of replaced)
          await removeIfThere(this.shared.layout.abs(old)).catch(logged(this.shared.log, `old file ${old} not removed`));
        await this.shared.publishState();
        return ready;
      }, signal);
      if (entry) {
        if (made && 'failed' in made) this.stillClipsFailed.add(`${sha}-${this.keyFor(start)}`);
        send('done', 100, made && 'failed' in made ? { message: stillClipFailed(made.failed) } : {});
        if (!again) this.shared.event({ type: 'added', slug, item: this.shared.item(entry), add_to_loop: cfg.add_to_loop });
      }
    } catch (err) {
      // Either temp file may not exist yet (the job stopped before writing it); one that will not go
      // is an orphan for cleanup, and the job's own error is what the item shows.
      await Promise.all(temps.map((p) => removeIfThere(p).catch(logged(this.shared.log, `temp file ${p} not removed`))));
      if (err instanceof FfmpegCancelled || signal.aborted) {
        // Deleted (the delete takes it from here) or stopping (start() re-queues it).
        if (!this.stopping) send('failed', 0, { message: 'cancelled' });
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      this.shared.log.warn({ slug, err: message }, 'media conversion failed');
      if (again) {
        // The item keeps its clip for the old profile: still playable, better than nothing.
        send('failed', 0, { message });
        return;
      }
      const entry = await this.shared
        .inTurn(async () => {
          const failed = await this.shared.update(sha, { status: 'failed', error: message, job_id: null });
          await this.shared.publishState();
          return failed;
        }, signal)
        // Deleted while waiting for its turn: the delete takes it from here, as above.
        .catch((cancelled: unknown) => {
          if (cancelled instanceof FfmpegCancelled) return undefined;
          throw cancelled;
        });
      send('failed', 0, { message });
      if (entry) this.shared.event({ type: 'failed', slug, item: this.shared.item(entry) });
    } finally {
      await Promise.all(owned.slice(4).map((p) => removeIfThere(p).catch(logged(this.shared.log, `decoded picture ${p} not removed`))));
      for (const f of owned) this.shared.busy.delete(f);
      if (still) for (const f of [still.tmp, this.shared.layout.abs(still.file)]) this.shared.busy.delete(f);
    }
  }

  /**
   * A ready still of this profile without its clip: the clip is made from its picture and added to
   * the entry (the picture plays meanwhile). A failure leaves the entry as it was, reported on
   * `media/progress` (`done`, with the reason) and in the log; the still plays as a picture.
   */
  private async addStillClip(
    start: LibraryEntry,
    cfg: MediaConfig,
    jobId: string,
    signal: AbortSignal,
    send: (stage: MediaStage, percent: number, extra?: Partial<MediaProgress>) => void,
  ): Promise<void> {
    if (!start.clip) return;
    const names = stillClipNames(this.shared, start.sha256, this.keyFor(start), jobId);
    const files = [names.tmp, this.shared.layout.abs(names.file)];
    for (const f of files) this.shared.busy.add(f);
    try {
      const made = await makeStillClip(this.shared, cfg, this.shared.layout.abs(start.clip), names, signal, start.slug);
      if ('failed' in made) {
        this.stillClipsFailed.add(`${start.sha256}-${this.keyFor(start)}`);
        return send('done', 100, { message: stillClipFailed(made.failed) });
      }
      if (signal.aborted) throw new FfmpegCancelled();
      await rename(made.tmp, this.shared.layout.abs(made.entry.file));
      await fsyncPath(this.shared.layout.clips);
      const old = start.still_clip?.file;
      await this.shared.inTurn(async () => {
        await this.shared.update(start.sha256, { still_clip: made.entry });
        if (old && old !== made.entry.file)
          await removeIfThere(this.shared.layout.abs(old)).catch(logged(this.shared.log, `old file ${old} not removed`));
        await this.shared.publishState();
      }, signal);
      send('done', 100);
    } catch (err) {
      // Deleted or stopping (the delete or the next start takes it from here); the temp file is an orphan otherwise.
      await removeIfThere(names.tmp).catch(logged(this.shared.log, `temp file ${names.tmp} not removed`));
      if (!(err instanceof FfmpegCancelled) && !signal.aborted) throw err;
    } finally {
      for (const f of files) this.shared.busy.delete(f);
    }
  }
}

/** What `media/progress` says when a still's clip could not be made. */
function stillClipFailed(why: string): string {
  return `the still plays as a picture (outside the loop's timeline): its clip could not be made: ${why}`;
}
