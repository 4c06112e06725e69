// The player: one long-lived mpv whose playlist mirrors the loop, so mpv itself moves from clip
// to clip (gapless). It reads the retained `loop`, `media` and `wifi` topics, publishes `player`
// on every change and `player/position` at most once a second, and restarts mpv when it dies or
// stops answering (resuming the same item), until too many crashes make it an error.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PluginContext } from '../../core/plugins/api.js';
import {
  ActionError, type LoopState, type MediaItem, type PlayerState, type PlayerStateName, type WifiState,
} from '../../core/protocol/index.js';
import type { JsonDocument } from '../../core/store/store.js';
import type { PlayerConfig } from './config.js';
import { localFacts, screenAss, screenText } from './idle-screen.js';
import { MpvError, MpvIpc, type MpvEvent, type MpvExit } from './mpv-ipc.js';
import { MpvOrphans } from './orphans.js';
import { planFrom, planKey, playableLibrary, startSlug, type PlaylistEntry } from './playlist.js';
import { effectiveVo, hasScreen } from './screen.js';
import { asText } from '../../core/util/text.js';

interface Settings { volume: number; muted: boolean }

/** What mpv is doing about the player as a whole (the `state` of `player` is derived from it). */
type Phase = 'starting' | 'running' | 'restarting' | 'unavailable' | 'error' | 'closed';

interface Loaded { entry: PlaylistEntry; cue: number }

interface CueWaiter { cue: number; resolve: () => void }

const OVERLAY_ID = 1;

export function mpvArgs(c: PlayerConfig, volume: number, imageDuration: number, screen = hasScreen()): string[] {
  const vo = effectiveVo(c.vo, screen);
  const args = [
    '--no-config', '--no-input-terminal', '--quiet', '--term-osd=no', '--msg-level=all=warn',
    '--loop-playlist=inf', '--prefetch-playlist=yes', '--keep-open=no', '--gapless-audio=yes',
    `--image-display-duration=${imageDuration}`, '--audio-display=no',
    '--osd-level=0', '--no-osc', '--no-input-default-bindings', '--input-vo-keyboard=no', '--cursor-autohide=always',
    '--demuxer-max-bytes=16MiB', '--demuxer-max-back-bytes=4MiB',
    `--hwdec=${c.hwdec}`, `--volume=${volume}`,
  ];
  if (vo !== 'auto') args.push(`--vo=${vo}`);
  if (c.ao !== 'auto') args.push(`--ao=${c.ao}`);
  // A window (or DRM plane) even when idle, so the idle card can be drawn; the null output has none.
  if (vo !== 'null') args.push('--force-window=yes', '--fullscreen');
  if (c.drm_device) args.push(`--drm-device=${c.drm_device}`);
  return [...args, ...c.extra_args];
}

export class PlayerService {
  private mpv: MpvIpc | null = null;
  private phase: Phase = 'starting';
  private reason: string | null = null;
  private settings!: JsonDocument<Settings>;
  private readonly offs: Array<() => void> = [];
  private timers: NodeJS.Timeout[] = [];

  // What the loop and the library say (retained topics).
  private loop: LoopState | undefined;
  private library = new Map<string, MediaItem>();
  private wifi: WifiState | undefined;

  // What mpv holds and plays.
  private loaded = new Map<number, Loaded>();
  private currentId: number | null = null;
  private current: Loaded | null = null;
  private appliedKey: string | null = null;
  private handledCue = -1;
  private settledCue = 0;
  private stopped = false;
  private paused = false;
  private position: number | null = null;
  private duration: number | null = null;
  private frameRate: number | null = null;
  private screen: string | null = null;
  private fileErrors = 0;
  private lastFileError = '';
  private resume: { slug: string; position: number | null } | null = null;
  /** The item the loop (or a resume) asked for while it was not playable; played as soon as it is. */
  private wanted: string | null = null;

  private crashes: number[] = [];
  private lock: Promise<unknown> = Promise.resolve();
  private syncQueued = false;
  private cueWaiters: CueWaiter[] = [];
  private screenWaiters: Array<() => void> = [];
  private lastPublished = '';
  private lastTick = '';
  private pinging = false;
  private readonly socket: string;
  private readonly orphans: MpvOrphans;

