// Pictures built byte by byte at test time: headers declaring any size (for the sniffer's table
// test) and decodable pixel bombs (a tiny compressed body that would decode to hundreds of MiB).
import { deflateSync } from 'node:zlib';
import { pixelBombPng } from './media-files.js';

export { pixelBombPng };

type TiffEntry = [tag: number, type: 3 | 4 | 16, values: number[]];

/**
 * A TIFF (classic or BigTIFF, either byte order) with one IFD of these entries, values too big for
 * their field written after the IFD, then `body` at the end (offset returned to the caller's entries
 * through `bodyAt`).
 */
export function tiffFile(
  entries: (bodyAt: number) => TiffEntry[],
  opts: { bigEndian?: boolean; bigTiff?: boolean; body?: Buffer } = {},
): Buffer {
  const little = !opts.bigEndian;
  const big = opts.bigTiff === true;
  const field = big ? 8 : 4;
  const entrySize = big ? 20 : 12;
  const headerSize = big ? 16 : 8;
  const typeSize = (t: number): number => (t === 3 ? 2 : t === 16 ? 8 : 4);
  // Two passes: the body's offset depends on how much out-of-line data the entries need.
  const layout = (bodyAt: number): { list: TiffEntry[]; extra: number } => {
    const list = entries(bodyAt).sort((a, b) => a[0] - b[0]);
    const extra = list.reduce((n, [, t, v]) => n + (v.length * typeSize(t) > field ? v.length * typeSize(t) : 0), 0);
    return { list, extra };
  };
  const ifdSize = (n: number): number => (big ? 8 : 2) + n * entrySize + field;
  const first = layout(0);
  const bodyAt = headerSize + ifdSize(first.list.length) + first.extra;
  const { list } = layout(bodyAt);
  const out = Buffer.alloc(bodyAt + (opts.body?.length ?? 0));
  const w16 = (v: number, at: number): number => (little ? out.writeUInt16LE(v, at) : out.writeUInt16BE(v, at));
  const w32 = (v: number, at: number): number => (little ? out.writeUInt32LE(v, at) : out.writeUInt32BE(v, at));
  const w64 = (v: number, at: number): number => (little ? out.writeBigUInt64LE(BigInt(v), at) : out.writeBigUInt64BE(BigInt(v), at));
  const wType = (t: number, v: number, at: number): number => (t === 3 ? w16(v, at) : t === 16 ? w64(v, at) : w32(v, at));
  out.write(little ? 'II' : 'MM', 0, 'latin1');
  w16(big ? 43 : 42, 2);
  if (big) {
    w16(8, 4);
    w16(0, 6);
    w64(headerSize, 8);
  } else w32(headerSize, 4);
  let at = headerSize;
  if (big) w64(list.length, at);
  else w16(list.length, at);
  at += big ? 8 : 2;
  let extraAt = headerSize + ifdSize(list.length);
  for (const [tag, type, values] of list) {
    w16(tag, at);
    w16(type, at + 2);
    if (big) w64(values.length, at + 4);
    else w32(values.length, at + 4);
    const valueAt = at + (big ? 12 : 8);
    if (values.length * typeSize(type) <= field) values.forEach((v, k) => wType(type, v, valueAt + k * typeSize(type)));
    else {
      if (big) w64(extraAt, valueAt);
      else w32(extraAt, valueAt);
      for (const v of values) {
        wType(type, v, extraAt);
        extraAt += typeSize(type);
      }
    }
    at += entrySize;
  }
  opts.body?.copy(out, bodyAt);
  return out;
}

/** A TIFF that only declares a size (no usable pixels): for the sniffer. */
export function tiffHeader(width: number, height: number, opts: { bigEndian?: boolean; bigTiff?: boolean } = {}): Buffer {
  return tiffFile(
    () => [
      [256, 4, [width]],
      [257, width > 65535 || height > 65535 ? 4 : 3, [height]],
    ],
    opts,
  );
}

/**
 * A decodable RGB TIFF bomb: every strip of 16 rows points at the same deflated block of zeros, so
 * 16000x16000 (768 MiB decoded) fits in a few KiB. ffmpeg's TIFF decoder reads it as a black picture.
 */
export function tiffBomb(width: number, height: number, opts: { bigEndian?: boolean } = {}): Buffer {
  const rows = 16;
  const strip = deflateSync(Buffer.alloc(rows * width * 3));
  const strips = Math.ceil(height / rows);
  return tiffFile(
    (bodyAt) => [
      [256, 4, [width]],
      [257, 4, [height]],
      [258, 3, [8, 8, 8]],
      [259, 3, [8]], // deflate
      [262, 3, [2]], // RGB
      [273, 4, new Array<number>(strips).fill(bodyAt)],
      [277, 3, [3]],
      [278, 4, [rows]],
      [279, 4, new Array<number>(strips).fill(strip.length)],
      [284, 3, [1]],
    ],
    { ...opts, body: strip },
  );
}

