// The chunked still formats: WebP's RIFF chunks and the ISO boxes of JPEG 2000 (JP2) and JPEG XL
// containers. Each is walked by the lengths its headers declare, a bounded number of steps.
import { j2kCodestream, jxlCodestream, sized, UnreadableHeader, type ByteSource, type DeclaredSize } from './sniff-size.js';

const MAX_CHUNKS = 1024;

/**
 * The largest size any WebP chunk declares: ffmpeg decodes the VP8/VP8L bitstream at the size the
 * bitstream gives, whatever the VP8X canvas says, so both are read and the larger one counts.
 */
export async function webpSize(read: ByteSource): Promise<DeclaredSize> {
  const sizes: DeclaredSize[] = [];
  let at = 12;
  for (let step = 0; step < MAX_CHUNKS; step++) {
    const chunk = await read(at, 8 + 16);
    if (chunk.length < 8) break;
    const fourcc = chunk.toString('latin1', 0, 4);
    const length = chunk.readUInt32LE(4);
    const data = chunk.subarray(8);
    if (fourcc === 'VP8X' && data.length >= 10) sizes.push(sized('webp', 1 + data.readUIntLE(4, 3), 1 + data.readUIntLE(7, 3)));
    else if (fourcc === 'ANMF' && data.length >= 12) sizes.push(sized('webp', 1 + data.readUIntLE(6, 3), 1 + data.readUIntLE(9, 3)));
    else if (fourcc === 'VP8 ') sizes.push(vp8(data));
    else if (fourcc === 'VP8L') sizes.push(vp8l(data));
    // Frames nest their image chunks inside ANMF: step into it rather than over it.
    at += fourcc === 'ANMF' ? 8 + 16 : 8 + length + (length % 2);
  }
  if (sizes.length === 0) throw new UnreadableHeader('webp', 'has no VP8, VP8L or VP8X chunk');
  return sizes.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
}

function vp8(data: Buffer): DeclaredSize {
  // A key frame: 3 bytes of frame tag, the start code 9D 01 2A, then 14-bit width and height.
  if (data.length < 10 || data[3] !== 0x9d || data[4] !== 0x01 || data[5] !== 0x2a) {
    throw new UnreadableHeader('webp', 'has a VP8 chunk without a key frame header');
  }
  return sized('webp', data.readUInt16LE(6) & 0x3fff, data.readUInt16LE(8) & 0x3fff);
}

function vp8l(data: Buffer): DeclaredSize {
  if (data.length < 5 || data[0] !== 0x2f) throw new UnreadableHeader('webp', 'has a VP8L chunk without its signature');
  const bits = data.readUInt32LE(1);
  return sized('webp', 1 + (bits & 0x3fff), 1 + ((bits >>> 14) & 0x3fff));
}

/**
 * JP2 and JPEG XL containers: ISO boxes (32-bit size, type; size 1 = a 64-bit size follows, 0 = to
 * the end). JP2 declares its size in jp2h/ihdr; both carry a codestream (jp2c, jxlc, jxlp) that
 * declares it too, and the decoder follows the codestream.
 */
export async function boxedSize(read: ByteSource, format: 'jpeg2000' | 'jpegxl'): Promise<DeclaredSize> {
  let at = 0;
  for (let step = 0; step < MAX_CHUNKS; step++) {
    const box = await read(at, 16);
    if (box.length < 8) break;
    const type = box.toString('latin1', 4, 8);
    const size32 = box.readUInt32BE(0);
    const headerLength = size32 === 1 ? 16 : 8;
    if (size32 === 1 && box.length < 16) break;
    const size = size32 === 1 ? Number(box.readBigUInt64BE(8)) : size32;
    const dataAt = at + headerLength;
    if (type === 'jp2c') return j2kCodestream(await read(dataAt, 64), format);
    if (type === 'jxlc') return jxlCodestream(await read(dataAt, 64), format);
    if (type === 'jxlp') return jxlCodestream(await read(dataAt + 4, 64), format);
    if (size === 0 || size < headerLength) break;
    at += size;
  }
  throw new UnreadableHeader(format, 'has no codestream box');
}