  constructor(private readonly ctx: PluginContext<PlayerConfig>) {
    this.orphans = new MpvOrphans(ctx.dataDir);
    this.socket = ctx.config.ipc_socket ?? join(tmpdir(), `loop-mpv-${process.pid}-${randomBytes(3).toString('hex')}.sock`);
  }

  async start(): Promise<void> {
    const c = this.ctx.config;
    this.settings = await this.ctx.store.open<Settings>('settings', {
      version: 1,
      defaults: () => ({ volume: c.volume, muted: false }),
      validate: (v): v is Settings => typeof v === 'object' && v !== null && typeof (v as Settings).volume === 'number' && typeof (v as Settings).muted === 'boolean',
    });
    this.loop = this.ctx.bus.last('loop');
    this.library = playableLibrary(this.ctx.bus.last('media')?.items ?? []);
    this.wifi = this.ctx.bus.last('wifi');
    this.offs.push(this.ctx.bus.subscribe('loop', (l) => {
      this.loop = l;
      this.requestSync();
    }));
    this.offs.push(this.ctx.bus.subscribe('media', (m) => {
      this.library = playableLibrary(m.items);
      this.requestSync();
    }));
    this.offs.push(this.ctx.bus.subscribe('wifi', (w) => {
      this.wifi = w;
      // Always: the card may be being drawn right now with the old facts. While a clip plays, sync is a no-op.
      this.requestSync();
    }));
    await this.launch();
    this.timers.push(setInterval(() => this.tick(), c.position_interval_seconds * 1000));
    this.timers.push(setInterval(() => void this.watchdog(), Math.max(100, Math.floor(c.hang_timeout_ms / 2))));
  }

  async stop(): Promise<void> {
    this.phase = 'closed';
    this.offs.splice(0).forEach((off) => off());
    this.timers.splice(0).forEach((t) => clearInterval(t));
    for (const w of this.cueWaiters.splice(0)) w.resolve();
    await this.mpv?.quit().catch(() => undefined);
    this.mpv = null;
    await this.orphans.clear();
    await this.settings?.flush();
  }

  // ---- mpv life cycle -------------------------------------------------------------------

  /** Starts mpv and fills its playlist; a missing mpv makes the player `unavailable`, not a failure. */
  private async launch(): Promise<void> {
    const c = this.ctx.config;
    const s = this.settings.get();
    const leftover = await this.orphans.killLeftover();
    if (leftover !== null) this.ctx.log.warn({ pid: leftover }, 'killed an mpv a previous Loop left running');
    const guard = await this.orphans.args().catch(() => []);
    const mpv = new MpvIpc({ binary: c.mpv, socket: this.socket, args: [...guard, ...mpvArgs(c, s.volume, this.loop?.image_duration ?? 10)] });
    this.phase = 'starting';
    try {
      await mpv.start();
      await this.orphans.record(mpv.pid).catch(() => undefined);
    } catch (err) {
      const e = err as MpvError;
      if (e.kind === 'missing') {
        this.phase = 'unavailable';
        this.reason = e.message;
        this.ctx.log.warn(e.message);
        this.ctx.setDetail({ mpv: 'unavailable', reason: e.message });
        this.ctx.notify('warning', `player unavailable: ${e.message}`, undefined, 'player_unavailable');
        await this.publish();
        return;
      }
      await this.onExit({ code: null, signal: null, expected: false, stderr: e.message });
      return;
    }
    this.mpv = mpv;
    this.loaded.clear();
    this.current = null;
    this.currentId = null;
    this.appliedKey = null;
    mpv.on('event', (e) => this.onEvent(e));
    mpv.on('property', (name, value) => this.onProperty(name, value));
    mpv.on('stderr', (line) => this.ctx.log.warn({ mpv: line }, 'mpv says'));
    mpv.once('exit', (x) => {
      if (this.mpv === mpv) this.mpv = null;
      void this.onExit(x);
    });
    try {
      for (const p of ['pause', 'time-pos', 'duration', 'volume', 'mute', 'container-fps']) await mpv.observeProperty(p);
      await mpv.mute(s.muted);
    } catch (err) {
      // It died (or stopped answering) while being set up: the exit handler restarts it.
      this.ctx.log.warn({ err: (err as Error).message }, 'mpv failed while being set up');
      mpv.kill();
      return;
    }
    this.phase = 'running';
    this.reason = null;
    this.ctx.setDetail({ mpv: 'running', pid: mpv.pid, reason: null });
    this.ctx.log.info({ pid: mpv.pid, socket: this.socket }, 'mpv started');
    this.requestSync();
  }

