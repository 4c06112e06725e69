// The player service: follows the loop (retained `loop`, `media` and `wifi`) with one long-lived mpv
// and decides what mpv should hold (decide.ts); what mpv holds and the operations on it are
// mpv-playlist.ts, mpv's own life (launch, crashes, hangs, restarts) mpv-supervisor.ts, the actions
// controls.ts. Everything it follows runs on the plugin's lane (ctx.lane), in turn with its commands,
// so it keeps no lock, timer or subscription list. It publishes `player` on every change and
// `player/position` at most once a second.
import type { PluginContext } from '../../core/plugins/api.js';
import type { LoopState, MediaItem, PlayerState, PlayerStateName, WifiState } from '../../core/protocol/index.js';
import type { PlayerConfig } from './config.js';
import { decide, onFileFailed, onMpvIdle, type IdleWhy } from './decide.js';
import { IdleCard, localFacts, screenText } from './idle-screen.js';
import { asText } from '../../core/util/text.js';
import type { MpvEvent, MpvIpc } from './mpv-ipc.js';
import { mpvArgs, MpvSupervisor, type MpvOwner } from './mpv-supervisor.js';
import { mpvComplaint } from './mpv-noise.js';
import { MpvPlaylist, type Loaded } from './mpv-playlist.js';
import { playableLibrary, startSlug, type PlaylistEntry } from './playlist.js';
import { TIMELINE_OBSERVED } from './timeline-player.js';
import { MpvOrphans } from './orphans.js';
import { PlayerReport } from './report.js';
import { Cues } from './cues.js';
import { MissingFiles } from './missing-files.js';
import { PlayerSettings } from './settings.js';

export { mpvArgs } from './mpv-supervisor.js';

const OBSERVED = ['pause', 'time-pos', 'duration', 'volume', 'mute', 'container-fps', ...TIMELINE_OBSERVED];

export class PlayerService implements MpvOwner {
  readonly supervisor: MpvSupervisor;
  settings!: PlayerSettings;

  // What the loop and the library say (retained topics).
  loop: LoopState | undefined;
  /** The library's ready items, as announced; `library` is them less the files missing on disk (missing-files.ts). */
  private ready = new Map<string, MediaItem>();
  private library = new Map<string, MediaItem>();
  private readonly files: MissingFiles;
  private wifi: WifiState | undefined;
  /** The screen's rotation, from the display plugin's profile (the one place it is set). */
  private rotation = 0;

  /** What mpv holds and plays (mpv-playlist.ts). */
  readonly playlist: MpvPlaylist;
  /** A person pressed stop (until play or a new cue). */
  stopped = false;
  /** How what is on screen plays, and the published state (report.ts). */
  readonly report: PlayerReport;
  /** The idle card on screen (drawn with what only the screen shows; `screen` is the published text). */
  private readonly card: IdleCard;
  private fileErrors = 0;
  private lastFileError = '';
  /** What mpv played when it died: played again, from there, once it is back. */
  resume: { slug: string; position: number | null } | null = null;
  /** The item the loop (or a resume) asked for while it was not playable; played as soon as it is. */
  private wanted: string | null = null;
  /** The cue handshake with the loop (cues.ts). */
  readonly cues = new Cues();

  constructor(private readonly ctx: PluginContext<PlayerConfig>) {
    const socket = ctx.config.ipc_socket ?? MpvOrphans.socketFor(ctx.dataDir);
    this.supervisor = new MpvSupervisor(ctx, this, socket);
    this.playlist = new MpvPlaylist(ctx.config.timeline, (loaded) => this.onStarted(loaded));
    this.card = new IdleCard(ctx.dataDir, ctx.config.idle_screen);
    this.report = new PlayerReport(ctx, this.playlist, this.cues, () => {
      const { phase, reason } = this.supervisor;
      const { volume, muted } = this.settings;
      return { phase, reason, volume, muted, stopped: this.stopped, loop: this.loop, library: this.library };
    });
    this.files = new MissingFiles((slugs) => {
      void ctx.bus
        .request('loop', 'check', {})
        .catch((err: Error) => ctx.log.warn({ slugs, err: err.message }, 'could not tell the loop a file is missing'));
    });
  }

  /** The clip on screen: the entry that plays, or the clip of the timeline's segment on screen. */
  get clip(): PlaylistEntry | null {
    return this.playlist.clip;
  }

