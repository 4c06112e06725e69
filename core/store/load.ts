// The one checked read of a stored document: envelope, version, migrations and schema, trying the
// document and then its earlier generations; a bad one is renamed aside, never overwritten.
import type { TSchema } from '@sinclair/typebox';
import { readFile, rename } from 'node:fs/promises';
import { checkOnce } from '../config/validate.js';
import { GENERATIONS, generationPath } from './generations.js';

export interface DocumentOptions<T> {
  /** Current schema version of the document. */
  version: number;
  /** What the document holds, checked on every read (after migrations); its static type is T's. */
  schema: TSchema & { static: T };
  /** Used only when no generation exists, or (loudly) when none is good. */
  defaults: () => T;
  /** migrations[n] turns a version n-1 document into version n. */
  migrations?: Record<number, (old: unknown) => unknown>;
}

export interface Envelope {
  schema: number;
  data: unknown;
}

/** A generation that could not be used: where it was kept, and why. */
export interface Rejected {
  generation: number;
  keptAs: string;
  reason: string;
}

export interface Loaded<T> {
  data: T;
  /** Which generation was used; null when defaults were. */
  generation: number | null;
  rejected: Rejected[];
  /** The value must be written back (migrated, restored, or defaults replacing bad files). */
  rewrite: boolean;
}

type Decoded<T> = { ok: true; data: T; migrated: boolean } | { ok: false; reason: string };

export function decode<T>(raw: string, opts: DocumentOptions<T>): Decoded<T> {
  let env: Envelope;
  try {
    env = JSON.parse(raw) as Envelope;
  } catch (err) {
    return { ok: false, reason: `not JSON (${(err as Error).message})` };
  }
  if (typeof env !== 'object' || env === null || !Number.isInteger(env.schema) || env.schema < 1 || !('data' in env)) {
    return { ok: false, reason: 'not a document envelope ({"schema": <version>, "data": ...})' };
  }
  if (env.schema > opts.version) {
    return { ok: false, reason: `schema ${env.schema} is newer than this Loop understands (${opts.version})` };
  }
  let data: unknown = env.data;
  try {
    for (let v = env.schema + 1; v <= opts.version; v++) {
      const migrate = opts.migrations?.[v];
      if (!migrate) return { ok: false, reason: `no migration from schema ${v - 1} to ${v}` };
      data = migrate(data);
    }
  } catch (err) {
    return { ok: false, reason: `migration failed (${(err as Error).message})` };
  }
  const problems = checkOnce(opts.schema, data);
  if (problems.length) {
    const first = problems.slice(0, 3).map((p) => `${p.path || '/'}: ${p.message}`);
    return { ok: false, reason: `wrong shape: ${first.join('; ')}${problems.length > 3 ? ` (+${problems.length - 3} more)` : ''}` };
  }
  return { ok: true, data: data as T, migrated: env.schema !== opts.version };
}

/** Reads the newest good generation; each bad one met on the way is kept aside as `<file>.corrupt-<time>[.n]`. */
export async function loadDocument<T>(file: string, opts: DocumentOptions<T>): Promise<Loaded<T>> {
  const rejected: Rejected[] = [];
  const stamp = Date.now();
  for (let generation = 0; generation <= GENERATIONS; generation++) {
    const path = generationPath(file, generation);
    let raw: string;
    try {
      raw = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const result = decode(raw, opts);
    if (result.ok) {
      return { data: result.data, generation, rejected, rewrite: result.migrated || generation > 0 };
    }
    const keptAs = `${file}.corrupt-${stamp}${generation ? `.${generation}` : ''}`;
    await rename(path, keptAs);
    rejected.push({ generation, keptAs, reason: result.reason });
  }
  return { data: opts.defaults(), generation: null, rejected, rewrite: rejected.length > 0 };
}