/** JPEG: SOI, optional EXIF APP1 (with its own thumbnail SOI inside), then a SOFn of that size. */
export function jpegHeader(width: number, height: number, opts: { sof?: number; exif?: boolean } = {}): Buffer {
  const parts: Buffer[] = [Buffer.from([0xff, 0xd8])];
  if (opts.exif) {
    // An EXIF block whose thumbnail declares 160x120: the walker must skip it by its length.
    const thumb = Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x78, 0x00, 0xa0, 0x03]);
    const body = Buffer.concat([Buffer.from('Exif\0\0II*\0', 'latin1'), Buffer.alloc(64), thumb, Buffer.alloc(32)]);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(body.length + 2);
    parts.push(Buffer.from([0xff, 0xe1]), len, body);
  }
  parts.push(Buffer.from([0xff, 0xdb, 0x00, 0x43]), Buffer.alloc(0x41)); // a quantisation table
  const sof = Buffer.from([0xff, opts.sof ?? 0xc0, 0x00, 0x11, 0x08, 0, 0, 0, 0, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  parts.push(sof, Buffer.from([0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00]));
  return Buffer.concat(parts);
}

export function gifHeader(width: number, height: number): Buffer {
  const b = Buffer.from('GIF89a\0\0\0\0\x00\x00\x00;', 'latin1');
  b.writeUInt16LE(width, 6);
  b.writeUInt16LE(height, 8);
  return b;
}

export function bmpHeader(width: number, height: number): Buffer {
  const b = Buffer.alloc(54);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(54, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(-height, 22); // top-down
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  return b;
}

function riff(chunks: Array<[string, Buffer]>): Buffer {
  const body = Buffer.concat(
    chunks.map(([fourcc, data]) => {
      const head = Buffer.alloc(8);
      head.write(fourcc, 0, 'latin1');
      head.writeUInt32LE(data.length, 4);
      return Buffer.concat([head, data, Buffer.alloc(data.length % 2)]);
    }),
  );
  const head = Buffer.from('RIFF\0\0\0\0WEBP', 'latin1');
  head.writeUInt32LE(body.length + 4, 4);
  return Buffer.concat([head, body]);
}

/** VP8 (lossy) key frame header of that size (width, height at most 16383). */
export function webpVp8(width: number, height: number): Buffer {
  const data = Buffer.from([0x50, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0, 0, 0, 0, 0, 0]);
  data.writeUInt16LE(width, 6);
  data.writeUInt16LE(height, 8);
  return riff([['VP8 ', data]]);
}

/** VP8L (lossless): signature 0x2F, then 14 bits of width-1 and 14 of height-1. */
export function webpVp8l(width: number, height: number): Buffer {
  return riff([['VP8L', vp8lData(width, height)]]);
}

function vp8lData(width: number, height: number): Buffer {
  const data = Buffer.alloc(8);
  data[0] = 0x2f;
  data.writeUInt32LE(((width - 1) | ((height - 1) << 14)) >>> 0, 1);
  return data;
}

/** VP8X: a canvas of that size, then a small VP8L image (or a large one: `image`). */
export function webpVp8x(width: number, height: number, image: [number, number] = [16, 16]): Buffer {
  const x = Buffer.alloc(10);
  x.writeUIntLE(width - 1, 4, 3);
  x.writeUIntLE(height - 1, 7, 3);
  return riff([
    ['VP8X', x],
    ['VP8L', vp8lData(image[0], image[1])],
  ]);
}

export function qoiHeader(width: number, height: number): Buffer {
  const b = Buffer.alloc(14);
  b.write('qoif', 0, 'latin1');
  b.writeUInt32BE(width, 4);
  b.writeUInt32BE(height, 8);
  b[12] = 3;
  return b;
}

/** A JPEG 2000 codestream: SOC, then SIZ with the image area (no offsets). */
export function j2kHeader(width: number, height: number): Buffer {
  const b = Buffer.alloc(48);
  b.writeUInt32BE(0xff4fff51, 0);
  b.writeUInt16BE(41, 4);
  b.writeUInt32BE(width, 8);
  b.writeUInt32BE(height, 12);
  return b;
}

/** A JPEG XL codestream whose SizeHeader is not "small": height and width as U32 with 30-bit selectors. */
export function jxlHeader(width: number, height: number): Buffer {
  const bits: number[] = [];
  const put = (value: number, n: number): void => {
    for (let k = 0; k < n; k++) bits.push(Math.floor(value / 2 ** k) % 2);
  };
  put(0, 1); // not small
  put(3, 2); // selector: 1 + u(30)
  put(height - 1, 30);
  put(0, 3); // no ratio: the width follows
  put(3, 2);
  put(width - 1, 30);
  const b = Buffer.alloc(2 + Math.ceil(bits.length / 8) + 4);
  b[0] = 0xff;
  b[1] = 0x0a;
  bits.forEach((bit, k) => (b[2 + (k >> 3)]! |= bit << (k & 7)));
  return b;
}
