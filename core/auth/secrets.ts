// Random secrets and their digests: session ids and API tokens are 256-bit random strings, kept
// only as sha256 digests at rest (a stolen file grants nothing), and compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url (43 characters). */
export const randomSecret = (): string => randomBytes(32).toString('base64url');

/** A short public id (shown in lists, used to revoke). */
export const randomId = (): string => randomBytes(6).toString('hex');

export const digest = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

/** Constant-time equality of two hex digests of the same length. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