  private async onExit(x: MpvExit): Promise<void> {
    if (x.expected || this.phase === 'closed' || this.phase === 'error') return;
    const resumeFrom = this.current?.entry.slug ?? this.resume?.slug ?? null;
    if (resumeFrom) this.resume = { slug: resumeFrom, position: this.current?.entry.kind === 'video' ? this.position : null };
    this.current = null;
    this.currentId = null;
    const now = Date.now();
    const windowMs = this.ctx.config.crash_window_seconds * 1000;
    this.crashes = [...this.crashes.filter((t) => now - t < windowMs), now];
    const how = x.signal ? `killed by ${x.signal}` : x.code !== null ? `exited with code ${x.code}` : x.stderr;
    const detail = x.stderr && x.stderr !== how ? `: ${x.stderr.split('\n').slice(-2).join(' ')}` : '';
    if (this.crashes.length >= this.ctx.config.max_crashes) {
      this.phase = 'error';
      this.reason = `mpv crashed ${this.crashes.length} times within ${this.ctx.config.crash_window_seconds} s (last: ${how}${detail}); send play to try again`;
      this.ctx.log.error(this.reason);
      this.ctx.setDetail({ mpv: 'error', reason: this.reason, pid: null });
      this.ctx.notify('error', `player stopped: ${this.reason}`, { crashes: this.crashes.length }, 'player_error');
      await this.publish();
      return;
    }
    const backoff = 250 * 2 ** (this.crashes.length - 1);
    this.phase = 'restarting';
    this.reason = `mpv ${how}${detail}; restarting`;
    this.ctx.log.warn({ backoff }, this.reason);
    this.ctx.setDetail({ mpv: 'restarting', reason: this.reason, pid: null });
    this.ctx.notify('warning', `player: ${this.reason}`, { resume: this.resume?.slug ?? null, attempt: this.crashes.length }, 'player_restart');
    await this.publish();
    const timer = setTimeout(() => {
      this.timers = this.timers.filter((t) => t !== timer);
      if (this.phase === 'restarting') void this.serial(() => this.launch());
    }, backoff);
    this.timers.push(timer);
  }

  /** An mpv that does not answer within hang_timeout_ms is killed; onExit then restarts it. */
  private async watchdog(): Promise<void> {
    const mpv = this.mpv;
    if (!mpv || this.phase !== 'running' || this.pinging) return;
    this.pinging = true;
    try {
      await mpv.commandWithin(this.ctx.config.hang_timeout_ms, 'get_property', 'pid');
    } catch (err) {
      if ((err as MpvError).kind === 'timeout' && this.mpv === mpv) {
        this.ctx.log.warn(`mpv did not answer within ${this.ctx.config.hang_timeout_ms} ms; killing it`);
        mpv.kill();
      }
    } finally {
      this.pinging = false;
    }
  }

  // ---- following the loop ---------------------------------------------------------------

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Coalesces bursts of retained updates into one sync. */
  private requestSync(): void {
    if (this.syncQueued) return;
    this.syncQueued = true;
    void this.serial(async () => {
      this.syncQueued = false;
      try {
        await this.sync();
      } catch (err) {
        // mpv died mid-sync: onExit restarts it and syncs again.
        this.ctx.log.debug({ err: (err as Error).message }, 'sync interrupted');
      }
    });
  }