  async start(): Promise<void> {
    const { bus, lane, config } = this.ctx;
    this.settings = await PlayerSettings.open(this.ctx.store, config.volume);
    this.loop = bus.last('loop');
    this.ready = playableLibrary(bus.last('media')?.items ?? []);
    this.wifi = bus.last('wifi');
    this.card.follow(bus.last('bridge/info'));
    this.rotation = bus.last('display')?.rotation ?? 0;
    lane.follow('display', 'turn the picture', async (d) => {
      if (d.rotation === this.rotation) return;
      this.rotation = d.rotation;
      // A running mpv turns at once; a starting one gets it in prepare().
      if (this.supervisor.phase === 'running') await this.supervisor.mpv?.setProperty('video-rotate', this.rotation);
    });
    lane.follow('loop', 'follow the loop', (l) => {
      this.loop = l;
      return this.sync();
    });
    lane.follow('media', 'follow the library', (m) => {
      this.ready = playableLibrary(m.items);
      return this.sync();
    });
    lane.follow('bridge/info', 'follow the address', (info) => (this.card.follow(info) ? this.sync() : undefined));
    // Always: the card may be being drawn right now with the old facts. While a clip plays, sync keeps it.
    lane.follow('wifi', 'follow the hotspot', (w) => {
      this.wifi = w;
      return this.sync();
    });
    await this.supervisor.start();
    lane.every(config.position_interval_seconds * 1000, 'publish the position', () => this.report.tick());
  }

  async stop(): Promise<void> {
    this.cues.releaseAll();
    await this.supervisor.stop();
    await this.settings?.flush();
  }

  // ---- what the supervisor tells us (MpvOwner) ---------------------------------------------

  args(): string[] {
    return mpvArgs(this.ctx.config, this.settings.volume, this.loop?.image_duration ?? 10);
  }

  async prepare(mpv: MpvIpc): Promise<void> {
    for (const p of OBSERVED) await mpv.observeProperty(p);
    await mpv.mute(this.settings.muted);
    if (this.rotation !== 0) await mpv.setProperty('video-rotate', this.rotation);
  }

  up(): void {
    this.playlist.forget();
    this.card.forget();
    this.ctx.lane.post('play on the new mpv', () => this.sync());
  }

  down(): void {
    const slug = this.clip?.slug ?? this.resume?.slug ?? null;
    if (slug) this.resume = { slug, position: this.clip?.kind === 'video' ? this.report.position : null };
    this.playlist.forget();
  }

  async changed(): Promise<void> {
    await this.publish();
  }

  event(e: MpvEvent): void {
    this.onEvent(e);
  }

  property(name: string, value: unknown): void {
    this.report.property(name, value);
  }

  // ---- following the loop ---------------------------------------------------------------

  /** Carries out what decide() says about the loop, the library and what plays. Runs on the lane. */
  async sync(): Promise<void> {
    this.library = this.files.present(this.ready, this.loop);
    const mpv = this.supervisor.mpv;
    if (!mpv || this.supervisor.phase !== 'running') return;
    try {
      await this.carryOut(mpv);
    } catch (err) {
      // mpv died mid-sync: the supervisor restarts it, and up() syncs again on the new one.
      this.ctx.log.debug({ err: (err as Error).message }, 'sync interrupted');
    }
  }

