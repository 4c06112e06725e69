// Where the library lives under <dataDir>/media/. Every name on disk comes from the content's
// SHA-256, never from what the client sent.
import { join } from 'node:path';

export const TEMP_PREFIX = '.tmp-';

export class MediaLayout {
  readonly root: string;
  /** Uploads being received (wiped at start: anything there was never acknowledged). */
  readonly incoming: string;
  /** Uploads kept until their conversion succeeds (or for good with keep_originals). */
  readonly originals: string;
  /** Converted clips and stills, what the player plays. */
  readonly clips: string;
  readonly thumbs: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'media');
    this.incoming = join(this.root, 'incoming');
    this.originals = join(this.root, 'originals');
    this.clips = join(this.root, 'clips');
    this.thumbs = join(this.root, 'thumbs');
  }

  /** The directories that hold library files (relative names in the index are under root). */
  get dirs(): string[] {
    return [this.incoming, this.originals, this.clips, this.thumbs];
  }

  abs(rel: string): string {
    return join(this.root, rel);
  }

  originalName(sha: string, ext: string): string {
    return `originals/${sha}.${ext}`;
  }

  clipName(sha: string, key: string, kind: 'video' | 'image'): string {
    return `clips/${sha}-${key}.${kind === 'video' ? 'mp4' : 'png'}`;
  }

  thumbName(sha: string, key: string): string {
    return `thumbs/${sha}-${key}.jpg`;
  }
}