  private async sync(): Promise<void> {
    const mpv = this.mpv;
    if (!mpv || this.phase !== 'running') return;
    const loop = this.loop;
    if (!loop) return this.showIdle(mpv, 'empty', this.settledCue);
    const cueChanged = loop.cue !== this.handledCue;
    if (cueChanged) {
      this.handledCue = loop.cue;
      this.stopped = false;
      this.resume = null;
      this.wanted = null;
    }
    if (this.stopped) return this.showIdle(mpv, 'stopped', loop.cue);

    // The item asked for was not playable (still converting, library not loaded yet): play it as soon as it is.
    if (this.wanted !== null && !loop.order.includes(this.wanted)) this.wanted = null;
    if (!cueChanged && this.wanted !== null && this.library.has(this.wanted)) {
      const wanted = this.wanted;
      this.wanted = null;
      if (this.current?.entry.slug !== wanted) return this.loadFresh(mpv, loop, wanted, false);
    }

    const playing = this.current?.entry.slug ?? null;
    const stillThere = playing !== null && loop.order.includes(playing) && this.library.has(playing);
    if (!cueChanged && stillThere && playing !== null) {
      const key = planKey(loop, this.library, playing);
      if (key !== this.appliedKey) await this.rebuildKeeping(mpv, loop);
      return;
    }
    const preferred = !cueChanged && this.resume ? this.resume.slug : loop.active;
    const target = startSlug(loop, this.library, preferred);
    if (target === null) {
      this.wanted = preferred;
      return this.showIdle(mpv, loop.items.length ? 'waiting' : 'empty', loop.cue);
    }
    await this.loadFresh(mpv, loop, target, cueChanged, preferred);
  }

  /**
   * Replaces mpv's playlist with the loop rotated to start at `target`. When that is a stand-in
   * for `preferred` (not playable yet), the player switches to `preferred` once it is.
   */
  private async loadFresh(mpv: MpvIpc, loop: LoopState, target: string, unpause: boolean, preferred: string | null = target): Promise<void> {
    this.wanted = preferred !== null && preferred !== target ? preferred : null;
    const plan = planFrom(loop, this.library, target);
    const [first, ...rest] = plan;
    if (!first) return;
    await this.hideIdle(mpv);
    const resume = this.resume?.slug === target ? this.resume : null;
    this.resume = null;
    const firstOptions = { ...first.options, ...(resume?.position ? { start: resume.position.toFixed(3) } : {}) };
    const cue = loop.cue;
    this.loaded.clear();
    const id = await mpv.load(first.path, 'replace', firstOptions);
    this.register(id, { entry: first, cue });
    if (unpause || this.stopped) await mpv.resume();
    for (const e of rest) this.register(await mpv.load(e.path, 'append', e.options), { entry: e, cue });
    this.appliedKey = planKey(loop, this.library, target);
  }

  /** Rewrites the playlist around the entry that plays now, without interrupting it. */
  private async rebuildKeeping(mpv: MpvIpc, loop: LoopState): Promise<void> {
    await mpv.command('playlist-clear');
    const list = (await mpv.getProperty('playlist')) as Array<{ id: number; filename: string }> | null;
    const kept = list?.[0];
    const keptEntry = kept ? this.loaded.get(kept.id) : undefined;
    if (!kept || !keptEntry || !loop.order.includes(keptEntry.entry.slug) || !this.library.has(keptEntry.entry.slug)) {
      const target = startSlug(loop, this.library, loop.active);
      if (target) await this.loadFresh(mpv, loop, target, false);
      return;
    }
    const slug = keptEntry.entry.slug;
    const [, ...rest] = planFrom(loop, this.library, slug);
    this.loaded = new Map([[kept.id, keptEntry]]);
    for (const e of rest) this.register(await mpv.load(e.path, 'append', e.options), { entry: e, cue: keptEntry.cue });
    // The clip on screen keeps the options it was loaded with; when the plan now wants it to end
    // differently (mode switched, it is no longer alone, its repeat changed), tell mpv.
    const planned = planFrom(loop, this.library, slug)[0];
    if (planned && keptEntry.entry.kind === 'video' && planned.options['loop-file'] !== keptEntry.entry.options['loop-file']) {
      const lf = planned.options['loop-file'];
      await mpv.setProperty('loop-file', lf === undefined ? 'no' : String(lf));
      keptEntry.entry = planned;
    }
    this.appliedKey = planKey(loop, this.library, slug);
    await this.publish();
  }

  private register(id: number, l: Loaded): void {
    this.loaded.set(id, l);
    // mpv may announce start-file before answering loadfile.
    if (this.currentId === id && this.current !== l) this.onStarted(l);
  }

