// Short secrets that only the device's own screen (or a root shell on it) shows: the setup code that
// proves presence when claiming, and the setup hotspot's WPA2 password. Random per device, kept 0600
// in <data dir>/auth, read in-process (never published on MQTT, never logged), compared in constant time.
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite } from '../store/atomic-write.js';
import { authDir } from './files.js';
import { giveTo, type FileOwner } from './file-owner.js';
import { ignore } from '../util/swallow.js';

/** No 0/O, 1/I/L: read off a small screen and typed on a phone without doubt. */
export const UNAMBIGUOUS = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export interface SecretShape {
  file: string;
  /** Characters of a value Loop makes. */
  length: number;
  /** What a stored value may be (a configured hotspot password is kept there too); default: what Loop makes. */
  accepts?: RegExp;
}

/** The claim's setup code: 8 characters (about 40 bits; the login throttle bounds guessing). */
export const SETUP_CODE: SecretShape = { file: 'setup-code', length: 8 };
/** The setup hotspot's WPA2 key (8-63 characters): 12 characters, about 59 bits, against offline cracking. */
export const HOTSPOT_PASSWORD: SecretShape = { file: 'hotspot-password', length: 12, accepts: /^[\x20-\x7e]{8,63}$/ };

export const randomSecretText = (length: number): string =>
  Array.from({ length }, () => UNAMBIGUOUS[randomInt(UNAMBIGUOUS.length)] as string).join('');

/** What a person typed, as stored: upper case, without the spaces and dashes people add. */
export const normaliseCode = (typed: string): string => typed.replace(/[\s-]/g, '').toUpperCase();

const digestOf = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export class DeviceSecret {
  readonly path: string;
  private readonly pattern: RegExp;

  constructor(
    readonly dataDir: string,
    readonly shape: SecretShape,
    /** Who gets the file (the CLI run as root: the data dir's owner); null = whoever runs. */
    private readonly owner: FileOwner | null = null,
  ) {
    this.path = join(authDir(dataDir), shape.file);
    this.pattern = shape.accepts ?? new RegExp(`^[${UNAMBIGUOUS}]{${shape.length}}$`);
  }

  /** The stored secret, or null when there is none (or it is not one Loop made: ensure() replaces it). */
  async read(): Promise<string | null> {
    try {
      const text = (await readFile(this.path, 'utf8')).trim();
      return this.pattern.test(text) ? text : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /**
   * The secret, made first when there is none. Made with link() so that Loop and the CLI starting
   * at the same moment agree on one value (the second link fails with EEXIST and reads the first).
   */
  async ensure(): Promise<string> {
    const have = await this.read();
    if (have) return have;
    await mkdir(authDir(this.dataDir), { recursive: true, mode: 0o700 });
    await giveTo(this.owner, authDir(this.dataDir));
    const fresh = randomSecretText(this.shape.length);
    // Its own temp name per call: two calls in one process (the idle card and the claim route at a
    // fresh start) once shared `.new-<pid>`, and the first one's cleanup removed it under the second.
    const tmp = `${this.path}.new-${process.pid}-${randomBytes(4).toString('hex')}`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(`${fresh}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await giveTo(this.owner, tmp);
    try {
      await link(tmp, this.path);
      return fresh;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const other = await this.read();
      if (other) return other;
      // A damaged file that is not a secret: replace it (the new value is what the screen shows).
      await atomicWrite(this.path, `${fresh}\n`, 0o600);
      await giveTo(this.owner, this.path);
      return fresh;
    } finally {
      // The value is in place (linked or written) or the error is already thrown; a `.new-*` file left
      // behind (a crash between the two) is never read.
      await unlink(tmp).catch(ignore('a leftover temp copy is never read'));
    }
  }

  /** A new value (after a claim: the code seen by whoever stood at the screen is spent). */
  async rotate(): Promise<string> {
    const fresh = randomSecretText(this.shape.length);
    await this.write(fresh);
    return fresh;
  }

  /** Keeps `value` (a configured hotspot password, so the screen shows the one in use). */
  async write(value: string): Promise<void> {
    if (!this.pattern.test(value)) throw new Error(`${this.shape.file}: not a value this file can hold`);
    await mkdir(authDir(this.dataDir), { recursive: true, mode: 0o700 });
    await atomicWrite(this.path, `${value}\n`, 0o600);
    await giveTo(this.owner, this.path);
  }

  /** Whether `typed` is the secret; constant time over digests, so the comparison leaks no prefix. */
  async matches(typed: unknown): Promise<boolean> {
    if (typeof typed !== 'string' || typed.length === 0 || typed.length > 64) return false;
    const stored = await this.read();
    if (!stored) return false;
    return timingSafeEqual(digestOf(normaliseCode(typed)), digestOf(stored));
  }
}

/** How a code is shown: two groups of four, easier to read off a screen and to type. */
export const showCode = (code: string): string => (code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code);
