// The two header walkers that follow offsets: JPEG's marker segments (EXIF and ICC blocks come
// before the frame header) and TIFF's IFDs (which may sit at the end of the file, in either byte order).
import { sized, UnreadableHeader, type ByteSource, type DeclaredSize } from './sniff-size.js';

/** More segments or IFD entries than any real picture has: a crafted file is refused, not walked for ever. */
const MAX_STEPS = 4096;

/** Start-of-frame markers: SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC); F7 is JPEG-LS's SOF55. */
const isFrameHeader = (marker: number): boolean =>
  (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xf7;

/** Walks marker segments by their lengths to the first frame header (baseline, progressive, lossless, JPEG-LS). */
export async function jpegSize(read: ByteSource): Promise<DeclaredSize> {
  let at = 2;
  for (let step = 0; step < MAX_STEPS; step++) {
    const seg = await read(at, 9);
    if (seg.length < 4) throw new UnreadableHeader('jpeg', 'ends before its frame header');
    if (seg[0] !== 0xff) throw new UnreadableHeader('jpeg', `has a damaged marker at byte ${at}`);
    const marker = seg[1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) throw new UnreadableHeader('jpeg', 'has no frame header before its data');
    if (isFrameHeader(marker)) {
      if (seg.length < 9) throw new UnreadableHeader('jpeg', 'has a cut-short frame header');
      const format = marker === 0xf7 ? 'jpegls' : 'jpeg';
      return sized(format, seg.readUInt16BE(7), seg.readUInt16BE(5));
    }
    at += 2 + seg.readUInt16BE(2);
  }
  throw new UnreadableHeader('jpeg', `has over ${MAX_STEPS} segments before its frame header`);
}

const TAG_WIDTH = 256;
const TAG_HEIGHT = 257;
const TAG_SUB_IFDS = 330;

interface TiffLayout {
  little: boolean;
  big: boolean;
}

/**
 * The largest image among the first IFD and its sub-IFDs: ffmpeg decodes the first page, and for
 * DNG-like files follows a sub-IFD from a thumbnail to the full picture. Classic and BigTIFF.
 */
export async function tiffSize(read: ByteSource, head: Buffer): Promise<DeclaredSize> {
  if (head.length < 16) throw new UnreadableHeader('tiff', 'is cut short');
  const layout: TiffLayout = { little: head[0] === 0x49, big: head[2] === 0x2b || head[3] === 0x2b };
  const first = layout.big ? u64(head, 8, layout.little) : u32(head, 4, layout.little);
  const top = await readIfd(read, first, layout);
  let best = sized('tiff', top.width, top.height);
  for (const offset of top.subIfds.slice(0, 16)) {
    const sub = await readIfd(read, offset, layout);
    const size = sized('tiff', sub.width, sub.height);
    if (size.width * size.height > best.width * best.height) best = size;
  }
  return best;
}

interface Ifd {
  width: number;
  height: number;
  subIfds: number[];
}

async function readIfd(read: ByteSource, offset: number, layout: TiffLayout): Promise<Ifd> {
  const { little, big } = layout;
  const countBytes = await read(offset, big ? 8 : 2);
  if (countBytes.length < (big ? 8 : 2)) throw new UnreadableHeader('tiff', `names an IFD past its end (${offset})`);
  const count = big ? u64(countBytes, 0, little) : u16(countBytes, 0, little);
  if (count === 0 || count > MAX_STEPS) throw new UnreadableHeader('tiff', `has an IFD of ${count} entries`);
  const entrySize = big ? 20 : 12;
  const entries = await read(offset + (big ? 8 : 2), count * entrySize);
  if (entries.length < count * entrySize) throw new UnreadableHeader('tiff', 'has a cut-short IFD');
  const ifd: Ifd = { width: 0, height: 0, subIfds: [] };
  for (let i = 0; i < count; i++) {
    const at = i * entrySize;
    const tag = u16(entries, at, little);
    if (tag !== TAG_WIDTH && tag !== TAG_HEIGHT && tag !== TAG_SUB_IFDS) continue;
    const type = u16(entries, at + 2, little);
    const n = big ? u64(entries, at + 4, little) : u32(entries, at + 4, little);
    const valueAt = at + (big ? 12 : 8);
    const width = type === 3 ? 2 : type === 16 || type === 18 ? 8 : 4; // SHORT, LONG8/IFD8, else LONG/IFD
    if (tag === TAG_SUB_IFDS) {
      ifd.subIfds = await offsets(read, entries, valueAt, Math.min(n, 16), width, layout);
      continue;
    }
    if (n !== 1 || (type !== 3 && type !== 4 && type !== 16)) {
      throw new UnreadableHeader('tiff', `gives its ${tag === TAG_WIDTH ? 'width' : 'height'} as type ${type}`);
    }
    const value = read1(entries, valueAt, width, little);
    if (tag === TAG_WIDTH) ifd.width = value;
    else ifd.height = value;
  }
  return ifd;
}

/** The sub-IFD offsets: in the entry when they fit its value field, elsewhere in the file when not. */
async function offsets(
  read: ByteSource,
  entries: Buffer,
  valueAt: number,
  n: number,
  width: number,
  layout: TiffLayout,
): Promise<number[]> {
  const field = layout.big ? 8 : 4;
  let source = entries.subarray(valueAt, valueAt + field);
  if (n * width > field) {
    source = await read(read1(entries, valueAt, field, layout.little), n * width);
    if (source.length < n * width) throw new UnreadableHeader('tiff', 'names sub-IFDs past its end');
  }
  return Array.from({ length: n }, (_, k) => read1(source, k * width, width, layout.little));
}

function read1(b: Buffer, at: number, width: number, little: boolean): number {
  return width === 2 ? u16(b, at, little) : width === 8 ? u64(b, at, little) : u32(b, at, little);
}
const u16 = (b: Buffer, at: number, little: boolean): number => (little ? b.readUInt16LE(at) : b.readUInt16BE(at));
const u32 = (b: Buffer, at: number, little: boolean): number => (little ? b.readUInt32LE(at) : b.readUInt32BE(at));
/** 64-bit values as numbers: past 2^53 they are beyond any file or picture anyway. */
const u64 = (b: Buffer, at: number, little: boolean): number => Number(little ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at));