  private async showIdle(mpv: MpvIpc, why: 'empty' | 'stopped' | 'waiting', cue: number): Promise<void> {
    if (this.current || this.loaded.size) await mpv.command('stop');
    this.loaded.clear();
    this.current = null;
    this.currentId = null;
    this.appliedKey = null;
    this.position = null;
    this.duration = null;
    // The configured port: known at start, unlike bridge/info's URL, which appears once HTTP listens.
    const port = this.ctx.device.httpPort || null;
    const text = screenText({ ...localFacts(), port, wifi: this.wifi, why });
    if (this.ctx.config.idle_screen && text !== this.screen) {
      await mpv.command('osd-overlay', OVERLAY_ID, 'ass-events', screenAss(text));
    }
    this.screen = text;
    this.screenWaiters.splice(0).forEach((w) => w());
    this.settle(cue);
    await this.publish();
  }

  private async hideIdle(mpv: MpvIpc): Promise<void> {
    if (this.screen === null) return;
    this.screen = null;
    if (this.ctx.config.idle_screen) await mpv.command('osd-overlay', OVERLAY_ID, 'none', '');
  }

  // ---- mpv events -------------------------------------------------------------------------

  private onEvent(e: MpvEvent): void {
    switch (e.event) {
      case 'start-file': {
        const id = typeof e.playlist_entry_id === 'number' ? e.playlist_entry_id : null;
        this.currentId = id;
        const l = id === null ? undefined : this.loaded.get(id);
        if (l) this.onStarted(l);
        break;
      }
      case 'playback-restart':
        this.fileErrors = 0;
        break;
      case 'idle':
        // mpv gave up on its playlist (every entry failed, e.g. files gone)? Checked in turn with
        // the other playlist work, so an idle moment inside a reload is not mistaken for it.
        void this.serial(() => this.checkIdle()).catch(() => undefined);
        break;
      case 'end-file':
        if (e.reason === 'error') {
          const l = typeof e.playlist_entry_id === 'number' ? this.loaded.get(e.playlist_entry_id) : undefined;
          this.onFileError(asText(e.file_error) || 'unknown error', l?.entry ?? null);
        }
        break;
      default:
        break;
    }
  }

  /** Shows the card and waits for the loop or the library to change, rather than retrying in a tight loop. */
  private async checkIdle(): Promise<void> {
    const mpv = this.mpv;
    if (!mpv || this.phase !== 'running' || this.stopped || (this.loaded.size === 0 && !this.current)) return;
    if ((await mpv.getProperty('idle-active')) !== true) return;
    if (this.fileErrors > 0) return this.failPlayback();
    this.loaded.clear();
    this.current = null;
    this.appliedKey = null;
    await this.showIdle(mpv, 'waiting', this.settledCue);
  }

  private onStarted(l: Loaded): void {
    this.current = l;
    this.screenWaiters.splice(0).forEach((w) => w());
    this.position = 0;
    this.duration = null;
    this.settle(l.cue);
    void this.publish();
  }

  /**
   * One broken file is skipped by mpv (a warning). Whether mpv failing on every file is an error is
   * decided when mpv goes idle (checkIdle): files that vanished (the library deleted them; its event
   * may come a moment later) are not mpv's fault, files that exist but cannot play (e.g. no video
   * output) are.
   */
  private onFileError(why: string, entry: PlaylistEntry | null): void {
    // An entry of a playlist already replaced is none of our business any more.
    if (!entry) return;
    if (!existsSync(entry.path)) {
      this.ctx.log.info({ slug: entry.slug, path: entry.path }, 'file gone; waiting for the library to catch up');
      return;
    }
    this.fileErrors++;
    this.lastFileError = why;
    this.ctx.log.warn({ slug: entry.slug, why }, 'mpv could not play a file');
    this.ctx.notify('warning', `player: cannot play ${entry.slug}: ${why}`, { slug: entry.slug }, 'player_file_error');
  }

