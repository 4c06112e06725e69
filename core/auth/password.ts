// The owner's password: scrypt off the event loop (libuv's pool), at most a few at once so a flood
// of logins queues instead of eating the device's memory (each scrypt holds 16 MB), and a dummy
// hash so a login costs the same whether or not an owner exists.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const N = 16384;
const R = 8;
const KEYLEN = 32;
/** 128 * N * r bytes per hash, plus headroom. */
const MAXMEM = 64 * 1024 * 1024;

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

/** Why a proposed password is refused, or null when it is acceptable. */
export function passwordProblem(pw: unknown): string | null {
  if (typeof pw !== 'string') return 'password must be a string';
  if (pw.length < PASSWORD_MIN) return `password must have at least ${PASSWORD_MIN} characters`;
  if (pw.length > PASSWORD_MAX) return `password must have at most ${PASSWORD_MAX} characters`;
  return null;
}

/** A counting semaphore: scrypt calls beyond `limit` wait their turn; beyond `queue` they are refused. */
export class Gate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(
    private readonly limit: number,
    private readonly queue: number,
  ) {}

  get busy(): boolean {
    return this.running >= this.limit && this.waiting.length >= this.queue;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      if (this.waiting.length >= this.queue) throw new Error('busy');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

const gate = new Gate(2, 16);

function derive(pw: string, salt: Buffer, n: number, keylen: number): Promise<Buffer> {
  return gate.run(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        scrypt(pw.normalize('NFC'), salt, keylen, { N: n, r: R, p: 1, maxmem: MAXMEM }, (err, key) => (err ? reject(err) : resolve(key)));
      }),
  );
}

/** `scrypt$<N>$<salt b64>$<hash b64>`, the format mqtt.users already uses. */
export async function hashOwnerPassword(pw: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(pw, salt, N, KEYLEN);
  return `scrypt$${N}$${salt.toString('base64')}$${key.toString('base64')}`;
}

let dummy: Promise<string> | null = null;

/** Checks `pw` against `stored`; with no stored hash, against a dummy one (same cost, always false). */
export async function checkOwnerPassword(pw: string, stored: string | null): Promise<boolean> {
  const against = stored ?? (await (dummy ??= hashOwnerPassword(randomBytes(16).toString('hex'))));
  const parts = against.split('$');
  const n = Number(parts[1]);
  const salt = Buffer.from(parts[2] ?? '', 'base64');
  const expected = Buffer.from(parts[3] ?? '', 'base64');
  if (parts.length !== 4 || parts[0] !== 'scrypt' || !Number.isInteger(n) || n < 2 || expected.length === 0) return false;
  const actual = await derive(pw, salt, n, expected.length);
  return timingSafeEqual(actual, expected) && stored !== null;
}

/** True when a login would have to wait behind a full queue (the caller answers 429 at once). */
export const scryptBusy = (): boolean => gate.busy;
