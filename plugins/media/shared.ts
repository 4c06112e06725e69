// What the three parts of the media plugin (ingest, convert, the library in service.ts) share:
// the library's index as they may touch it, the files layout, and the outputs.
import type { Logger } from 'pino';
import type { MediaEvent, MediaItem, MediaProgress } from '../../core/protocol/media.js';
import type { MediaConfig } from './config.js';
import type { MediaLayout } from './layout.js';
import type { LibraryEntry } from './library.js';
import type { ProbeLimits } from './probe.js';

export interface MediaShared {
  readonly cfg: MediaConfig;
  readonly layout: MediaLayout;
  readonly log: Logger;
  readonly probeLimits: ProbeLimits;
  /** Files that must survive a cleanup although no entry owns them yet (uploads, job outputs). */
  readonly busy: Set<string>;
  progress(p: Omit<MediaProgress, 'timestamp'>): void;
  event(e: MediaEvent): void;
  bySha(sha: string): LibraryEntry | undefined;
  item(e: LibraryEntry): MediaItem;
  /** Bytes the library's files take. */
  usedBytes(): number;
  /** The most the library may hold: media.max_storage_bytes, else media.max_storage_share of the disk. */
  quotaBytes(): number | null;
  /**
   * Runs a short change to the library in turn with the plugin's commands (ctx.lane). With a job's
   * `signal`, waiting ends (FfmpegCancelled) if the job is cancelled first, and the step never runs.
   */
  inTurn<T>(step: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Adds or replaces the entry for its content, in turn; resolves once the index is durable. */
  put(entry: LibraryEntry): Promise<void>;
  update(sha: string, patch: Partial<LibraryEntry>): Promise<LibraryEntry | undefined>;
  publishState(): Promise<void>;
}

export const now = (): string => new Date().toISOString();
export const round1 = (n: number): number => Math.round(n * 10) / 10;