  private async carryOut(mpv: MpvIpc): Promise<void> {
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
      applied: this.playlist.applied,
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
        if (await this.playlist.rebuildKeeping(mpv, loop as LoopState, this.library)) return this.publish();
        return this.loadFresh(mpv, loop as LoopState, startSlug(loop as LoopState, this.library, (loop as LoopState).active), false);
      case 'load':
        return this.loadFresh(mpv, loop as LoopState, d.target, d.unpause);
    }
  }

  /** Replaces mpv's playlist with the loop rotated to start at `target` (the one a crash interrupted resumes where it was). */
  private async loadFresh(mpv: MpvIpc, loop: LoopState, target: string | null, unpause: boolean): Promise<void> {
    if (target === null) return;
    await this.card.hide(mpv);
    this.report.screen = null;
    const resumeAt = this.resume?.slug === target ? this.resume.position : null;
    this.resume = null;
    await this.playlist.loadFresh(mpv, loop, this.library, target, resumeAt, unpause || this.stopped);
  }

  async showIdle(mpv: MpvIpc, why: IdleWhy, cue: number): Promise<void> {
    if (this.playlist.holdsAny) await mpv.command('stop');
    this.playlist.forget();
    this.report.cleared();
    // The configured address and port: known at start, unlike bridge/info's URL, which appears once HTTP listens.
    const { httpHost: host, httpPort } = this.ctx.device;
    const text = screenText({ ...localFacts(), host, port: httpPort || null, wifi: this.wifi, why });
    await this.card.show(mpv, text, this.wifi);
    this.report.screen = text;
    this.cues.show(cue);
    await this.publish();
  }

  // ---- mpv events -------------------------------------------------------------------------

  /** Posts playlist work that needs mpv; mpv dying meanwhile is expected (a restart syncs again). */
  private withMpv(what: string, job: (mpv: MpvIpc) => Promise<void>): void {
    this.ctx.lane.post(what, async () => {
      const mpv = this.supervisor.mpv;
      if (!mpv || this.supervisor.phase !== 'running') return;
      await job(mpv).catch((err: Error) => this.ctx.log.debug({ err: err.message }, `${what}: interrupted`));
    });
  }

  private onEvent(e: MpvEvent): void {
    switch (e.event) {
      case 'start-file':
        this.playlist.started(typeof e.playlist_entry_id === 'number' ? e.playlist_entry_id : null);
        if (this.playlist.retireDue) this.withMpv('retire a playlist entry', (mpv) => this.playlist.retire(mpv));
        break;
      case 'playback-restart':
        this.fileErrors = 0;
        break;
      case 'idle':
        // mpv gave up on its playlist (every entry failed, e.g. files gone)? Checked in turn with
        // the other playlist work, so an idle moment inside a reload is not mistaken for it.
        this.withMpv('check why mpv is idle', (mpv) => this.checkIdle(mpv));
        break;
      case 'end-file':
        if (e.reason === 'error') this.onFileError(asText(e.file_error) || 'unknown error', this.playlist.entryOf(e.playlist_entry_id));
        break;
      default:
        break;
    }
  }

  /** Shows the card and waits for the loop or the library to change, rather than retrying in a tight loop. */
  private async checkIdle(mpv: MpvIpc): Promise<void> {
    const facts = { stopped: this.stopped, holdsAny: this.playlist.holdsAny, fileErrors: this.fileErrors };
    if (onMpvIdle({ ...facts, idle: true }) === 'none') return;
    const then = onMpvIdle({ ...facts, idle: (await mpv.getProperty('idle-active')) === true });
    if (then === 'fail') return this.failPlayback();
    if (then === 'wait') await this.showIdle(mpv, 'waiting', this.cues.shown);
  }

  private onStarted(l: Loaded): void {
    this.cues.show(l.cue);
    this.report.started();
  }

  /** One broken file is skipped by mpv (a warning); whether mpv failing on every file is an error is checkIdle's. */
  private onFileError(why: string, entry: PlaylistEntry | null): void {
    // An entry of a playlist already replaced is none of our business any more.
    if (!entry) return;
    // Files gone are left out of the next plan until they are back (the loop marks them and says so).
    const gone = this.files.gone(entry.segments ?? [entry]);
    const then = onFileFailed({ gone: gone.length > 0, timeline: entry.segments !== undefined });
    if (gone.length) this.ctx.log.info({ slugs: gone }, 'file gone: left out until it is back');
    switch (then) {
      case 'refuse_timeline':
        // mpv could not open the timeline although its files exist: play the same loop as a playlist.
        this.ctx.log.warn({ why }, 'mpv could not open the loop as one timeline; playing it as a playlist');
        this.playlist.timeline.refuse(entry);
        return this.replan();
      case 'replan':
        return this.replan();
      case 'ignore':
        return;
      case 'report':
        this.fileErrors++;
        this.lastFileError = why;
        this.ctx.log.warn({ slug: entry.slug, why }, 'mpv could not play a file');
        this.ctx.notify('warning', `player: cannot play ${entry.slug}: ${why}`, { slug: entry.slug }, 'player_file_error');
    }
  }

  /** Plans again from nothing (a timeline failed whole). */
  private replan(): void {
    this.ctx.lane.post('plan again without a failed timeline', () => {
      this.playlist.forget();
      return this.sync();
    });
  }

  private async failPlayback(): Promise<void> {
    const said = mpvComplaint(this.supervisor.mpv?.stderr ?? '');
    const reason = `mpv cannot play any item (${this.lastFileError}${said ? `; mpv says: ${said}` : ''}); check the video output settings, then send play`;
    this.supervisor.failed(reason);
    this.ctx.notify('error', `player: ${reason}`, undefined, 'player_error');
    this.playlist.forget();
    await this.publish();
  }

  // ---- state ------------------------------------------------------------------------------

  stateName(): PlayerStateName {
    return this.report.stateName();
  }

  snapshot(): PlayerState {
    return this.report.snapshot();
  }

  publish(): Promise<void> {
    return this.report.publish();
  }

  get mpvPid(): number | null {
    return this.supervisor.mpv?.pid ?? null;
  }
}
