// The player service: follows the loop (retained `loop`, `media` and `wifi`) with one long-lived mpv
// whose playlist mirrors the loop, so mpv itself moves from clip to clip (gapless); a loop of clips
// is one entry, a continuous timeline (timeline.ts, timeline-player.ts). It publishes
// `player` on every change and `player/position` at most once a second, and answers the player's
// actions. mpv's own life (launch, crashes, hangs, restarts) is the supervisor's (mpv-supervisor.ts);
// what to do on a change is decided by a pure function (decide.ts).
import { Type, type Static } from '@sinclair/typebox';
import type { PluginContext } from '../../core/plugins/api.js';
import {
  ActionError,
  type LoopState,
  type MediaItem,
  type PlayerState,
  type PlayerStateName,
  type WifiState,
} from '../../core/protocol/index.js';
import type { JsonDocument } from '../../core/store/store.js';
import type { PlayerConfig } from './config.js';
import { decide, type IdleWhy } from './decide.js';
import { IdleCard, localFacts, screenText } from './idle-screen.js';
import { asText } from '../../core/util/text.js';
import type { MpvEvent, MpvIpc } from './mpv-ipc.js';
import { mpvArgs, MpvSupervisor, type MpvOwner } from './mpv-supervisor.js';
import { mpvComplaint } from './mpv-noise.js';
import { planFrom, planKey, playableLibrary, sameOptions, startSlug, type PlaylistEntry } from './playlist.js';
import { TIMELINE_OBSERVED, TimelineTracker } from './timeline-player.js';
import { MpvOrphans } from './orphans.js';
import { playerStateOf, stateNameOf } from './state.js';
import { Cues } from './cues.js';
import { MissingFiles } from './missing-files.js';

export { mpvArgs } from './mpv-supervisor.js';

/** The player's stored settings (state/player.settings.json), checked on every read. */
const Settings = Type.Object({ volume: Type.Number(), muted: Type.Boolean() });
type Settings = Static<typeof Settings>;

type Options = Record<string, string | number>;

interface Loaded {
  entry: PlaylistEntry;
  /** The loop's cue this entry was loaded for. */
  cue: number;
  /** The per-file options mpv holds for this entry; it applies them again at every pass. */
  options: Options;
}

const OBSERVED = ['pause', 'time-pos', 'duration', 'volume', 'mute', 'container-fps', ...TIMELINE_OBSERVED];

export class PlayerService implements MpvOwner {
  private readonly supervisor: MpvSupervisor;
  private settings!: JsonDocument<Settings>;
  private readonly offs: Array<() => void> = [];
  private ticker: NodeJS.Timeout | null = null;

  // What the loop and the library say (retained topics).
  private loop: LoopState | undefined;
  /** The library's ready items, as announced; `library` is them less the files missing on disk (missing-files.ts). */
  private ready = new Map<string, MediaItem>();
  private library = new Map<string, MediaItem>();
  private readonly files = new MissingFiles(
    (slugs) =>
      void this.ctx.bus
        .request('loop', 'check', {})
        .catch((err: Error) => this.ctx.log.warn({ slugs, err: err.message }, 'could not tell the loop a file is missing')),
  );
  private wifi: WifiState | undefined;
  /** The screen's rotation, from the display plugin's profile (the one place it is set). */
  private rotation = 0;

  // What mpv holds and plays.
  private loaded = new Map<number, Loaded>();
  private currentId: number | null = null;
  private current: Loaded | null = null;
  /** Which clip of a playing timeline is on screen (timeline-player.ts). */
  private readonly timeline: TimelineTracker;
  private appliedKey: string | null = null;
  /** An entry whose own options no longer match the plan: removed once another entry starts (a fresh copy follows it). */
  private retiring: number | null = null;
  /** The loop-file of the pass on screen (what its entry said, or what the player set since). */
  private passLoop = 'no';
  private stopped = false;
  private paused = false;
  private position: number | null = null;
  private duration: number | null = null;
  private frameRate: number | null = null;
  private screen: string | null = null;
  /** The idle card on screen (drawn with what only the screen shows; `screen` is the published text). */
  private readonly card: IdleCard;
  private fileErrors = 0;
  private lastFileError = '';
  private resume: { slug: string; position: number | null } | null = null;
  /** The item the loop (or a resume) asked for while it was not playable; played as soon as it is. */
  private wanted: string | null = null;

