// Uploads a reloaded (or closed) page left unfinished: tus-js-client keeps each one's address in
// localStorage under `tus::<fingerprint>::<n>` until it succeeds. Read here without loading the
// client, so the tray can say "1 upload paused: pick the file again to resume" at once.
import { TUS_UPLOAD_PATH } from '../../../core/protocol/uploads.js';

export interface PausedUpload {
  /** The localStorage key (forgetting it forgets the upload here). */
  key: string;
  filename: string;
  size: number;
  /** The upload's address on the device. */
  url: string;
  /** Bytes the device has (asked with a HEAD); undefined until known. */
  received?: number;
}

const PREFIX = 'tus::';

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    // A sandboxed page may not read localStorage at all: nothing can be paused there.
    return null;
  }
}

/** The unfinished uploads this browser holds for this device. */
export function pausedUploads(): PausedUpload[] {
  const store = storage();
  if (!store) return [];
  const ours = new URL(TUS_UPLOAD_PATH, location.href).href;
  const found: PausedUpload[] = [];
  for (let i = 0; i < store.length; i++) {
    const key = store.key(i);
    if (!key?.startsWith(PREFIX)) continue;
    try {
      const entry = JSON.parse(store.getItem(key) ?? 'null') as {
        size?: number | null;
        metadata?: Record<string, string>;
        uploadUrl?: string | null;
      } | null;
      const url = entry?.uploadUrl;
      if (!url?.startsWith(`${ours}/`)) continue;
      found.push({ key, filename: entry?.metadata?.filename ?? 'a file', size: entry?.size ?? 0, url });
    } catch {
      // Another page's malformed entry under the same prefix: not one of ours.
      continue;
    }
  }
  return found;
}

/** Forgets, in this browser only, the upload at `url` (the device has removed it already). */
export function forgetStored(url: string): void {
  const store = storage();
  for (const p of pausedUploads()) if (p.url === url) store?.removeItem(p.key);
}

/** Drops one paused upload: here, and on the device (its bytes free their room at once). */
export async function forgetPaused(p: PausedUpload): Promise<void> {
  storage()?.removeItem(p.key);
  await fetch(p.url, { method: 'DELETE', headers: { 'tus-resumable': '1.0.0' }, credentials: 'same-origin' }).catch(() => {
    // The device is unreachable: the upload expires there on its own (media.upload_expiry_hours).
    return undefined;
  });
}

/** How many bytes of this paused upload the device has; null once it is gone there (expired or finished). */
export async function receivedOf(p: PausedUpload): Promise<number | null | undefined> {
  try {
    const res = await fetch(p.url, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' }, credentials: 'same-origin' });
    if (res.status === 404 || res.status === 410) return null;
    const offset = Number(res.headers.get('upload-offset'));
    return res.ok && Number.isFinite(offset) ? offset : undefined;
  } catch {
    // Unreachable right now (undefined: not known); it is asked again when the file is picked.
    return undefined;
  }
}
