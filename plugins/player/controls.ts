// The player's actions (declared in core/protocol/player.ts) and their table. Each runs on the plugin's lane, in
// turn with what the player follows, so an action that changes what plays syncs right here (a job
// posted to the lane would wait behind the action) and then waits only for mpv to show it.
import type { ActionHandlers, PluginContext } from '../../core/plugins/api.js';
import { ActionError, playerActions, type LoopState, type PlayerState, type PlayerStateName } from '../../core/protocol/index.js';
import type { PlayerConfig } from './config.js';
import type { MpvIpc } from './mpv-ipc.js';
import type { Loaded } from './mpv-playlist.js';
import type { PlayerService } from './player.js';

/** How long a command that changes what plays waits for mpv to show it before it answers anyway. */
const SHOWN_WITHIN_MS = { play: 3000, cue: 5000 };

export class PlayerControls {
  constructor(
    private readonly svc: PlayerService,
    private readonly ctx: PluginContext<PlayerConfig>,
  ) {}

  /** Refuses commands mpv cannot take now, with the reason (state is left as it is). */
  requireMpv(): MpvIpc {
    return this.svc.supervisor.usable();
  }

  private requireCurrent(): Loaded {
    const current = this.svc.playlist.current;
    if (!current)
      throw new ActionError(
        'conflict',
        this.svc.stopped ? 'playback is stopped: send play first' : 'nothing is playing: the loop is empty',
      );
    return current;
  }

  /** Resolves once the screen shows the loop's `cue`, or for null once anything new is on screen; bounded. */
  private whenShown(cue: number | null, timeoutMs: number): Promise<void> {
    const { playlist } = this.svc;
    return this.svc.cues.when(cue, timeoutMs, () => playlist.current !== null || !playlist.holdsAny);
  }

  async play(): Promise<PlayerStateName> {
    const { svc } = this;
    if (svc.supervisor.phase === 'error') {
      // A person asked to try again: a fresh mpv, which then plays what the loop says.
      await svc.supervisor.retry();
      await svc.sync();
      await this.whenShown(null, SHOWN_WITHIN_MS.play);
      return svc.stateName();
    }
    const mpv = this.requireMpv();
    if (svc.stopped) {
      if (!svc.loop?.items.length) throw new ActionError('conflict', 'nothing to play: the loop is empty');
      svc.stopped = false;
      svc.resume = null;
      await svc.sync();
      await this.whenShown(null, SHOWN_WITHIN_MS.play);
    } else if (!svc.playlist.current) {
      throw new ActionError('conflict', 'nothing to play: the loop is empty or its media is not ready');
    }
    await mpv.resume();
    svc.report.paused = false;
    await svc.publish();
    return svc.stateName();
  }

  async pause(): Promise<PlayerStateName> {
    const mpv = this.requireMpv();
    this.requireCurrent();
    await mpv.pause();
    this.svc.report.paused = true;
    await this.svc.publish();
    return this.svc.stateName();
  }

  async toggle(): Promise<boolean> {
    this.requireMpv();
    if (this.svc.stopped || this.svc.report.paused) await this.play();
    else await this.pause();
    return this.svc.report.paused;
  }

  async stop(): Promise<PlayerStateName> {
    const mpv = this.requireMpv();
    const { svc } = this;
    svc.stopped = true;
    // Stop outranks what the loop asked before it (a cue still on its way must not restart playback).
    const cue = Math.max(svc.loop?.cue ?? 0, svc.cues.shown);
    svc.cues.acted = cue;
    await svc.showIdle(mpv, 'stopped', cue);
    return svc.stateName();
  }

  async seek(position: number, relative: boolean): Promise<PlayerStateName> {
    const mpv = this.requireMpv();
    const cur = this.requireCurrent();
    const { svc } = this;
    const clip = svc.clip ?? cur.entry;
    if (clip.kind === 'image') throw new ActionError('conflict', `"${clip.slug}" is a still image: there is nothing to seek in`);
    const duration = svc.snapshot().duration;
    const target = relative ? (svc.report.position ?? 0) + position : position;
    if (target < 0 || (duration !== null && target > duration)) {
      throw new ActionError('invalid', `position ${target.toFixed(2)} s is outside this clip (0..${duration?.toFixed(2) ?? '?'} s)`);
    }
    await mpv.seek(svc.playlist.timeline.offset + target, 'absolute');
    svc.report.position = target;
    return svc.stateName();
  }