  /** The cue handshake with the loop (cues.ts). */
  private readonly cues = new Cues();

  private lock: Promise<unknown> = Promise.resolve();
  private syncQueued = false;
  private lastPublished = '';
  private lastTick = '';

  constructor(private readonly ctx: PluginContext<PlayerConfig>) {
    const socket = ctx.config.ipc_socket ?? MpvOrphans.socketFor(ctx.dataDir);
    this.supervisor = new MpvSupervisor(ctx, this, socket);
    this.timeline = new TimelineTracker(ctx.config.timeline);
    this.card = new IdleCard(ctx.dataDir, ctx.config.idle_screen);
  }

  /** The clip on screen: the entry that plays, or the clip of the timeline's segment on screen. */
  private get clip(): PlaylistEntry | null {
    return this.current ? (this.timeline.clip ?? this.current.entry) : null;
  }

  async start(): Promise<void> {
    const c = this.ctx.config;
    this.settings = await this.ctx.store.open<Settings>('settings', {
      version: 1,
      schema: Settings,
      defaults: () => ({ volume: c.volume, muted: false }),
    });
    this.loop = this.ctx.bus.last('loop');
    this.ready = playableLibrary(this.ctx.bus.last('media')?.items ?? []);
    this.wifi = this.ctx.bus.last('wifi');
    this.card.follow(this.ctx.bus.last('bridge/info'));
    this.rotation = this.ctx.bus.last('display')?.rotation ?? 0;
    this.offs.push(
      this.ctx.bus.subscribe('display', (d) => {
        if (d.rotation === this.rotation) return;
        this.rotation = d.rotation;
        // A running mpv turns at once; a starting one gets it in prepare().
        if (this.supervisor.phase === 'running') {
          this.supervisor.mpv
            ?.setProperty('video-rotate', this.rotation)
            .catch((err: Error) => this.ctx.log.warn({ err: err.message }, 'could not rotate the picture'));
        }
      }),
    );
    this.offs.push(
      this.ctx.bus.subscribe('loop', (l) => {
        this.loop = l;
        this.requestSync();
      }),
    );
    this.offs.push(
      this.ctx.bus.subscribe('media', (m) => {
        this.ready = playableLibrary(m.items);
        this.requestSync();
      }),
    );
    this.offs.push(
      this.ctx.bus.subscribe('bridge/info', (info) => {
        if (this.card.follow(info)) this.requestSync();
      }),
    );
    this.offs.push(
      this.ctx.bus.subscribe('wifi', (w) => {
        this.wifi = w;
        // Always: the card may be being drawn right now with the old facts. While a clip plays, sync is a no-op.
        this.requestSync();
      }),
    );
    await this.supervisor.start();
    this.ticker = setInterval(() => this.tick(), c.position_interval_seconds * 1000);
  }

  async stop(): Promise<void> {
    this.offs.splice(0).forEach((off) => off());
    if (this.ticker) clearInterval(this.ticker);
    this.cues.releaseAll();
    await this.supervisor.stop();
    await this.settings?.flush();
  }

  // ---- what the supervisor tells us (MpvOwner) ---------------------------------------------

  args(): string[] {
    return mpvArgs(this.ctx.config, this.settings.get().volume, this.loop?.image_duration ?? 10);
  }

  async prepare(mpv: MpvIpc): Promise<void> {
    for (const p of OBSERVED) await mpv.observeProperty(p);
    await mpv.mute(this.settings.get().muted);
    if (this.rotation !== 0) await mpv.setProperty('video-rotate', this.rotation);
  }

  up(): void {
    this.forgetPlaylist();
    this.card.forget();
    this.requestSync();
  }

  down(): void {
    const slug = this.clip?.slug ?? this.resume?.slug ?? null;
    if (slug) this.resume = { slug, position: this.clip?.kind === 'video' ? this.position : null };
    this.forgetPlaylist();
  }

  async changed(): Promise<void> {
    await this.publish();
  }

  event(e: MpvEvent): void {
    this.onEvent(e);
  }

