// Human names for the clip select: the upload's file name without its extension, cleaned, and
// made unique ("Cat", "Cat (2)") in library order. Names are text only; slugs are what commands use.
import type { MediaItem } from '../../core/protocol/index.js';

const MAX = 80;

export interface ClipNames {
  /** In library order: the select's options. */
  readonly names: string[];
  readonly slugOf: ReadonlyMap<string, string>;
  readonly nameOf: ReadonlyMap<string, string>;
}

export function baseName(filename: string, slug: string): string {
  const cleaned = filename
    .replace(/\.[A-Za-z0-9]{1,5}$/, '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return (cleaned || slug).slice(0, MAX);
}

export function clipNames(items: readonly MediaItem[]): ClipNames {
  const names: string[] = [];
  const slugOf = new Map<string, string>();
  const nameOf = new Map<string, string>();
  for (const item of items) {
    if (item.processing_status !== 'ready') continue;
    const base = baseName(item.filename, item.slug);
    let name = base;
    for (let n = 2; slugOf.has(name); n++) name = `${base} (${n})`;
    names.push(name);
    slugOf.set(name, item.slug);
    nameOf.set(item.slug, name);
  }
  return { names, slugOf, nameOf };
}
