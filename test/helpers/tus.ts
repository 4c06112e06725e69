// Resumable uploads as a phone would make them: tus-js-client in Node, through a TCP proxy that
// can cut the connection (WiFi dropping), with a real clip padded to a large size.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { Upload, type HttpResponse } from 'tus-js-client';
import { makeClip } from './clips.js';

/** A TCP proxy to a port on loopback: counts the bytes it carries to the server and can cut every connection. */
export interface CuttingProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Bytes carried from clients to the server so far (headers included). */
  carried(): number;
  /** Connections cut so far. */
  cuts(): number;
  close(): Promise<void>;
}

/**
 * Cuts every open connection each time the bytes carried to the server pass the next of `cutAt`;
 * with `bytesPerSecond`, carries client bytes no faster than that (a phone's uplink).
 */
export async function cuttingProxy(
  targetPort: number,
  cutAt: number[] = [],
  opts: { bytesPerSecond?: number } = {},
): Promise<CuttingProxy> {
  const open = new Set<Socket>();
  let carried = 0;
  let cuts = 0;
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    open.add(client).add(upstream);
    const forget = () => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      carried += chunk.length;
      upstream.write(chunk);
      if (opts.bytesPerSecond) {
        client.pause();
        setTimeout(() => client.resume(), (chunk.length / opts.bytesPerSecond) * 1000);
      }
      const next = cutAt[cuts];
      if (next !== undefined && carried >= next) {
        cuts++;
        // Like a radio link going away: both ends lose the connection at once, mid-request.
        for (const s of open) s.destroy();
        open.clear();
      }
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', forget).on('error', forget);
    upstream.on('close', forget).on('error', forget);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    carried: () => carried,
    cuts: () => cuts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A real clip (1 s of H.264, faststart) followed by an MP4 `free` box of `totalBytes` minus the clip:
 * a valid MP4 that ffprobe and ffmpeg read as the short clip, as large as a phone's video.
 */
export async function paddedClip(totalBytes: number): Promise<{ path: string; sha256: string; size: number }> {
  const path = await makeClip({ seconds: 1 });
  const fh = await open(path, 'a');
  try {
    const clipSize = (await fh.stat()).size;
    const boxSize = totalBytes - clipSize;
    const header = Buffer.alloc(8);
    header.writeUInt32BE(boxSize, 0);
    header.write('free', 4, 'latin1');
    await fh.write(header);
    const block = Buffer.alloc(8 * 1024 * 1024);
    for (let left = boxSize - 8; left > 0; left -= block.length) await fh.write(block, 0, Math.min(left, block.length));
  } finally {
    await fh.close();
  }
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { path, sha256: hash.digest('hex'), size: totalBytes };
}

export interface TusRun {
  upload: Upload;
  /** Every onProgress bytesSent, in order. */
  progress: number[];
  /** Every onChunkComplete bytesAccepted (what the server confirmed), in order. */
  accepted: number[];
  /** Resolves with the last response (the completing PATCH's answer carries the ingest result). */
  done: Promise<HttpResponse>;
}

export interface TusStart {
  endpoint: string;
  path: string;
  filename: string;
  chunkSize: number;
  headers?: Record<string, string>;
  retryDelays?: number[];
  /** Called with each bytesSent (e.g. to kill the server mid-upload). */
  onProgress?: (sent: number) => void;
}

/** Starts a tus upload of a file from disk (read a chunk at a time, as tus-js-client does in Node). */
export function startTus(o: TusStart): TusRun {
  const progress: number[] = [];
  const accepted: number[] = [];
  let upload!: Upload;
  const done = new Promise<HttpResponse>((resolve, reject) => {
    upload = new Upload(createReadStream(o.path), {
      endpoint: o.endpoint,
      chunkSize: o.chunkSize,
      metadata: { filename: o.filename },
      headers: o.headers ?? {},
      retryDelays: o.retryDelays ?? [0, 200, 500, 1000, 2000, 3000],
      onProgress: (sent) => {
        progress.push(sent);
        o.onProgress?.(sent);
      },
      onChunkComplete: (_size, acc) => void accepted.push(acc),
      onSuccess: ({ lastResponse }) => resolve(lastResponse),
      onError: reject,
    });
  });
  upload.start();
  return { upload, progress, accepted, done };
}
