// Resumable uploads (the tus protocol, 1.0.0) at /api/uploads/tus, beside the multipart
// POST /api/media: a phone that drops off WiFi at 90 % resumes from the last byte the device has,
// not from zero. @tus/server handles the protocol on the raw request (Fastify does not parse the
// body); partial uploads live in <data dir>/uploads/tus and survive a restart. Progress is on the
// progress topic from creation. When the last byte is in, the file is renamed into the library's
// incoming/ and checked as a multipart part is, and the answer to that last PATCH carries the same
// result (`UploadResult`). See docs/media.md, "Resumable uploads".
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Server as TusServer } from '@tus/server';
import type { Upload } from '@tus/utils';
import { ActionError } from '../../core/protocol/envelope.js';
import { HTTP_STATUS } from '../../core/http/errors.js';
import { fail } from '../../core/http/envelope.js';
import { toV1Item, type UploadResult } from '../../core/protocol/media.js';
import { TUS_UPLOAD_PATH, tusJobId } from '../../core/protocol/uploads.js';
import { logged } from '../../core/util/swallow.js';
import { throttle, type Throttle } from '../../core/util/throttle.js';
import type { MediaConfig } from './config.js';
import type { MediaService } from './service.js';
import { removeUpload } from './tus-sweep.js';

/** How often a tus upload's progress goes out on the progress topic, at most. */
const PROGRESS_INTERVAL_MS = 500;
const MAX_GATES = 256;

export const TUS_URL = TUS_UPLOAD_PATH;
/** What a PATCH body is in tus; the route takes it raw (Fastify's parsers never read it). */
const TUS_BODY = 'application/offset+octet-stream';

/** A refusal as @tus/server sends it (it reads `status_code` and `body`): our JSON envelope as the body. */
class TusRefusal extends Error {
  constructor(
    readonly status_code: number,
    readonly body: string,
  ) {
    super(body);
    this.name = 'TusRefusal';
  }
}

function refusal(err: unknown): TusRefusal {
  if (err instanceof ActionError) return new TusRefusal(HTTP_STATUS[err.code], JSON.stringify(fail(err.code, err.message)));
  const message = err instanceof Error ? err.message : String(err);
  return new TusRefusal(500, JSON.stringify(fail('internal', message)));
}

/** The tus server over a file store in `dir`; loaded on the first tus request (it costs memory at start). */
export interface TusOptions {
  svc: MediaService;
  cfg: MediaConfig;
  /** Where partial uploads live (<data dir>/uploads/tus). */
  dir: string;
  log: Logger;
}