  private async failPlayback(): Promise<void> {
    this.phase = 'error';
    const lines = (this.mpv?.stderr ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
    const said = lines.filter((l) => /error|fail|cannot|can't/i.test(l)).pop() ?? lines.pop();
    this.reason = `mpv cannot play any item (${this.lastFileError}${said ? `; mpv says: ${said}` : ''}); check the video output settings, then send play`;
    this.ctx.notify('error', `player: ${this.reason}`, undefined, 'player_error');
    this.ctx.setDetail({ mpv: 'error', reason: this.reason });
    this.current = null;
    this.loaded.clear();
    this.appliedKey = null;
    await this.publish();
  }

  private onProperty(name: string, value: unknown): void {
    const num = typeof value === 'number' && Number.isFinite(value) ? value : null;
    switch (name) {
      case 'pause':
        this.paused = value === true;
        void this.publish();
        break;
      case 'time-pos':
        this.position = num;
        break;
      case 'duration':
        if (this.current?.entry.kind === 'video' && num !== null && this.duration === null) {
          this.duration = num;
          void this.publish();
        }
        break;
      case 'container-fps':
        if (num !== null && num !== this.frameRate) {
          this.frameRate = num;
          void this.publish();
        }
        break;
      case 'volume':
      case 'mute':
        void this.publish();
        break;
      default:
        break;
    }
  }

  // ---- state ------------------------------------------------------------------------------

  stateName(): PlayerStateName {
    switch (this.phase) {
      case 'unavailable': return 'unavailable';
      case 'error': return 'error';
      case 'restarting': return 'restarting';
      case 'starting': return 'restarting';
      default: break;
    }
    if (this.stopped) return 'stopped';
    if (!this.current) return 'idle';
    return this.paused ? 'paused' : 'playing';
  }

  snapshot(): PlayerState {
    const slug = this.current?.entry.slug ?? null;
    const s = this.settings.get();
    return {
      state: this.stateName(),
      reason: this.reason,
      slug,
      title: this.current?.entry.title ?? null,
      index: slug === null || !this.loop ? -1 : this.loop.items.findIndex((i) => i.slug === slug),
      position: this.position,
      duration: this.current?.entry.kind === 'video' ? this.duration ?? this.library.get(slug ?? '')?.duration ?? null : this.imageDuration(),
      volume: s.volume,
      muted: s.muted,
      loop_mode: this.loop?.mode ?? 'all',
      frame_rate: this.current?.entry.kind === 'video' ? this.frameRate : null,
      kind: this.current?.entry.kind ?? null,
      screen: this.current ? null : this.screen,
      cue: this.settledCue,
      updated_at: new Date().toISOString(),
    };
  }

  private imageDuration(): number | null {
    const e = this.current?.entry;
    if (!e || e.kind !== 'image') return null;
    const d = e.options['image-display-duration'];
    return typeof d === 'number' ? d : null;
  }

  /** Publishes `player` when something other than the clock changed. */
  async publish(): Promise<void> {
    const state = this.snapshot();
    const { updated_at: _u, position: _p, ...significant } = state;
    const key = JSON.stringify(significant);
    if (key === this.lastPublished) return;
    this.lastPublished = key;
    await this.ctx.bus.publish('player', state, { retain: true }).catch(() => undefined);
  }

  private tick(): void {
    const slug = this.current?.entry.slug ?? null;
    if (slug === null || this.position === null) return;
    const pos = Math.round(this.position * 10) / 10;
    const key = `${slug}:${pos}`;
    if (key === this.lastTick) return;
    this.lastTick = key;
    void this.ctx.bus.publish('player/position', { slug, position: pos, duration: this.snapshot().duration }).catch(() => undefined);
  }

  private settle(cue: number): void {
    if (cue > this.settledCue) this.settledCue = cue;
    this.cueWaiters = this.cueWaiters.filter((w) => {
      if (w.cue > this.settledCue) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once mpv shows something: a file that started, or the idle card (bounded wait). */
  private waitOnScreen(timeoutMs = 3000): Promise<void> {
    if (this.current || this.loaded.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.screenWaiters.push(done);
    });
  }

  /** Resolves once the player has acted on the loop's cue (the new item started, or nothing to play). */
  waitCue(cue: number, timeoutMs = 5000): Promise<void> {
    if (cue <= this.settledCue) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.cueWaiters = this.cueWaiters.filter((w) => w !== waiter);
        resolve();
      }, timeoutMs);
      const waiter: CueWaiter = { cue, resolve: () => { clearTimeout(timer); resolve(); } };
      this.cueWaiters.push(waiter);
    });
  }

  // ---- actions ----------------------------------------------------------------------------

