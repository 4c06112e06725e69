// Resumable uploads (tus) as the page and the media plugin share them: where, in what chunks, and
// how a tus upload's id names its job. No schema library here: the page imports this at run time
// and must not pull the contract's schemas into its first load.

/** Where resumable uploads (tus 1.0.0) are made; the page and the media plugin both use it (docs/media.md). */
export const TUS_UPLOAD_PATH = '/api/uploads/tus';
/** The largest tus PATCH the page sends: a cut connection loses at most this much. */
export const TUS_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * The job id of a resumable upload, from its tus id (32 hex digits, the last part of its URL): the same
 * from the first byte, across resumes and restarts, to done, so the page that sends it knows its
 * progress rows without matching names. Null for an id of another shape.
 */
export function tusJobId(uploadId: string): string | null {
  if (!/^[0-9a-f]{32}$/.test(uploadId)) return null;
  const id = uploadId;
  return `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
}
