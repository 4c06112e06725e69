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

/** Longest name kept, in characters: a name is a label on the page, not a document. */
export const NAME_MAX = 128;

/**
 * A name kept as metadata: printable characters only (no controls, no bidi overrides that make
 * `gpj.exe` read as `exe.jpg`, no zero-width or line separators), whitespace runs as one space,
 * at most NAME_MAX characters. Shown as text, never used as a path.
 */
export function displayName(filename: string | undefined): string {
  const cleaned = (filename ?? '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const name = Array.from(cleaned).slice(0, NAME_MAX).join('').trim();
  return name || 'upload';
}

export const isSha256 = (s: string): boolean => /^[0-9a-f]{64}$/.test(s);
