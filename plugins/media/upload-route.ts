// POST /api/media: a REST route that is not a declared action (nor is the tus route, tus-route.ts),
// because its body is a stream of files (multipart) that goes to disk as it arrives; see
// docs/architecture.md. Each file part is handed to the media service's ingest; the answer lists
// what was queued and what was refused.
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ActionError } from '../../core/protocol/envelope.js';
import { HTTP_STATUS } from '../../core/http/errors.js';
import { EnvelopeOf, ErrorEnvelope, fail } from '../../core/http/envelope.js';
import { UploadResult, toV1Item } from '../../core/protocol/media.js';
import type { MediaConfig } from './config.js';
import type { MediaService } from './service.js';

/** busboy's writable buffer and each file part's readable buffer, bytes. */
const PARSER_HWM = 64 * 1024;

export async function registerUpload(app: FastifyInstance, svc: MediaService, cfg: MediaConfig): Promise<void> {
  const { default: multipart } = await import('@fastify/multipart');
  await app.register(multipart, {
    // The plugin counts bytes itself (and answers 413); this is only the parser's backstop.
    throwFileSizeLimit: false,
    // busboy's buffers (default 16 KiB) are smaller than one socket read (64 KiB): every chunk paused
    // the request and the part stream. 64 KiB each keeps the bytes moving (receive.ts).
    highWaterMark: PARSER_HWM,
    fileHwm: PARSER_HWM,
    limits: {
      fileSize: cfg.max_upload_bytes + 1,
      files: cfg.max_files_per_request,
      fields: 20,
      fieldSize: 4096,
      parts: cfg.max_files_per_request + 20,
    },
  });

  app.post(
    '/api/media',
    {
      schema: {
        tags: ['media'],
        summary: 'Upload pictures, GIFs or videos (multipart, parts named `files`)',
        description:
          'Each file is streamed to disk, checked with ffprobe and queued for conversion; progress is on `media/progress` ' +
          '(WebSocket room `progress`). 409 when the same content is being processed; the existing item when it is already in the library. ' +
          '413 over media.max_upload_bytes or media.max_pixels, 415 when it is not a picture or video, 507 when storage is full.',
        consumes: ['multipart/form-data'],
        response: {
          200: EnvelopeOf(UploadResult),
          400: ErrorEnvelope,
          409: ErrorEnvelope,
          413: ErrorEnvelope,
          415: ErrorEnvelope,
          507: ErrorEnvelope,
        },
      },
    },
    async (req, reply) => {
      if (!req.isMultipart()) throw new ActionError('unsupported', 'send multipart/form-data with one or more parts named `files`');
      const declared = Number(req.headers['content-length']);
      const total = Number.isFinite(declared) && declared > 0 ? declared : null;
      const result: UploadResult = { slug: null, job_ids: [], items: [], errors: [] };
      const failures: Array<{ err: unknown; filename: string }> = [];
      const aborted = new AbortController();
      req.raw.once('close', () => {
        if (!req.raw.readableEnded) aborted.abort();
      });
      let offset = 0;
      let fatal = false;
      try {
        for await (const part of req.parts()) {
          if (part.type !== 'file') continue;
          if (fatal || (part.fieldname !== 'files' && part.fieldname !== 'file')) {
            part.file.resume();
            continue;
          }
          try {
            const r = await svc.ingest({
              stream: part.file,
              filename: part.filename,
              totalBytes: total,
              offsetBytes: offset,
              signal: aborted.signal,
              client: req.ip,
            });
            offset += r.size;
            result.items.push({ slug: r.slug, job_id: r.job_id, filename: r.filename, result: r.result, item: toV1Item(r.item) });
            if (r.job_id) result.job_ids.push(r.job_id);
            result.slug ??= r.slug;
          } catch (err) {
            part.file.resume();
            failures.push({ err, filename: part.filename ?? 'upload' });
            const code = errCode(err);
            result.errors.push({ filename: part.filename ?? 'upload', code, error: (err as Error).message });
            // Past a size or space refusal the rest of the body is not worth reading.
            if (code === 'too_large' || code === 'storage_full' || code === 'busy') fatal = true;
          }
        }
      } catch (err) {
        if (aborted.signal.aborted) return reply; // the client went away
        failures.push({ err: new ActionError('invalid', `malformed upload: ${(err as Error).message}`), filename: 'upload' });
      }
      if (result.items.length === 0) {
        const first = failures[0];
        if (!first) throw new ActionError('invalid', 'no file in the upload: send one or more parts named `files`');
        // Read (and drop) what the client is still sending before answering, within bounds: a socket
        // closed with unread data is reset, and the reset can destroy the 413 before the client reads it.
        const drained = fatal ? await drainBody(req.raw, LINGER_BYTES, LINGER_MS) : true;
        return sendError(reply, first.err, result.errors, !drained);
      }
      const n = result.items.length;
      const message = `${n} file${n === 1 ? '' : 's'} received${result.errors.length ? `, ${result.errors.length} refused` : ''}`;
      return reply.send({ success: true, message, data: result });
    },
  );
}

const LINGER_BYTES = 64 * 1024 * 1024;
const LINGER_MS = 5000;

/** Resolves true once the request body has ended, false past maxBytes more or maxMs. */
function drainBody(raw: IncomingMessage, maxBytes: number, maxMs: number): Promise<boolean> {
  if (raw.readableEnded || raw.destroyed) return Promise.resolve(raw.readableEnded);
  return new Promise((resolve) => {
    let seen = 0;
    const finish = (ended: boolean) => {
      clearTimeout(timer);
      raw.off('data', onData);
      raw.off('end', onEnd);
      resolve(ended);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) finish(false);
    };
    const onEnd = () => finish(true);
    const timer = setTimeout(() => finish(false), maxMs);
    raw.on('data', onData);
    raw.once('end', onEnd);
    raw.resume();
  });
}

function errCode(err: unknown): string {
  if (err instanceof ActionError) return err.code;
  return 'internal';
}

function sendError(reply: FastifyReply, err: unknown, errors: UploadResult['errors'], closeConnection: boolean): FastifyReply {
  // The client may still be sending a body we will not read: tell it the connection ends here.
  if (closeConnection) reply.header('connection', 'close');
  if (err instanceof ActionError) {
    const status = HTTP_STATUS[err.code];
    return reply.status(status).send(fail(err.code, err.message, errors));
  }
  const message = err instanceof Error ? err.message : String(err);
  return reply.status(500).send(fail('internal', message, errors));
}
