// Upload in: one file of a request is streamed to a temp file (hashed as it arrives, bounded by
// size and free space), probed, moved into place and put in the index, then queued for conversion.
// An upload is acknowledged only once its entry is durable.
import { randomUUID } from 'node:crypto';
import { rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ActionError } from '../../core/protocol/envelope.js';
import type { MediaItem } from '../../core/protocol/media.js';
import { fsyncPath } from '../../core/store/atomic-write.js';
import { throttle } from '../../core/util/throttle.js';
import type { LibraryEntry } from './library.js';
import { probeMedia } from './probe.js';
import { hashFile, moveFile } from './move-file.js';
import { diskFree, formatBytes, receiveToTemp, StorageFullError, type Received } from './receive.js';
import { now, round1, type MediaShared } from './shared.js';
import { displayName, slugFor } from './slug.js';
import { removeIfThere } from '../../core/util/remove.js';
import { logged } from '../../core/util/swallow.js';

/** One file of an upload request, as the HTTP layer hands it over. */
export interface IncomingFile {
  stream: Readable;
  filename: string | undefined;
  /** Bytes the whole request declares (Content-Length), for percentages; null when unknown. */
  totalBytes: number | null;
  /** Bytes of earlier files in the same request. */
  offsetBytes: number;
  signal?: AbortSignal;
  /** Who sends it (the HTTP client's address), for the per-client bound on queued conversions. */
  client?: string;
  /** The job id, when the upload already has one (else a new one). */
  jobId?: string;
}

/** The conversion queue as the upload sees it: admission counts, and where accepted work goes. */
export interface JobAdmission {
  /** Conversions queued or running, in all or for one client. */
  waiting(client?: string): number;
  enqueue(sha: string, jobId: string, filename: string, client?: string): void;
}

/** A file already received in full on this disk (a finished resumable upload). */
export interface ReceivedFile {
  path: string;
  filename: string | undefined;
  client?: string;
  /** The job id its progress already carried while it was being received. */
  jobId?: string;
}

/** One upload being taken in: its job, its name as shown, who sent it, and how it fails. */
interface Job {
  jobId: string;
  filename: string;
  client: string;
  fail: (err: unknown) => never;
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

const PROGRESS_INTERVAL_MS = 250;

export class Ingest {
  /** Contents being received or probed right now (SHA-256): a second copy gets 409. */
  private readonly claims = new Set<string>();
  /** Bytes being received right now, counted against the quota. */
  private readonly receiving = new Map<string, number>();

  constructor(
    private readonly shared: MediaShared,
    private readonly jobs: JobAdmission,
  ) {}

  /** Receives one file, checks it and queues its conversion. Throws ActionError on refusal. */
  async ingest(file: IncomingFile): Promise<IngestResult> {
    const job = this.begin(file.filename, file.client, file.jobId, true);
    const total = file.totalBytes;
    const gate = throttle(PROGRESS_INTERVAL_MS);
    const sendUpload = (received: number, force = false): void => {
      if (gate(force)) this.uploadProgress(job.jobId, job.filename, file.offsetBytes + received, total);
    };

    sendUpload(0, true);
    this.receiving.set(job.jobId, 0);
    let received: Received;
    try {
      received = await receiveToTemp(file.stream, {
        dir: this.shared.layout.incoming,
        maxBytes: this.shared.cfg.max_upload_bytes,
        signal: file.signal,
        onBytes: (n) => {
          this.receiving.set(job.jobId, n);
          sendUpload(n);
        },
        checkSpace: (n) => this.checkSpace(job.jobId, n, total !== null ? Math.max(0, total - file.offsetBytes) : null),
      });
    } catch (err) {
      return job.fail(err);
    } finally {
      this.receiving.delete(job.jobId);
    }
    return this.accept(job, received, { bytes_received: file.offsetBytes + received.size, total_bytes: total });
  }

  /**
   * A file already received on this disk (a finished resumable upload): moved into incoming/ (a
   * rename; a copy only across filesystems), read once for its hash, then checked and queued as an
   * uploaded file is. The file at `path` is gone afterwards, whatever the outcome.
   */
  async ingestFile(file: ReceivedFile): Promise<IngestResult> {
    // Admitted when it was created (tus-route.ts): a queue that filled meanwhile does not throw its bytes away.
    const job = this.begin(file.filename, file.client, file.jobId, false);
    const temp = join(this.shared.layout.incoming, `${randomUUID()}.upload`);
    let received: Received;
    try {
      await moveFile(file.path, temp);
      const hashed = await hashFile(temp);
      // Durable before anything refers to it (the tus store writes without fsync).
      await fsyncPath(temp);
      received = { path: temp, ...hashed };
    } catch (err) {
      await removeIfThere(temp).catch(logged(this.shared.log, "a finished upload's temp file was not removed"));
      return job.fail(err);
    }
    return this.accept(job, received, { bytes_received: received.size, total_bytes: received.size });
  }

  /** Admission (one client cannot queue work ahead of everyone else) and the job's id and name. */
  private begin(rawName: string | undefined, who: string | undefined, id: string | undefined, admit: boolean): Job {
    const jobId = id ?? randomUUID();
    const filename = displayName(rawName);
    const client = who ?? 'device';
    if (admit) this.admit(client);
    const fail = (err: unknown): never => {
      const message = err instanceof Error ? err.message : String(err);
      this.shared.progress({ job_id: jobId, slug: null, filename, stage: 'failed', percent: 0, message });
      throw err;
    };
    return { jobId, filename, client, fail };
  }

