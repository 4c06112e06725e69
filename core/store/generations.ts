// The previous generations of a document (`name.json.1` … `.3`), kept by renames and one hard
// link per write: no data is copied, so they cost flash nothing but directory entries.
import { link, rename } from 'node:fs/promises';

/** How many earlier generations are kept beside the document. */
export const GENERATIONS = 3;

/** Generation 0 is the document itself; 1 the one before it, and so on. */
export function generationPath(file: string, generation: number): string {
  return generation === 0 ? file : `${file}.${generation}`;
}

const ignoreMissing = (err: unknown): void => {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
};

/**
 * Shifts `.2` → `.3`, `.1` → `.2` and links the document as `.1`, so the document itself stays in
 * place (a crash here leaves it readable) until the new content is renamed over it.
 */
export async function rotateGenerations(file: string): Promise<void> {
  for (let n = GENERATIONS - 1; n >= 1; n--) {
    await rename(generationPath(file, n), generationPath(file, n + 1)).catch(ignoreMissing);
  }
  await link(file, generationPath(file, 1)).catch(ignoreMissing);
}
