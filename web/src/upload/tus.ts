// The page's resumable uploads (tus 1.0.0 at /api/uploads/tus, docs/media.md): 8 MiB PATCHes, so a
// dropped WiFi link costs at most the chunk in flight; retries on Loop's one backoff rule; and the
// upload's address kept in localStorage (tus-js-client's fingerprint: name, type, size, date), so
// a reloaded page that is given the same file again continues from the bytes the device has.
// tus-js-client (~22 KB gzip) is loaded on the first upload, not with the page.
import type { DetailedError, HttpResponse } from 'tus-js-client';
import { TUS_CHUNK_BYTES, TUS_UPLOAD_PATH, tusJobId } from '../../../core/protocol/uploads.js';
import { backoffDelay } from '../../../core/util/backoff.js';
import { forgetStored } from './paused.js';
import { isRefusal, sentFrom, unreachable, type Sent } from './sent.js';

/** Thrown when the server has no tus route (an older Loop answers 404 to the creation). */
export class NoResumableUploads extends Error {
  constructor() {
    super('this Loop does not take resumable uploads');
    this.name = 'NoResumableUploads';
  }
}

/** Retries within one upload: with the waits below (1 s doubling to 30 s) about five minutes of a lost link. */
const RETRIES = 14;
const RETRY_BOUNDS = { minMs: 1000, maxMs: 30_000 };

let client: Promise<typeof import('tus-js-client')> | null = null;
const tusClient = (): Promise<typeof import('tus-js-client')> => (client ??= import('tus-js-client'));

/** The endpoint as an absolute URL (tus-js-client resolves the upload's Location against it). */
export const tusEndpoint = (): string => new URL(TUS_UPLOAD_PATH, location.href).href;

/**
 * Retry a request that got no answer (the link dropped), tus's own conflicts (409/423: a HEAD finds the
 * offset) and server errors; never one Loop refused in its envelope (a duplicate being processed, no
 * room, not media): the same bytes would be refused again. tus-js-client's own rule also gives up
 * while the browser says it is offline; a phone's WiFi comes back, so this one keeps to the delays.
 */
function shouldRetry(err: DetailedError): boolean {
  const response = err.originalResponse;
  if (!response) return true;
  const status = response.getStatus();
  if (isRefusal(response.getBody() ?? '')) return false;
  return status === 409 || status === 423 || status >= 500;
}

export interface TusProgress {
  /** Bytes the device has confirmed or is receiving, of the file's size. */
  onProgress(sent: number): void;
  /** An unfinished upload of this file (from before a reload) is continued. */
  onResume(): void;
  /** The job id the device's progress events carry for this upload (known once it has an address). */
  onJobId(jobId: string): void;
}

/** Sends one file by tus; resolves with Loop's answer to the last PATCH or its refusal. */
export async function sendTus(file: File, hooks: TusProgress): Promise<Sent> {
  const tus = await tusClient();
  return new Promise<Sent>((resolve, reject) => {
    const upload = new tus.Upload(file, {
      endpoint: tusEndpoint(),
      chunkSize: TUS_CHUNK_BYTES,
      metadata: { filename: file.name, filetype: file.type },
      retryDelays: Array.from({ length: RETRIES }, (_, attempt) => backoffDelay(attempt, Math.random(), RETRY_BOUNDS)),
      onShouldRetry: shouldRetry,
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onProgress: (sent) => hooks.onProgress(sent),
      onUploadUrlAvailable: () => {
        const jobId = tusJobId(upload.url?.split('/').pop() ?? '');
        if (jobId) hooks.onJobId(jobId);
      },
      onSuccess: ({ lastResponse }) => resolve(answerOf(lastResponse)),
      onError: (err) => {
        const detailed = err as Partial<DetailedError>;
        const response = detailed.originalResponse;
        if (!response) return resolve(unreachable(err.message));
        if (detailed.originalRequest?.getMethod() === 'POST' && response.getStatus() === 404) return reject(new NoResumableUploads());
        const sent = sentFrom(response.getStatus(), response.getBody() ?? '');
        // Refused once complete (not media, a duplicate being processed...): the device removed the
        // upload, so there is nothing to resume. Only "no room" comes before the end, and can resume.
        if (!sent.ok && upload.url && isRefusal(response.getBody() ?? '') && sent.code !== 'storage_full') forgetStored(upload.url);
        resolve(sent);
      },
    });
    const start = (): void => upload.start();
    upload.findPreviousUploads().then((previous) => {
      // The latest attempt of this file: its bytes are on the device (or it expired, and tus starts anew).
      const latest = [...previous].sort((a, b) => b.creationTime.localeCompare(a.creationTime))[0];
      if (latest) {
        upload.resumeFromPreviousUpload(latest);
        hooks.onResume();
      }
      start();
      // localStorage unreadable (a private window): the upload cannot resume after a reload, but it goes.
    }, start);
  });
}

function answerOf(response: HttpResponse): Sent {
  // A PATCH that completes the upload carries the ingest's answer (the same JSON as POST /api/media).
  return sentFrom(response.getStatus(), response.getBody() ?? '');
}
