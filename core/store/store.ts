// JSON documents under the data directory: each opened through one checked read (load.ts), written
// atomically with earlier generations kept (document.ts), failures reported once per episode, and
// a space reserve that lets a delete be recorded on a full disk.
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TEMP_MARK } from './atomic-write.js';
import { isDiskFull, JsonDocument, type WriteHooks } from './document.js';
import { loadDocument, type DocumentOptions } from './load.js';
import { RESERVE_BYTES, SpaceReserve } from './reserve.js';
import { removeIfThere } from '../util/remove.js';
import { ignore } from '../util/swallow.js';

export { JsonDocument, type SetOptions } from './document.js';
export type { DocumentOptions } from './load.js';

export type StoreReportLevel = 'error' | 'warning' | 'info';

/** Where the store says what went wrong: the log and bridge/event (the runtime wires both). */
export type StoreReport = (level: StoreReportLevel, message: string, data: Record<string, unknown>) => void;

export interface StoreOptions {
  report?: StoreReport;
  /** Bytes held in `.space-reserve`; 0 keeps none. */
  reserveBytes?: number;
}

export const RESERVE_FILE = '.space-reserve';

/** What the root store and its scoped stores share. */
class Shared implements WriteHooks {
  readonly docs = new Map<string, JsonDocument<unknown>>();
  readonly reserve: SpaceReserve | null;
  /** Set at the first failed write, cleared by the next good one: a failure is reported once, not per write. */
  private failing: string | null = null;
  /** The temp-file sweep and the reserve, done once before the first document opens. */
  private ready: Promise<void> | null = null;

  constructor(
    readonly dir: string,
    readonly report: StoreReport,
    reserveBytes: number,
  ) {
    this.reserve = reserveBytes > 0 ? new SpaceReserve(join(dir, RESERVE_FILE), reserveBytes) : null;
  }

  prepare(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.dir, { recursive: true });
      await removeStaleTemps(this.dir);
      if (this.reserve && !(await this.reserve.ensure())) {
        this.report('warning', 'the disk has no room for the space reserve; it is made once space is freed', { dir: this.dir });
      }
    })();
    return this.ready;
  }

  releaseReserve(): Promise<boolean> {
    if (!this.reserve?.isHeld) return Promise.resolve(false);
    this.report('warning', 'the disk is full: the space reserve was given back so that a delete can be saved', {});
    return this.reserve.release();
  }

  written(): void {
    if (this.failing) {
      this.failing = null;
      this.report('info', 'state is saved again', {});
    }
    if (this.reserve && !this.reserve.isHeld) void this.reserve.ensure();
  }

  failed(path: string, err: unknown): void {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (this.failing === code) return;
    this.failing = code;
    const message = isDiskFull(err)
      ? 'the disk is full: changes are refused until space is freed (delete media from the library)'
      : `state could not be saved: ${(err as Error).message}`;
    this.report('error', message, { file: path, code });
  }
}

export class StateStore {
  private readonly shared: Shared;

  constructor(
    readonly dir: string,
    opts: StoreOptions = {},
    private readonly prefix = '',
    shared?: Shared,
  ) {
    this.shared = shared ?? new Shared(dir, opts.report ?? (() => undefined), opts.reserveBytes ?? RESERVE_BYTES);
  }

  /** A store whose document names are prefixed (each plugin gets its own). */
  scope(name: string): StateStore {
    return new StateStore(this.dir, {}, `${this.prefix}${name}.`, this.shared);
  }

  async open<T>(name: string, opts: DocumentOptions<T>): Promise<JsonDocument<T>> {
    if (!/^[a-z0-9_.-]+$/i.test(name)) throw new Error(`bad document name: ${name}`);
    // Plugins in JavaScript have no compiler to insist: every document is checked on read, so a schema is required.
    if (typeof (opts as Partial<DocumentOptions<T>>).schema !== 'object') throw new Error(`store.open(${name}): a JSON schema is required`);
    const file = join(this.dir, `${this.prefix}${name}.json`);
    const existing = this.shared.docs.get(file);
    if (existing) return existing as JsonDocument<T>;
    await this.shared.prepare();
    const loaded = await loadDocument(file, opts);
    const doc = new JsonDocument<T>(file, opts.version, loaded.data, this.shared);
    this.shared.docs.set(file, doc);
    const report = this.shared.report;
    for (const r of loaded.rejected) {
      report(
        'error',
        `state file ${r.generation ? `generation ${r.generation} of ` : ''}${doc.name} is unusable (${r.reason}); kept as ${r.keptAs}`,
        {
          file,
          kept_as: r.keptAs,
        },
      );
    }
    doc.restored = loaded.rejected.length > 0 || (loaded.generation ?? 0) > 0;
    if (doc.restored) {
      if (loaded.generation === null) {
        report('error', `no good generation of ${doc.name}: it starts from defaults`, { file });
      } else {
        report('warning', `${doc.name} restored from generation ${loaded.generation} (the last good one)`, {
          file,
          generation: loaded.generation,
        });
      }
    }
    // Written back now (migrated or restored); on a full disk it stays in memory as read, and is written with the next change.
    // The document reports its own failed write (hooks.failed → log and bridge/event), so nothing is lost here.
    if (loaded.rewrite) await doc.set(loaded.data).catch(ignore('a failed write is reported by the document itself'));
    return doc;
  }

  /** Called after files were deleted: the space reserve is made again when it was given back. */
  async spaceFreed(): Promise<void> {
    const reserve = this.shared.reserve;
    // An attempt already under way may have started before the files went: try once more after it.
    if (reserve && !(await reserve.ensure())) await reserve.ensure();
  }

  async flush(): Promise<void> {
    await Promise.all([...this.shared.docs.values()].map((d) => d.flush()));
  }
}

/** Temp files left by a crash or a failed write are garbage: the rename never happened. */
async function removeStaleTemps(dir: string): Promise<void> {
  for (const f of await readdir(dir)) {
    // Best effort: one that cannot go now is tried again at the next open, and is never read.
    if (f.includes(TEMP_MARK)) await removeIfThere(join(dir, f)).catch(ignore('a stale temp file is never read'));
  }
}