  property(name: string, value: unknown): void {
    this.onProperty(name, value);
  }

  /** mpv holds nothing we know of (a new mpv, a dead one, an emptied playlist). */
  private forgetPlaylist(): void {
    this.loaded.clear();
    this.retiring = null;
    this.current = null;
    this.currentId = null;
    this.appliedKey = null;
    this.timeline.started(null);
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
        // mpv died mid-sync: the supervisor restarts it and we sync again.
        this.ctx.log.debug({ err: (err as Error).message }, 'sync interrupted');
      }
    });
  }

  /** Carries out what decide() says about the loop, the library and what plays. */
  private async sync(): Promise<void> {
    this.library = this.files.present(this.ready, this.loop);
    const mpv = this.supervisor.mpv;
    if (!mpv || this.supervisor.phase !== 'running') return;
    const loop = this.loop;
    const fresh = loop !== undefined && loop.cue !== this.cues.acted;
    if (fresh) {
      this.cues.acted = loop.cue;
      this.stopped = false;
      this.resume = null;
    }
    const d = decide({
      loop,
      library: this.library,
      fresh,
      stopped: this.stopped,
      playing: this.clip?.slug ?? null,
      applied: this.appliedKey,
      wanted: this.wanted,
      resume: this.resume?.slug ?? null,
    });
    this.wanted = d.wanted;
    switch (d.act) {
      case 'idle':
        return this.showIdle(mpv, d.why, loop?.cue ?? this.cues.shown);
      case 'keep':
        return;
      case 'rebuild':
        return this.rebuildKeeping(mpv, loop as LoopState);
      case 'load':
        return this.loadFresh(mpv, loop as LoopState, d.target, d.unpause);
    }
  }

  /**
   * Replaces mpv's playlist with the loop rotated to start at `target` (the one a crash
   * interrupted resumes where it was).
   */
  private async loadFresh(mpv: MpvIpc, loop: LoopState, target: string, unpause: boolean): Promise<void> {
    const plan = this.timeline.shape(planFrom(loop, this.library, target));
    const [first, ...rest] = plan;
    if (!first) return;
    await this.hideIdle(mpv);
    const resume = this.resume?.slug === target ? this.resume : null;
    this.resume = null;
    let firstOptions: Options = first.options;
    if (resume?.position) {
      // Resumed mid-clip: `start` must not outlive this pass (a loop-file would seek back to it, and
      // so would every later pass), so this entry plays once from there and a fresh copy follows.
      const { 'loop-file': lf, ...o } = first.options;
      firstOptions = { ...o, 'loop-file': lf === 'inf' ? 'no' : (lf ?? 'no'), start: resume.position.toFixed(3) };
    }
    const cue = loop.cue;
    this.loaded.clear();
    this.retiring = null;
    const id = await mpv.load(first.path, 'replace', firstOptions);
    this.register(id, { entry: first, cue, options: firstOptions });
    if (unpause || this.stopped) await mpv.resume();
    for (const e of rest) this.register(await mpv.load(e.path, 'append', e.options), { entry: e, cue, options: e.options });
    if (!sameOptions(firstOptions, first.options)) await this.replaceWhenDone(mpv, id, first, cue);
    this.appliedKey = planKey(loop, this.library, target);
  }

  /** Rewrites the playlist around the entry that plays now, without interrupting it. */
  private async rebuildKeeping(mpv: MpvIpc, loop: LoopState): Promise<void> {
    await mpv.command('playlist-clear');
    const list = (await mpv.getProperty('playlist')) as Array<{ id: number; filename: string }> | null;
    const kept = list?.[0];
    const keptEntry = kept ? this.loaded.get(kept.id) : undefined;
    // A timeline's clip on screen is the one of its segment on screen.
    const slug = keptEntry === this.current ? this.clip?.slug : keptEntry?.entry.slug;
    if (!kept || !keptEntry || !slug || !loop.order.includes(slug) || !this.library.has(slug)) {
      const target = startSlug(loop, this.library, loop.active);
      if (target) await this.loadFresh(mpv, loop, target, false);
      return;
    }
    const plan = planFrom(loop, this.library, slug);
    const [planned, ...rest] = plan;
    this.loaded = new Map([[kept.id, keptEntry]]);
    this.retiring = null;
    if (keptEntry.entry.segments || this.timeline.fits(plan)) return this.switchAtBoundary(mpv, loop, kept.id, keptEntry, plan);
    for (const e of rest) this.register(await mpv.load(e.path, 'append', e.options), { entry: e, cue: keptEntry.cue, options: e.options });
    if (planned) {
      // The pass on screen ends as the plan now says (mode switched, no longer alone, repeat changed)...
      if (planned.kind === 'video') {
        const lf = String(planned.options['loop-file'] ?? 'no');
        const pass = lf === 'inf' && keptEntry.options.start !== undefined ? 'no' : lf;
        if (pass !== this.passLoop) {
          await mpv.setProperty('loop-file', pass);
          this.passLoop = pass;
        }
      }
      keptEntry.entry = planned;
      // ...but mpv applies the entry's own options again when the playlist comes round to it:
      // an entry whose options no longer match the plan is replaced once it has finished.
      if (!sameOptions(keptEntry.options, planned.options)) await this.replaceWhenDone(mpv, kept.id, planned, keptEntry.cue);
    }
    this.appliedKey = planKey(loop, this.library, slug);
    await this.publish();
  }

  /**
   * A timeline plays, or the plan becomes one: what follows the pass on screen is appended (as a
   * timeline when it fits), the entry on screen is cut where that pass ends (a plain file: after
   * the passes the plan gives it), and retired once the next starts. The clip on screen is never
   * interrupted; that boundary is one file boundary (a playlist-like transition, docs/performance.md).
   */
  private async switchAtBoundary(mpv: MpvIpc, loop: LoopState, id: number, kept: Loaded, plan: PlaylistEntry[]): Promise<void> {
    const [planned] = plan;
    for (const e of this.timeline.after(plan, kept.entry.segments !== undefined)) {
      this.register(await mpv.load(e.path, 'append', e.options), { entry: e, cue: kept.cue, options: e.options });
    }
    if (kept.entry.segments) await this.timeline.cut(mpv);
    else if (planned && String(planned.options['loop-file'] ?? 'no') !== this.passLoop) {
      this.passLoop = String(planned.options['loop-file'] ?? 'no');
      await mpv.setProperty('loop-file', this.passLoop);
    }
    this.retiring = id;
    this.appliedKey = planKey(loop, this.library, planned?.slug ?? null);
    await this.publish();
  }

  /** Appends a fresh copy of `entry` (the plan's options) and retires entry `id` once another starts. */
  private async replaceWhenDone(mpv: MpvIpc, id: number, entry: PlaylistEntry, cue: number): Promise<void> {
    this.register(await mpv.load(entry.path, 'append', entry.options), { entry, cue, options: entry.options });
    this.retiring = id;
  }

  /** Removes the retiring entry from mpv's playlist, unless it came round again meanwhile. */
  private async retire(): Promise<void> {
    const mpv = this.supervisor.mpv;
    const id = this.retiring;
    if (!mpv || id === null || this.supervisor.phase !== 'running') return;
    const list = (await mpv.getProperty('playlist')) as Array<{ id: number; current?: boolean }> | null;
    const i = list?.findIndex((e) => e.id === id) ?? -1;
    if (i >= 0 && list?.[i]?.current) return;
    if (i >= 0) await mpv.command('playlist-remove', i);
    this.loaded.delete(id);
    if (this.retiring === id) this.retiring = null;
  }

  private register(id: number, l: Loaded): void {
    this.loaded.set(id, l);
    // mpv may announce start-file before answering loadfile.
    if (this.currentId === id && this.current !== l) this.onStarted(l);
  }

  private async showIdle(mpv: MpvIpc, why: IdleWhy, cue: number): Promise<void> {
    if (this.current || this.loaded.size) await mpv.command('stop');
    this.forgetPlaylist();
    this.position = null;
    this.duration = null;
    // The configured port: known at start, unlike bridge/info's URL, which appears once HTTP listens.
    const port = this.ctx.device.httpPort || null;
    const text = screenText({ ...localFacts(), port, wifi: this.wifi, why });
    await this.card.show(mpv, text, this.wifi);
    this.screen = text;
    this.cues.show(cue);
    await this.publish();
  }

  private async hideIdle(mpv: MpvIpc): Promise<void> {
    await this.card.hide(mpv);
    this.screen = null;
  }

  // ---- mpv events -------------------------------------------------------------------------

  private onEvent(e: MpvEvent): void {
    switch (e.event) {
      case 'start-file': {
        const id = typeof e.playlist_entry_id === 'number' ? e.playlist_entry_id : null;
        this.currentId = id;
        const l = id === null ? undefined : this.loaded.get(id);
        if (l) this.onStarted(l);
        if (this.retiring !== null && id !== this.retiring) {
          void this.serial(() => this.retire()).catch((err: unknown) =>
            this.ctx.log.warn({ err: (err as Error).message }, 'could not retire a playlist entry'),
          );
        }
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
    const mpv = this.supervisor.mpv;
    if (!mpv || this.supervisor.phase !== 'running' || this.stopped || (this.loaded.size === 0 && !this.current)) return;
    if ((await mpv.getProperty('idle-active')) !== true) return;
    if (this.fileErrors > 0) return this.failPlayback();
    this.forgetPlaylist();
    await this.showIdle(mpv, 'waiting', this.cues.shown);
  }

  private onStarted(l: Loaded): void {
    this.current = l;
    this.timeline.started(l.entry);
    this.passLoop = String(l.options['loop-file'] ?? 'no');
    this.position = 0;
    this.duration = null;
    this.cues.show(l.cue);
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
    // Files gone are left out of the next plan until they are back (the loop marks them and says so).
    const gone = this.files.gone(entry.segments ?? [entry]);
    if (gone.length) this.ctx.log.info({ slugs: gone }, 'file gone: left out until it is back');
    // mpv could not open the timeline although its files exist: play the same loop as a playlist.
    else if (entry.segments) this.ctx.log.warn({ why }, 'mpv could not open the loop as one timeline; playing it as a playlist');
    if (entry.segments) {
      // One bad segment fails the whole timeline: plan again, without the missing file or as a playlist.
      if (!gone.length) this.timeline.refuse(entry);
      void this.serial(async () => this.forgetPlaylist()).then(() => this.requestSync());
      return;
    }
    if (gone.length) return;
    this.fileErrors++;
    this.lastFileError = why;
    this.ctx.log.warn({ slug: entry.slug, why }, 'mpv could not play a file');
    this.ctx.notify('warning', `player: cannot play ${entry.slug}: ${why}`, { slug: entry.slug }, 'player_file_error');
  }

  private async failPlayback(): Promise<void> {
    const said = mpvComplaint(this.supervisor.mpv?.stderr ?? '');
    const reason = `mpv cannot play any item (${this.lastFileError}${said ? `; mpv says: ${said}` : ''}); check the video output settings, then send play`;
    this.supervisor.failed(reason);
    this.ctx.notify('error', `player: ${reason}`, undefined, 'player_error');
    this.forgetPlaylist();
    await this.publish();
  }

  private onProperty(name: string, value: unknown): void {
    const num = typeof value === 'number' && Number.isFinite(value) ? value : null;
    if (this.timeline.property(name, value) && this.current) {
      // Another segment of the timeline on screen: a clip started (or a pass of it, or its length became known).
      this.duration = this.timeline.length;
      this.cues.show(this.current.cue);
      void this.publish();
    }
    switch (name) {
      case 'pause':
        this.paused = value === true;
        void this.publish();
        break;
      case 'time-pos':
        this.position = num === null ? null : Math.max(0, num - this.timeline.offset);
        break;
      case 'duration':
        if (this.clip?.kind === 'video' && num !== null && this.duration === null && !this.timeline.active) {
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
    return stateNameOf({ phase: this.supervisor.phase, stopped: this.stopped, paused: this.paused, clip: this.clip });
  }

  snapshot(): PlayerState {
    const { phase, reason } = this.supervisor;
    const { volume, muted } = this.settings.get();
    const { stopped, paused, clip, loop, library, position, duration, frameRate, screen } = this;
    return playerStateOf({
      phase,
      reason,
      stopped,
      paused,
      clip,
      loop,
      library,
      position,
      duration,
      frameRate,
      volume,
      muted,
      screen,
      cue: this.cues.shown,
    });
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
    const slug = this.clip?.slug ?? null;
    if (slug === null || this.position === null) return;
    const pos = Math.round(this.position * 10) / 10;
    const key = `${slug}:${pos}`;
    if (key === this.lastTick) return;
    this.lastTick = key;
    void this.ctx.bus.publish('player/position', { slug, position: pos, duration: this.snapshot().duration }).catch(() => undefined);
  }

  /** Resolves once the screen shows the loop's `cue`, or for null once anything new is on screen; bounded. */
  private whenShown(cue: number | null, timeoutMs: number): Promise<void> {
    return this.cues.when(cue, timeoutMs, () => this.current !== null || this.loaded.size === 0);
  }

  // ---- actions ----------------------------------------------------------------------------

  /** Refuses commands mpv cannot take now, with the reason (state is left as it is). */
  requireMpv(): MpvIpc {
    return this.supervisor.usable();
  }

  private requireCurrent(): Loaded {
    if (!this.current)
      throw new ActionError('conflict', this.stopped ? 'playback is stopped: send play first' : 'nothing is playing: the loop is empty');
    return this.current;
  }

  async play(): Promise<PlayerStateName> {
    if (this.supervisor.phase === 'error') {
      // A person asked to try again: a fresh mpv, which then plays what the loop says.
      await this.supervisor.retry();
      await this.serial(async () => undefined);
      await this.whenShown(null, 3000);
      return this.stateName();
    }
    const mpv = this.requireMpv();
    if (this.stopped) {
      if (!this.loop?.items.length) throw new ActionError('conflict', 'nothing to play: the loop is empty');
      this.stopped = false;
      this.resume = null;
      this.requestSync();
      await this.serial(async () => undefined);
      await this.whenShown(null, 3000);
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
    const cue = Math.max(this.loop?.cue ?? 0, this.cues.shown);
    this.cues.acted = cue;
    await this.serial(() => this.showIdle(mpv, 'stopped', cue));
    return this.stateName();
  }

  async seek(position: number, relative: boolean): Promise<PlayerStateName> {
    const mpv = this.requireMpv();
    const cur = this.requireCurrent();
    const clip = this.clip ?? cur.entry;
    if (clip.kind === 'image') throw new ActionError('conflict', `"${clip.slug}" is a still image: there is nothing to seek in`);
    const duration = this.snapshot().duration;
    const target = relative ? (this.position ?? 0) + position : position;
    if (target < 0 || (duration !== null && target > duration)) {
      throw new ActionError('invalid', `position ${target.toFixed(2)} s is outside this clip (0..${duration?.toFixed(2) ?? '?'} s)`);
    }
    await mpv.seek(this.timeline.offset + target, 'absolute');
    this.position = target;
    return this.stateName();
  }

  async setVolume(volume: number): Promise<number> {
    const mpv = this.requireMpv();
    const before = this.settings.get().volume;
    await mpv.volume(volume);
    await this.settings.set({ ...this.settings.get(), volume }).catch(async (err: unknown) => {
      // Not saved (a full disk): mpv goes back to what the stored setting says.
      await mpv.volume(before).catch(() => undefined);
      throw err;
    });
    await this.publish();
    return volume;
  }

  async setMute(mute: boolean | undefined): Promise<boolean> {
    const mpv = this.requireMpv();
    const muted = mute ?? !this.settings.get().muted;
    await mpv.mute(muted);
    await this.settings.set({ ...this.settings.get(), muted }).catch(async (err: unknown) => {
      await mpv.mute(!muted).catch(() => undefined);
      throw err;
    });
    await this.publish();
    return muted;
  }

  /** After a loop action chose what plays: wait until it does, and say what plays. */
  async afterCue(cue: number): Promise<{ state: PlayerStateName; slug: string | null; index: number }> {
    await this.whenShown(cue, 5000);
    const s = this.snapshot();
    return { state: s.state, slug: s.slug, index: s.index };
  }

  get mpvPid(): number | null {
    return this.supervisor.mpv?.pid ?? null;
  }
}