  async volume(volume: number): Promise<number> {
    await this.svc.settings.setVolume(this.requireMpv(), volume);
    await this.svc.publish();
    return volume;
  }

  async mute(mute: boolean | undefined): Promise<boolean> {
    const muted = mute ?? !this.svc.settings.muted;
    await this.svc.settings.setMute(this.requireMpv(), muted);
    await this.svc.publish();
    return muted;
  }

  /**
   * next/previous/play_slug: the loop decides what plays (it owns the active item and its rules).
   * Its answer's cue comes with its retained `loop` (the broker may hand the answer over first), so
   * the player takes that state as it arrives, plays it in this command, and answers once it is on
   * screen; no job on the lane is waited for (it would wait behind this command).
   */
  async viaLoop(ask: () => Promise<{ cue: number }>): Promise<{ state: PlayerStateName; slug: string | null; index: number }> {
    this.requireMpv();
    const { cue } = await ask();
    const loop = await this.loopAt(cue, SHOWN_WITHIN_MS.cue);
    if (loop) {
      this.svc.loop = loop;
      await this.svc.sync();
      await this.whenShown(cue, SHOWN_WITHIN_MS.cue);
    } else this.ctx.log.warn({ cue }, 'the loop state of this cue did not come; answering with what plays');
    const s: PlayerState = this.svc.snapshot();
    return { state: s.state, slug: s.slug, index: s.index };
  }

  /** The loop's state once it carries `cue` (at once when the bus already holds it), or null past the deadline. */
  private loopAt(cue: number, timeoutMs: number): Promise<LoopState | null> {
    return new Promise((resolve) => {
      const done = (loop: LoopState | null) => {
        clearTimeout(timer);
        off();
        resolve(loop);
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      // A plain subscription, not the lane: this command holds the lane. It gets the cached value first.
      const off = this.ctx.bus.subscribe('loop', (loop) => {
        if (loop.cue >= cue) done(loop);
      });
    });
  }
}

/** The action table: each declared action of the player, carried out by the controls. */
export function handlersOf(svc: PlayerService, ctx: PluginContext<PlayerConfig>): ActionHandlers<typeof playerActions> {
  const controls = new PlayerControls(svc, ctx);
  const opts = { timeoutMs: 5000 };
  return {
    state: async () => svc.snapshot(),
    play: async () => ({ state: await controls.play() }),
    pause: async () => ({ state: await controls.pause() }),
    toggle: async () => ({ paused: await controls.toggle() }),
    next: () => controls.viaLoop(() => ctx.bus.request('loop', 'next', {}, opts)),
    previous: () => controls.viaLoop(() => ctx.bus.request('loop', 'previous', {}, opts)),
    stop: async () => ({ state: await controls.stop() }),
    seek: async ({ position, relative }) => ({ state: await controls.seek(position, relative ?? false) }),
    volume: async ({ volume }) => ({ volume: await controls.volume(volume) }),
    mute: async ({ mute }) => ({ muted: await controls.mute(mute) }),
    play_slug: ({ slug }) => controls.viaLoop(() => ctx.bus.request('loop', 'activate', { slug }, opts)),
    // OSD level 0: shown although mpv runs with --osd-level=0 (no other OSD on the screen).
    show_text: async ({ text, seconds }) => {
      await controls.requireMpv().command('show-text', text, Math.round((seconds ?? 5) * 1000), 0);
      return { shown: true };
    },
    // The display plugin's dimmer on screens without a backlight (mpv forgets it on restart; display re-sends it).
    video_brightness: async ({ brightness }) => {
      await controls.requireMpv().setProperty('brightness', brightness);
      return { brightness };
    },
  };
}
