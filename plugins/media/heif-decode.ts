// HEIF / HEIC stills (iPhone photos) are decoded by libheif's heif-dec / heif-convert (Debian's
// libheif-examples), not ffmpeg: Debian 12's ffmpeg 5.1 cannot read HEIF, and one decoder on both
// releases behaves the same. The header's size was checked before (sniff-heif.ts); the decoder runs
// under the same address-space limit and niceness as ffmpeg. libheif applies the picture's own
// rotation and mirroring (irot, imir), so the PNG it writes is upright.
import { access, constants, readdir } from 'node:fs/promises';
import { basename, delimiter, dirname, join } from 'node:path';
import { runLimitedDecoder, type ChildLimits } from './ffmpeg-run.js';

/** libheif 1.17+ (Debian 13) calls it heif-dec (heif-convert stays as an old name); 1.15 (Debian 12) heif-convert. */
const DECODERS = ['heif-dec', 'heif-convert'];
let found: Promise<string> | null = null;

/** The first of DECODERS on PATH (looked up once); heif-convert when none is, so the error names it. */
function decoder(): Promise<string> {
  found ??= (async () => {
    for (const name of DECODERS)
      for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
        const path = join(dir, name);
        if (
          await access(path, constants.X_OK).then(
            () => true,
            () => false,
          )
        )
          return path;
      }
    return 'heif-convert';
  })();
  return found;
}

/**
 * Decodes `input` to the PNG `output`. A file holding several top-level pictures makes heif-convert
 * write `<name>-1.png`, `<name>-2.png`, ...: the first is taken. Returns it and every file written
 * (the caller removes them).
 */
export async function decodeHeif(
  input: string,
  output: string,
  limits: ChildLimits,
  signal?: AbortSignal,
): Promise<{ picture: string; files: string[] }> {
  const program = await decoder();
  await runLimitedDecoder(program, [input, output], limits, signal);
  const stem = basename(output, '.png');
  const written = (await readdir(dirname(output)))
    .filter((f) => f === `${stem}.png` || (f.startsWith(`${stem}-`) && f.endsWith('.png')))
    .sort();
  const first = written.includes(`${stem}.png`) ? `${stem}.png` : written[0];
  const files = written.map((f) => join(dirname(output), f));
  if (!first) throw new Error(`${basename(program)} wrote no picture`);
  return { picture: join(dirname(output), first), files };
}
