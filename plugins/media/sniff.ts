// Reads the pixel size a still picture declares in its header, before any decoder sees it: a
// 560 KB TIFF can declare 16000x16000, and decoding it asks for 768 MiB. Pure: it reads bytes
// through a ByteSource (a file or, in tests, a buffer) and never decodes anything.
import { open } from 'node:fs/promises';
import { jpegSize, tiffSize } from './sniff-jpeg-tiff.js';
import { boxedSize, webpSize } from './sniff-boxes.js';
import { heifSize, isHeif } from './sniff-heif.js';
import { j2kCodestream, jxlCodestream, sized, UnreadableHeader, type ByteSource, type DeclaredSize } from './sniff-size.js';

export { UnreadableHeader, type ByteSource, type DeclaredSize } from './sniff-size.js';

/** Bytes read to recognise a format; the walkers read further at the offsets the headers name. */
const HEAD_BYTES = 4096;

/** A still's declared size; null when the file is no still format Loop accepts (videos go to ffprobe). */
export async function declaredSize(path: string): Promise<DeclaredSize | null> {
  const fh = await open(path, 'r');
  try {
    return await sniffSize(async (offset, length) => {
      const buf = Buffer.alloc(Math.max(0, length));
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      return buf.subarray(0, bytesRead);
    });
  } finally {
    await fh.close();
  }
}

/** The same over bytes in memory (the table test builds headers). */
export function parseHeader(bytes: Buffer): Promise<DeclaredSize | null> {
  return sniffSize((offset, length) => Promise.resolve(bytes.subarray(offset, offset + length)));
}

/** Every still demuxer on ffmpeg-run.ts's whitelist has its signature here (png_pipe ... qoi_pipe, gif). */
export async function sniffSize(read: ByteSource): Promise<DeclaredSize | null> {
  const head = await read(0, HEAD_BYTES);
  const latin = head.toString('latin1', 0, 16);
  if (head.length >= 8 && head.readUInt32BE(0) === 0x89504e47 && head.readUInt32BE(4) === 0x0d0a1a0a) return png(head);
  if (latin.startsWith('GIF87a') || latin.startsWith('GIF89a')) return gif(head);
  if (latin.startsWith('BM') && head.length >= 18) return bmp(head);
  if (latin.startsWith('RIFF') && latin.slice(8, 12) === 'WEBP') return webpSize(read);
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return jpegSize(read);
  if (/^(II\*\0|MM\0\*|II\+\0|MM\0\+)/.test(latin)) return tiffSize(read, head);
  if (latin.startsWith('qoif')) return qoi(head);
  if (/^P[2356]\s/.test(latin)) return pnm(head);
  if (head.length >= 4 && head.readUInt32BE(0) === 0xff4fff51) return j2kCodestream(head, 'jpeg2000');
  if (latin.startsWith('\0\0\0\x0cjP  \r\n\x87\n')) return boxedSize(read, 'jpeg2000');
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0x0a) return jxlCodestream(head, 'jpegxl');
  if (latin.startsWith('\0\0\0\x0cJXL \r\n\x87\n')) return boxedSize(read, 'jpegxl');
  if (isHeif(head)) return heifSize(read);
  return null;
}

function png(b: Buffer): DeclaredSize {
  if (b.length < 24 || b.toString('latin1', 12, 16) !== 'IHDR') throw new UnreadableHeader('png', 'does not start with IHDR');
  return sized('png', b.readUInt32BE(16), b.readUInt32BE(20));
}

/** The logical screen: ffmpeg's GIF decoder crops every frame to it. */
function gif(b: Buffer): DeclaredSize {
  if (b.length < 10) throw new UnreadableHeader('gif', 'is cut short');
  return sized('gif', b.readUInt16LE(6), b.readUInt16LE(8));
}

function bmp(b: Buffer): DeclaredSize {
  const infoSize = b.readUInt32LE(14);
  // OS/2 1.x headers have 16-bit sizes; every later header 32-bit signed ones (negative = top-down).
  if (infoSize === 12 && b.length >= 22) return sized('bmp', b.readUInt16LE(18), b.readUInt16LE(20));
  if (infoSize >= 16 && b.length >= 26) return sized('bmp', Math.abs(b.readInt32LE(18)), Math.abs(b.readInt32LE(22)));
  throw new UnreadableHeader('bmp', `has an info header of ${infoSize} bytes`);
}

function qoi(b: Buffer): DeclaredSize {
  if (b.length < 12) throw new UnreadableHeader('qoi', 'is cut short');
  return sized('qoi', b.readUInt32BE(4), b.readUInt32BE(8));
}

/** PGM/PPM (P2, P3, P5, P6): text tokens with # comments, width then height. */
function pnm(b: Buffer): DeclaredSize {
  const text = b.toString('latin1', 2, Math.min(b.length, 1024)).replace(/#[^\n\r]*/g, ' ');
  const m = /^\s+(\d{1,10})\s+(\d{1,10})\s/.exec(text);
  if (!m) throw new UnreadableHeader('pnm', 'gives no width and height');
  return sized('pnm', Number(m[1]), Number(m[2]));
}