  /** Bytes of an upload in flight, on the progress topic (the caller throttles). */
  uploadProgress(jobId: string, rawName: string | undefined, received: number, total: number | null): void {
    const percent = total ? Math.min(99.9, (received / total) * 100) : 0;
    this.shared.progress({
      job_id: jobId,
      slug: null,
      filename: displayName(rawName),
      stage: 'uploading',
      percent: round1(percent),
      bytes_received: received,
      total_bytes: total,
    });
  }

  /** A received file: the duplicate check, the probe, the move into originals/, the index entry, the queue. */
  private async accept(job: Job, received: Received, done: { bytes_received: number; total_bytes: number | null }): Promise<IngestResult> {
    const { jobId, filename, client, fail } = job;
    const temp = received.path;
    this.shared.busy.add(temp);
    this.shared.progress({ job_id: jobId, slug: null, filename, stage: 'uploading', percent: 100, ...done });

    try {
      const sha = received.sha256;
      const slug = slugFor(filename, sha);
      const existing = this.shared.bySha(sha);
      if (this.claims.has(sha) || existing?.status === 'queued' || existing?.status === 'processing') {
        throw new ActionError('conflict', `the same content is already being processed (${existing?.slug ?? slug})`, {
          slug: existing?.slug ?? slug,
        });
      }
      // A ready item whose converted file went missing on disk is converted again from this upload
      // (the loop marks it until then); otherwise the same content is already here.
      const clipOnDisk = existing?.clip
        ? await stat(this.shared.layout.abs(existing.clip)).then(
            () => true,
            () => false,
          )
        : false;
      if (existing?.status === 'ready' && clipOnDisk) {
        this.shared.progress({
          job_id: jobId,
          slug: existing.slug,
          filename,
          stage: 'done',
          percent: 100,
          message: 'already in the library',
        });
        return { slug: existing.slug, job_id: null, filename, result: 'exists', item: this.shared.item(existing), size: received.size };
      }
      this.claims.add(sha);
      try {
        this.shared.progress({ job_id: jobId, slug, filename, stage: 'probing', percent: 0 });
        const probe = await probeMedia(temp, this.shared.probeLimits);
        const original = this.shared.layout.originalName(sha, probe.ext);
        await rename(temp, this.shared.layout.abs(original));
        await fsyncPath(this.shared.layout.originals);
        this.shared.busy.delete(temp);
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
            format: probe.format,
            codec: probe.codec,
            width: probe.width,
            height: probe.height,
            duration: probe.duration,
            has_audio: probe.has_audio,
            frame_count: probe.frame_count,
            fps: probe.fps,
            ext: probe.ext,
          },
          status: 'queued',
          error: null,
          job_id: jobId,
          original,
          clip: null,
          thumbnail: null,
          output: null,
        };
        // The upload is acknowledged once this is durable.
        await this.shared.put(entry);
        this.jobs.enqueue(sha, jobId, entry.filename, client);
        return { slug: entry.slug, job_id: jobId, filename, result: 'queued', item: this.shared.item(entry), size: received.size };
      } finally {
        this.claims.delete(sha);
      }
    } catch (err) {
      return fail(err);
    } finally {
      // Renamed into place (then gone already) or refused; one that will not go is an orphan for cleanup.
      await removeIfThere(temp).catch(logged(this.shared.log, "an upload's temp file was not removed"));
      this.shared.busy.delete(temp);
    }
  }

  /**
   * A resumable upload's check: throws StorageFullError (507) when `bytes` more would pass the quota
   * or min_free_bytes. `held` is what partial uploads already hold on the disk: counted in the quota
   * (as bytes being received are), not against free space (the disk already shows them).
   */
  checkRoom(bytes: number, held = 0): Promise<void> {
    return this.checkSpace('resumable', 0, bytes, held);
  }

  /** Refuses an upload while too many conversions wait, in all or from this client; says which bound. */
  admit(client: string): void {
    const { max_queued_jobs: all, max_queued_jobs_per_client: each } = this.shared.cfg;
    if (this.jobs.waiting() >= all) {
      throw new ActionError(
        'busy',
        `${all} conversions are already waiting (media.max_queued_jobs); try again when some are done, or raise the bound`,
      );
    }
    if (this.jobs.waiting(client) >= each) {
      throw new ActionError(
        'busy',
        `${each} conversions from this client are already waiting (media.max_queued_jobs_per_client); try again when they are done, or raise the bound`,
      );
    }
  }

  /** Refuses an upload that would pass the quota or leave less than min_free_bytes on the disk. */
  private async checkSpace(jobId: string, received: number, expected: number | null, held = 0): Promise<void> {
    const quota = this.shared.quotaBytes();
    const others = [...this.receiving.entries()].reduce((n, [id, b]) => (id === jobId ? n : n + b), held);
    const incoming = received === 0 ? (expected ?? 0) : received;
    if (quota !== null) {
      const used = this.shared.usedBytes() + others;
      if (used + incoming > quota) {
        throw new StorageFullError(
          `not enough room in the library: ${formatBytes(used)} of ${formatBytes(quota)} used (${this.shared.cfg.max_storage_bytes === null ? 'media.max_storage_share of the disk' : 'media.max_storage_bytes'}); delete something first`,
        );
      }
    }
    const free = await diskFree(this.shared.layout.root);
    if (free === null) return;
    const need = received === 0 ? (expected ?? 0) : 0;
    if (free - need < this.shared.cfg.min_free_bytes) {
      throw new StorageFullError(
        `not enough free space on the device: ${formatBytes(free)} free, ${formatBytes(this.shared.cfg.min_free_bytes)} must stay free (media.min_free_bytes)`,
      );
    }
  }
}
