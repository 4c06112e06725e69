// Password hashes for MQTT users: `scrypt$<N>$<salt b64>$<hash b64>` (no plain text in config).
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

const N = 16384;
const KEYLEN = 32;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, KEYLEN, { N });
  return `scrypt$${N}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function verifyPassword(password: string | Buffer, stored: string): boolean {
  const parts = stored.split('$');
  if (parts.length !== 4 || parts[0] !== 'scrypt') return false;
  const n = Number(parts[1]);
  if (!Number.isInteger(n) || n < 2) return false;
  const salt = Buffer.from(parts[2] ?? '', 'base64');
  const expected = Buffer.from(parts[3] ?? '', 'base64');
  const actual = scryptSync(password, salt, expected.length, { N: n });
  return expected.length > 0 && timingSafeEqual(actual, expected);
}

/** `username:hash` lines; `#` comments and blank lines ignored. */
export function readPasswordFile(path: string): Array<{ username: string; password_hash: string }> {
  return readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => {
    const i = l.indexOf(':');
    if (i <= 0) throw new Error(`${path}: expected username:hash, got "${l.slice(0, 40)}"`);
    return { username: l.slice(0, i), password_hash: l.slice(i + 1) };
  });
}