  /** Refuses commands mpv cannot take now, with the reason (state is left as it is). */
  requireMpv(): MpvIpc {
    if (this.phase === 'restarting' || this.phase === 'starting') {
      throw new ActionError('unavailable', `mpv is restarting (${this.reason ?? 'starting'}); try again in a moment`);
    }
    if (this.phase === 'unavailable') throw new ActionError('unavailable', `player unavailable: ${this.reason}`);
    if (this.phase === 'error') throw new ActionError('unavailable', `player error: ${this.reason}`);
    if (!this.mpv) throw new ActionError('unavailable', 'mpv is not running');
    return this.mpv;
  }

  private requireCurrent(): Loaded {
    if (!this.current) throw new ActionError('conflict', this.stopped ? 'playback is stopped: send play first' : 'nothing is playing: the loop is empty');
    return this.current;
  }

  async play(): Promise<PlayerStateName> {
    if (this.phase === 'error') {
      // A person asked to try again: forget the crash history and start afresh.
      this.crashes = [];
      this.phase = 'restarting';
      await this.mpv?.quit().catch(() => undefined);
      this.mpv = null;
      await this.serial(() => this.launch());
      await this.serial(async () => undefined);
      await this.waitOnScreen();
      return this.stateName();
    }
    const mpv = this.requireMpv();
    if (this.stopped) {
      if (!this.loop?.items.length) throw new ActionError('conflict', 'nothing to play: the loop is empty');
      this.stopped = false;
      this.resume = null;
      this.requestSync();
      await this.serial(async () => undefined);
      await this.waitOnScreen();
    } else if (!this.current) {
      throw new ActionError('conflict', 'nothing to play: the loop is empty or its media is not ready');
    }
    await mpv.resume();
    this.paused = false;
    await this.publish();
    return this.stateName();
  }

  async pause(): Promise<PlayerStateName> {
    const mpv = this.requireMpv();
    this.requireCurrent();
    await mpv.pause();
    this.paused = true;
    await this.publish();
    return this.stateName();
  }

  async toggle(): Promise<boolean> {
    this.requireMpv();
    if (this.stopped || this.paused) await this.play();
    else await this.pause();
    return this.paused;
  }

  async stopPlayback(): Promise<PlayerStateName> {
    const mpv = this.requireMpv();
    this.stopped = true;
    // Stop outranks what the loop asked before it (a cue still on its way must not restart playback).
    const cue = Math.max(this.loop?.cue ?? 0, this.settledCue);
    this.handledCue = cue;
    await this.serial(() => this.showIdle(mpv, 'stopped', cue));
    return this.stateName();
  }

  async seek(position: number, relative: boolean): Promise<PlayerStateName> {
    const mpv = this.requireMpv();
    const cur = this.requireCurrent();
    if (cur.entry.kind === 'image') throw new ActionError('conflict', `"${cur.entry.slug}" is a still image: there is nothing to seek in`);
    const duration = this.snapshot().duration;
    const target = relative ? (this.position ?? 0) + position : position;
    if (target < 0 || (duration !== null && target > duration)) {
      throw new ActionError('invalid', `position ${target.toFixed(2)} s is outside this clip (0..${duration?.toFixed(2) ?? '?'} s)`);
    }
    await mpv.seek(target, 'absolute');
    this.position = target;
    return this.stateName();
  }

  async setVolume(volume: number): Promise<number> {
    const mpv = this.requireMpv();
    await mpv.volume(volume);
    await this.settings.set({ ...this.settings.get(), volume });
    await this.publish();
    return volume;
  }

  async setMute(mute: boolean | undefined): Promise<boolean> {
    const mpv = this.requireMpv();
    const muted = mute ?? !this.settings.get().muted;
    await mpv.mute(muted);
    await this.settings.set({ ...this.settings.get(), muted });
    await this.publish();
    return muted;
  }

  /** After a loop action chose what plays: wait until it does, and say what plays. */
  async afterCue(cue: number): Promise<{ state: PlayerStateName; slug: string | null; index: number }> {
    await this.waitCue(cue);
    const s = this.snapshot();
    return { state: s.state, slug: s.slug, index: s.index };
  }

  get mpvPid(): number | null {
    return this.mpv?.pid ?? null;
  }
}
