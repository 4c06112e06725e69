// Password hashes for MQTT users: `scrypt$<N>$<salt b64>$<hash b64>` (no plain text in config).
// Checks run crypto.scrypt on libuv's pool (never scryptSync on the event loop): see auth-gate.ts
// for how many at once and the back-off per address.
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

const N = 16384;
const KEYLEN = 32;
// scrypt's default maxmem (32 MiB) is exactly 128 * N * r for N = 2^15; allow a little headroom.
const MAXMEM = 64 * 1024 * 1024;

/** For `loop passwd` (a CLI, so synchronous is fine there). */
export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, KEYLEN, { N });
  return `scrypt$${N}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Checked for unknown usernames so they take as long as known ones (random bytes: nothing matches). */
export const DUMMY_HASH = `scrypt$${N}$${randomBytes(16).toString('base64')}$${randomBytes(KEYLEN).toString('base64')}`;

interface Parsed {
  n: number;
  salt: Buffer;
  expected: Buffer;
}

function parse(stored: string): Parsed | null {
  const parts = stored.split('$');
  if (parts.length !== 4 || parts[0] !== 'scrypt') return null;
  const n = Number(parts[1]);
  // A power of two within what a Pi can afford: a hash from elsewhere must not pin the pool.
  if (!Number.isInteger(n) || n < 2 || n > 1 << 17 || (n & (n - 1)) !== 0) return null;
  const salt = Buffer.from(parts[2] ?? '', 'base64');
  const expected = Buffer.from(parts[3] ?? '', 'base64');
  if (expected.length === 0 || expected.length > 64) return null;
  return { n, salt, expected };
}

export function verifyPassword(password: string | Buffer, stored: string): Promise<boolean> {
  const p = parse(stored);
  if (!p) return Promise.resolve(false);
  return new Promise((resolve) => {
    scrypt(password, p.salt, p.expected.length, { N: p.n, maxmem: MAXMEM }, (err, actual) => {
      resolve(!err && timingSafeEqual(actual, p.expected));
    });
  });
}

/** `username:hash` lines; `#` comments and blank lines ignored. */
export function readPasswordFile(path: string): Array<{ username: string; password_hash: string }> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const i = l.indexOf(':');
      if (i <= 0) throw new Error(`${path}: expected username:hash, got "${l.slice(0, 40)}"`);
      return { username: l.slice(0, i), password_hash: l.slice(i + 1) };
    });
}