async function createTus({ svc, cfg, dir, log }: TusOptions): Promise<TusServer> {
  const [{ Server, EVENTS }, { FileStore }] = await Promise.all([import('@tus/server'), import('@tus/file-store')]);
  // The store makes its folder in the background (a callback in its constructor): make it first.
  await mkdir(dir, { recursive: true });
  const datastore = new FileStore({ directory: dir });

  /** Bytes the partial uploads hold on the disk (counted in the library quota, as multipart bytes in flight are). */
  const held = async (): Promise<number> => {
    // A store without a list (never the file store) holds nothing we can count.
    const ids = (await datastore.configstore.list?.()) ?? [];
    const uploads = await Promise.all(ids.map((id) => datastore.getUpload(id).catch(() => null)));
    return uploads.reduce((n, u) => n + (u?.offset ?? 0), 0);
  };

  const finish = async (
    client: string | undefined,
    upload: Upload,
  ): Promise<{ status_code: number; body: string; headers: Record<string, string> }> => {
    try {
      // The finished file is renamed into the library's incoming/, not copied (move-file.ts).
      const r = await svc.ingestFile({
        path: join(dir, upload.id),
        filename: nameOf(upload),
        client,
        jobId: tusJobId(upload.id) ?? undefined,
      });
      const data: UploadResult = {
        slug: r.slug,
        job_ids: r.job_id ? [r.job_id] : [],
        items: [{ slug: r.slug, job_id: r.job_id, filename: r.filename, result: r.result, item: toV1Item(r.item) }],
        errors: [],
      };
      const message = r.result === 'exists' ? 'already in the library' : '1 file received';
      return { status_code: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ success: true, message, data }) };
    } catch (err) {
      throw refusal(err);
    } finally {
      gates.delete(upload.id);
      // Received or refused, the upload is done with (its bytes are moved or removed already): a
      // retry of a finished upload must not look complete without an ingest behind it.
      await removeUpload(dir, upload.id).catch(logged(log, 'a finished resumable upload was not removed (the expiry sweep will)'));
    }
  };

  /**
   * Bytes in, on the progress topic as a multipart upload's are: at most one report per interval and
   * upload (tus reports each PATCH at least once, and a fast link sends many PATCHes a second).
   */
  const gates = new Map<string, Throttle>();
  const progress = (upload: Upload, force = false): void => {
    const jobId = tusJobId(upload.id);
    let gate = gates.get(upload.id);
    if (!gate) {
      // A finished upload drops its gate; abandoned ones are bounded here (a lost gate only allows one early report).
      if (gates.size >= MAX_GATES) gates.clear();
      gates.set(upload.id, (gate = throttle(PROGRESS_INTERVAL_MS)));
    }
    if (jobId && gate(force)) svc.uploadProgress(jobId, nameOf(upload), upload.offset, upload.size ?? null);
  };

  const server = new Server({
    path: TUS_URL,
    datastore,
    relativeLocation: true,
    // The guard decides who may call (host, origin, login); tus must not add a `*` of its own.
    allowedOrigins: () => false,
    maxSize: cfg.max_upload_bytes,
    postReceiveInterval: PROGRESS_INTERVAL_MS / 2,
    onUploadCreate: async (req, upload) => {
      if (upload.sizeIsDeferred)
        throw refusal(new ActionError('invalid', 'send Upload-Length: the size is checked before a byte is stored'));
      try {
        // Refused before a byte is sent, with the multipart route's answers: the conversion queue is
        // full (429 busy), or the upload would not fit (507).
        svc.admit(req.ip ?? 'device');
        await svc.checkRoom(upload.size ?? 0, await held());
      } catch (err) {
        throw refusal(err);
      }
      progress(upload, true);
      return {};
    },
    // Each PATCH: the rest of the upload must still fit (other uploads may have filled the disk).
    onIncomingRequest: async (req, id) => {
      if (req.method !== 'PATCH') return;
      const upload = await datastore.getUpload(id).catch(() => null);
      if (!upload || upload.size === undefined) return; // tus answers 404/410 itself
      try {
        await svc.checkRoom(upload.size - upload.offset, await held());
      } catch (err) {
        throw refusal(err);
      }
    },
    onUploadFinish: (req, upload) => finish(req.ip, upload),
  });
  server.on(EVENTS.POST_RECEIVE, (_req, upload) => progress(upload));
  return server;
}

const nameOf = (upload: Upload): string | undefined => upload.metadata?.filename ?? upload.metadata?.name ?? undefined;

export async function registerTus(app: FastifyInstance, opts: TusOptions): Promise<void> {
  let tus: Promise<TusServer> | null = null;
  await app.register(async (scope) => {
    // The body stays on the raw request for @tus/server; no body limit applies (maxSize does).
    scope.addContentTypeParser(TUS_BODY, (_req, _payload, done) => done(null));
    const schema = {
      tags: ['media'],
      summary: 'Resumable upload (tus 1.0.0: creation, termination)',
      description:
        'POST with Upload-Length and Upload-Metadata (filename) creates an upload (413 over media.max_upload_bytes, 507 when it cannot fit, ' +
        '429 while the conversion queue is full); progress is on `media/progress` from creation, its job id the tus id as a UUID; ' +
        'HEAD answers Upload-Offset; PATCH (application/offset+octet-stream) appends at it. The PATCH that completes the upload answers ' +
        'the same JSON as POST /api/media (queued, or `exists` with the existing slug) or its refusal (409, 413, 415, 507). ' +
        'Idle partial uploads are removed after media.upload_expiry_hours.',
      consumes: [TUS_BODY],
    };
    for (const url of [TUS_URL, `${TUS_URL}/:id`]) {
      scope.route({
        method: ['POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS'],
        url,
        schema,
        handler: async (req, reply) => {
          const server = await (tus ??= createTus(opts));
          reply.hijack();
          // The guard's headers (security, CORS for a listed origin) were set on the reply, not the raw response.
          for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
          await server.handle(req.raw, reply.raw).catch((err: unknown) => {
            // The client went away mid-answer (a dropped WiFi link): it resumes with a HEAD; nothing to answer.
            opts.log.debug({ err }, 'a resumable-upload request ended early');
            reply.raw.destroy();
          });
        },
      });
    }
  });
}
