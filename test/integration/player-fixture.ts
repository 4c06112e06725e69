// Shared by the player and loop integration tests: a Loop running the player and loop plugins on a
// headless mpv, a library published on the bus (what the media plugin would publish), and a second
// IPC connection to the player's mpv, so tests read back what mpv really plays.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaItem, MediaState } from '../../core/protocol/index.js';
import { MpvIpc, type MpvEvent } from '../../plugins/player/mpv-ipc.js';
import { startTestLoop, type TestLoop } from '../helpers/loop.js';
import { withDeadline } from '../helpers/wait.js';

export interface Media { slug: string; path: string; kind: 'video' | 'image'; duration?: number }

export function mediaItem(m: Media): MediaItem {
  return {
    slug: m.slug, filename: `${m.slug}.${m.kind === 'image' ? 'png' : 'mp4'}`, type: m.kind === 'image' ? 'image/png' : 'video/mp4',
    size: 1000, uploadedAt: new Date().toISOString(), url: `/media/${m.slug}`, thumbnail_url: null, kind: m.kind,
    duration: m.duration ?? (m.kind === 'video' ? 1 : null), width: 320, height: 240, frame_count: 25,
    processing_status: 'ready', path: m.path,
  };
}

/** Publishes the library as the media plugin would (retained `media`). */
export async function publishLibrary(loop: TestLoop, items: readonly Media[]): Promise<void> {
  const state: MediaState = { items: items.map(mediaItem), updated_at: new Date().toISOString() };
  await loop.runtime.bus.publish('media', state, { retain: true });
}

export const mpvSocket = (): string => join(tmpdir(), `loop-it-${process.pid}-${Math.random().toString(36).slice(2, 8)}.sock`);

export interface PlayerLoopOptions {
  socket?: string;
  player?: Record<string, unknown>;
  loop?: Record<string, unknown>;
  dataDir?: string;
}

/** A Loop with system, player (mpv --vo=null --ao=null) and loop. */
export function startPlayerLoop(o: PlayerLoopOptions = {}): Promise<TestLoop> {
  return startTestLoop({
    plugins: ['system', 'player', 'loop'],
    player: { vo: 'null', ao: 'null', ipc_socket: o.socket ?? mpvSocket(), hang_timeout_ms: 1000, ...o.player },
    loop: { repeat: 1, image_duration: 1, ...o.loop },
  }, o.dataDir ? { dataDir: o.dataDir } : {});
}

export interface Seen { event: string; t: number; id?: number; reason?: string }

/** A second connection to the player's mpv: records events, reads properties, follows restarts. */
export class MpvWatch {
  ipc: MpvIpc;
  readonly events: Seen[] = [];
  private waiters: Array<{ pred: (e: Seen) => boolean; resolve: (e: Seen) => void }> = [];

  constructor(private readonly socket: string) {
    this.ipc = this.make();
  }

  private make(): MpvIpc {
    const ipc = new MpvIpc({ binary: 'mpv', socket: this.socket, args: [] });
    ipc.on('event', (e: MpvEvent) => {
      const seen: Seen = { event: e.event, t: performance.now() };
      if (typeof e.playlist_entry_id === 'number') seen.id = e.playlist_entry_id;
      if (typeof e.reason === 'string') seen.reason = e.reason;
      this.events.push(seen);
      for (const w of [...this.waiters]) {
        if (w.pred(seen)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(seen);
        }
      }
    });
    return ipc;
  }

  /** (Re)connects, retrying while mpv (re)starts. */
  async attach(timeoutMs = 5000): Promise<void> {
    this.ipc.detach();
    this.ipc = this.make();
    const end = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.ipc.attach();
        return;
      } catch (err) {
        if (Date.now() > end) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  mark(): number {
    return this.events.length;
  }

  next(pred: (e: Seen) => boolean, timeoutMs = 5000, since = this.events.length): Promise<Seen> {
    const hit = this.events.slice(since).find(pred);
    if (hit) return Promise.resolve(hit);
    return withDeadline(new Promise<Seen>((resolve) => this.waiters.push({ pred, resolve })), timeoutMs, 'an mpv event');
  }

  async path(): Promise<string | null> {
    return ((await this.ipc.getProperty('path').catch(() => null)) as string | null) ?? null;
  }

  async pid(): Promise<number> {
    return (await this.ipc.getProperty('pid')) as number;
  }

  /** Waits until mpv plays `path` (checking now, then at each start-file). */
  async playing(path: string, timeoutMs = 5000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if ((await this.path()) === path) return;
      await this.next((e) => e.event === 'start-file' || e.event === 'file-loaded', Math.max(50, Math.min(500, end - Date.now()))).catch(() => undefined);
    }
    throw new Error(`mpv did not play ${path} within ${timeoutMs} ms (plays ${await this.path()})`);
  }

  close(): void {
    this.ipc.detach();
  }
}
