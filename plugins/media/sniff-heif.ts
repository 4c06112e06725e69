// HEIF / HEIC (iPhone photos): the ISO boxes ftyp → meta → iprp → ipco → ispe, walked by the lengths
// they declare, a bounded number of steps. Every `ispe` (image spatial extent) is read and the largest
// counts: a grid's tiles and its thumbnail each have one, and the decoder may make any of them.
import { sized, UnreadableHeader, type ByteSource, type DeclaredSize } from './sniff-size.js';

/** Brands of HEIF stills (not of HEIF image sequences or MP4 video, which go to ffprobe). */
const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'mif1', 'mif2']);
const MAX_BOXES = 256;
/** The meta box is read whole: a real one is a few KB; a larger one is refused. */
const MAX_META_BYTES = 1024 * 1024;

/** Whether the first bytes are an ftyp box that names a HEIF still brand (major or compatible). */
export function isHeif(head: Buffer): boolean {
  if (head.length < 16 || head.toString('latin1', 4, 8) !== 'ftyp') return false;
  const size = Math.min(head.readUInt32BE(0), head.length);
  const brands = [head.toString('latin1', 8, 12)];
  for (let at = 16; at + 4 <= size; at += 4) brands.push(head.toString('latin1', at, at + 4));
  const major = brands[0] ?? '';
  if (HEIF_BRANDS.has(major)) return true;
  // An MP4 or a HEIF image sequence (msf1) that also lists mif1 is a video: ffprobe's to read.
  if (major === 'msf1' || isVideoBrand(major)) return false;
  return brands.some((b) => HEIF_BRANDS.has(b));
}

const isVideoBrand = (brand: string): boolean => /^(isom|iso\d|mp4\d|avc1|qt {2}|M4V |3gp\d)$/.test(brand);

interface Box {
  type: string;
  /** Where its content starts and ends (absolute offsets). */
  start: number;
  end: number;
}

/** The boxes between `from` and `to`, by their declared lengths. */
function* boxesIn(buf: Buffer, from: number, to: number): Generator<Box> {
  let at = from;
  for (let n = 0; n < MAX_BOXES && at + 8 <= to; n++) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    let header = 8;
    if (size === 1) {
      if (at + 16 > to) return;
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) size = to - at;
    if (size < header || at + size > to) throw new UnreadableHeader('heif', `has a ${type} box that runs past its parent`);
    yield { type, start: at + header, end: at + size };
    at += size;
  }
}

/** The largest `ispe` in the file's meta box; a HEIF without one is refused (fail closed). */
export async function heifSize(read: ByteSource): Promise<DeclaredSize> {
  let at = 0;
  for (let n = 0; n < MAX_BOXES; n++) {
    const head = await read(at, 16);
    if (head.length < 8) break;
    let size = head.readUInt32BE(0);
    const type = head.toString('latin1', 4, 8);
    if (size === 1 && head.length >= 16) size = Number(head.readBigUInt64BE(8));
    if (type === 'meta') {
      if (size < 12 || size > MAX_META_BYTES) throw new UnreadableHeader('heif', `has a meta box of ${size} bytes`);
      const meta = await read(at, size);
      if (meta.length < size) throw new UnreadableHeader('heif', 'is cut short in its meta box');
      return largestExtent(meta);
    }
    if (size < 8) break;
    at += size;
  }
  throw new UnreadableHeader('heif', 'has no meta box');
}

function largestExtent(meta: Buffer): DeclaredSize {
  const sizes: DeclaredSize[] = [];
  // meta is a full box: 4 bytes of version and flags before its children.
  for (const box of boxesIn(meta, 12, meta.length)) {
    if (box.type !== 'iprp') continue;
    for (const ipco of boxesIn(meta, box.start, box.end)) {
      if (ipco.type !== 'ipco') continue;
      for (const prop of boxesIn(meta, ipco.start, ipco.end)) {
        if (prop.type === 'ispe' && prop.end - prop.start >= 12)
          sizes.push(sized('heif', meta.readUInt32BE(prop.start + 4), meta.readUInt32BE(prop.start + 8)));
      }
    }
  }
  if (sizes.length === 0) throw new UnreadableHeader('heif', 'declares no image size (ispe)');
  return sizes.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
}
