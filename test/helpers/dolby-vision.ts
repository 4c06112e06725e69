// A Dolby Vision configuration record (a `dvcC` box, ETSI/Dolby "ISOBMFF DoVi" spec) put into an
// HEVC MP4 made at test time: Debian's ffmpeg cannot encode Dolby Vision, but ffprobe reads the
// record, which is all Loop judges a clip by. The box goes after `hvcC` in the `hvc1` sample entry;
// every box around it grows by its size. The MP4 must have its index after the media (ffmpeg's
// default, no +faststart), so no chunk offset moves.
import { readFile, writeFile } from 'node:fs/promises';

/** Boxes on the way to `hvcC`, and where their children start (full boxes and sample entries skip fields). */
const CHILDREN_AT: Readonly<Record<string, number>> = { moov: 8, trak: 8, mdia: 8, minf: 8, stbl: 8, stsd: 16, hvc1: 8 + 78 };

interface Box {
  at: number;
  size: number;
}

/** The chain of boxes from the top to `hvcC` (that last), or null. */
function pathToHvcc(data: Buffer, start: number, end: number, path: Box[]): Box[] | null {
  for (let at = start; at + 8 <= end;) {
    const size = data.readUInt32BE(at);
    const type = data.toString('latin1', at + 4, at + 8);
    if (size < 8) return null;
    if (type === 'hvcC') return [...path, { at, size }];
    const childrenAt = CHILDREN_AT[type];
    if (childrenAt !== undefined) {
      const found = pathToHvcc(data, at + childrenAt, at + size, [...path, { at, size }]);
      if (found) return found;
    }
    at += size;
  }
  return null;
}

/** Marks an HEVC MP4 as Dolby Vision `profile` with this base-layer compatibility id (0: none, 4: HLG). */
export async function withDolbyVisionRecord(file: string, profile: number, compatibility: number): Promise<void> {
  const data = await readFile(file);
  const path = pathToHvcc(data, 0, data.length, []);
  if (!path) throw new Error(`${file}: no hvc1/hvcC sample entry`);
  const record = Buffer.alloc(24);
  record.writeUInt8(1, 0); // dv_version_major
  record.writeUInt8(0, 1); // dv_version_minor
  // dv_profile (7 bits), dv_level (6), rpu_present, el_present, bl_present.
  record.writeUInt16BE((profile << 9) | (6 << 3) | 0b101, 2);
  record.writeUInt32BE(compatibility << 28, 4);
  const box = Buffer.concat([Buffer.from([0, 0, 0, 8 + record.length]), Buffer.from('dvcC', 'latin1'), record]);
  const hvcc = path[path.length - 1] as Box;
  const insertAt = hvcc.at + hvcc.size;
  const out = Buffer.concat([data.subarray(0, insertAt), box, data.subarray(insertAt)]);
  for (const parent of path.slice(0, -1)) out.writeUInt32BE(parent.size + box.length, parent.at);
  await writeFile(file, out);
}
