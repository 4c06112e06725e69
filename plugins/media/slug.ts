// Slugs (the first version's `<stem>_<sha256[0:16]>`) and safe names: an uploaded file's name is
// metadata only, so nothing in it ever reaches a path on disk.

/** The stem of a name as a client sent it, made safe: no path, lower case, [a-z0-9_-] only. */
export function safeStem(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const cleaned = stem
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, '_')
    .replace(/[^a-z0-9_-]+/g, '')
    .replace(/_{2,}/g, '_')
    .replace(/^[_-]+|[_-]+$/g, '')
    .slice(0, 64);
  return cleaned || 'media';
}

export function slugFor(filename: string, sha256: string): string {
  return `${safeStem(filename)}_${sha256.slice(0, 16)}`;
}

/** A name kept as metadata: control characters out, length bounded; shown, never used as a path. */
export function displayName(filename: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  const name = (filename ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return name || 'upload';
}

export const isSha256 = (s: string): boolean => /^[0-9a-f]{64}$/.test(s);
