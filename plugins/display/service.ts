// The display service: brightness and screen power through the best means the machine has
// (sysfs backlight; else HDMI-CEC for power when configured; else mpv through the player, over the
// bus), the daily schedule, and the screen profile. State on the retained `display` topic; the
// brightness, power and schedule chosen at run time survive restarts (the plugin's store).
import type { PluginContext } from '../../core/plugins/api.js';
import { Type, type Static } from '@sinclair/typebox';
import { ActionError, DisplaySchedule, PowerState, type DisplayState, type PlayerStateName } from '../../core/protocol/index.js';
import type { JsonDocument } from '../../core/store/store.js';
import { Backlight } from './backlight.js';
import { cecPower } from './cec.js';
import type { DisplayConfig } from './config.js';
import { laneClock, Scheduler, scheduledPower, scheduleOutlook, type Clock } from './schedule.js';

/** The display's stored settings (state/display.settings.json), checked on every read. */
const Settings = Type.Object({ brightness: Type.Number(), power: PowerState, schedule: DisplaySchedule });
type Settings = Static<typeof Settings>;

/** Player states in which mpv runs and holds our brightness. */
const MPV_UP: readonly PlayerStateName[] = ['playing', 'paused', 'idle', 'stopped'];

export class DisplayService {
  private settings!: JsonDocument<Settings>;
  private backlight: Backlight | null = null;
  private scheduler: Scheduler;
  /** Whether the player's mpv runs (and so holds our brightness): a change to up sends it again. */
  private playerUp = false;

  // Commands, the schedule's switches and the player's state changes all run on the plugin's lane
  // (ctx.lane), one at a time: no lock here, and the host cancels the timers and follows at stop.
  constructor(
    private readonly ctx: PluginContext<DisplayConfig>,
    private readonly clock: Clock = laneClock(ctx.lane),
  ) {
    this.scheduler = new Scheduler(clock, async (power) => {
      // A failed switch is logged; the next one is already armed and applies again.
      await this.setPower(power).catch((err: Error) => this.ctx.log.warn({ err: err.message }, 'scheduled power change failed'));
    });
  }

  async start(): Promise<void> {
    const c = this.ctx.config;
    this.settings = await this.ctx.store.open<Settings>('settings', {
      version: 1,
      schema: Settings,
      defaults: () => ({ brightness: c.brightness, power: 'on', schedule: c.schedule }),
    });
    this.backlight = await Backlight.find(c.backlight, c.backlight_root);
    this.ctx.log.info(
      { backlight: this.backlight?.dir ?? null, brightness_via: this.brightnessVia(), power_via: this.powerVia() },
      'display',
    );
    // mpv forgets its brightness when it restarts: send it again whenever the player comes (back) up.
    const player = this.ctx.bus.last('player');
    this.playerUp = player !== undefined && MPV_UP.includes(player.state);
    this.ctx.lane.follow('player', 'send the brightness to a restarted mpv', async (p) => {
      const up = MPV_UP.includes(p.state);
      const cameUp = up && !this.playerUp;
      this.playerUp = up;
      // applyMpv logs its own failure (debug: the next start of mpv sends it again).
      if (cameUp) await this.applyMpv();
    });
    const s = this.settings.get();
    const wanted = scheduledPower(this.clock.now(), s.schedule);
    if (wanted && wanted !== s.power) {
      // A full disk must not keep the display plugin down: the schedule applies again at its next change.
      await this.settings
        .set({ ...s, power: wanted })
        .catch((err: Error) => this.ctx.log.warn({ err: err.message }, 'could not save the scheduled power state'));
    }
    await this.applyAll();
    this.scheduler.set(this.settings.get().schedule);
    await this.publish();
  }

  /** The host has already cancelled the lane's timers and follows and let its last job finish. */
  async stop(): Promise<void> {
    await this.settings?.flush();
  }

  private brightnessVia(): DisplayState['brightness_via'] {
    return this.backlight ? 'backlight' : this.ctx.config.mpv_fallback ? 'mpv' : 'none';
  }

  private powerVia(): DisplayState['power_via'] {
    if (this.backlight?.hasPower) return 'backlight';
    if (this.ctx.config.cec.enabled) return 'cec';
    return this.ctx.config.mpv_fallback ? 'mpv' : 'none';
  }

  state(): DisplayState {
    const c = this.ctx.config;
    const s = this.settings.get();
    return {
      brightness: s.brightness,
      power: s.power,
      brightness_via: this.brightnessVia(),
      power_via: this.powerVia(),
      backlight: this.backlight?.dir ?? null,
      schedule: s.schedule,
      schedule_next: scheduleOutlook(this.clock.now(), s.schedule),
      width: c.width,
      height: c.height,
      fps: c.fps,
      rotation: c.rotation,
      updated_at: new Date().toISOString(),
    };
  }

  private async publish(): Promise<void> {
    await this.ctx.bus.publish('display', this.state(), { retain: true });
  }

  /** mpv's brightness for a 0..100 brightness and a power state: 0 = as made, -100 = black. */
  private mpvLevel(): number {
    const s = this.settings.get();
    if (s.power === 'off' && this.powerVia() === 'mpv') return -100;
    return this.brightnessVia() === 'mpv' ? s.brightness - 100 : 0;
  }

  private async applyMpv(): Promise<void> {
    if (this.brightnessVia() !== 'mpv' && this.powerVia() !== 'mpv') return;
    // No player with a running mpv: nothing to ask now (and no request to time out); sent when it comes up.
    if (!this.playerUp) return;
    try {
      await this.ctx.bus.request('player', 'video_brightness', { brightness: this.mpvLevel() }, { timeoutMs: 3000 });
    } catch (err) {
      // No player (or mpv not up yet): applied when the player comes up.
      this.ctx.log.debug({ err: (err as Error).message }, 'mpv brightness not applied yet');
    }
  }

  private async applyAll(): Promise<void> {
    const s = this.settings.get();
    if (this.backlight) {
      await this.backlight
        .setBrightness(s.brightness)
        .catch((err: Error) => this.ctx.log.warn({ err: err.message }, 'backlight brightness not written'));
    }
    await this.applyPower(s.power).catch((err: Error) => this.ctx.log.warn({ err: err.message }, 'screen power not applied'));
    await this.applyMpv();
  }

  private async applyPower(power: PowerState): Promise<void> {
    const via = this.powerVia();
    if (via === 'backlight') await this.backlight?.setPower(power === 'on');
    else if (via === 'cec') await cecPower(this.ctx.config.cec.cec_ctl, this.ctx.config.cec.device, power === 'on');
  }

  async setBrightness(brightness: number): Promise<number> {
    if (this.brightnessVia() === 'none')
      throw new ActionError('unsupported', 'This screen has no backlight and mpv_fallback is off: brightness cannot be set');
    if (this.backlight) {
      try {
        await this.backlight.setBrightness(brightness);
      } catch (err) {
        throw new ActionError('internal', `Could not write the backlight (${(err as Error).message})`);
      }
    }
    const before = this.settings.get().brightness;
    await this.settings.set({ ...this.settings.get(), brightness }).catch(async (err: unknown) => {
      // Not saved (a full disk): the screen goes back to what the stored setting says. The save's
      // error is the answer; a backlight that also refuses the old value is only worth a log line.
      await this.backlight
        ?.setBrightness(before)
        .catch((undo: Error) => this.ctx.log.warn({ err: undo.message }, 'backlight brightness not put back'));
      throw err;
    });
    await this.applyMpv();
    await this.publish();
    return brightness;
  }

  async setPower(power: PowerState | 'toggle'): Promise<PowerState> {
    const next: PowerState = power === 'toggle' ? (this.settings.get().power === 'on' ? 'off' : 'on') : power;
    if (this.powerVia() === 'none')
      throw new ActionError('unsupported', 'No way to switch this screen: no backlight, CEC off and mpv_fallback off');
    try {
      await this.applyPower(next);
    } catch (err) {
      throw new ActionError('internal', `Could not switch the screen ${next} (${(err as Error).message})`);
    }
    const before = this.settings.get().power;
    await this.settings.set({ ...this.settings.get(), power: next }).catch(async (err: unknown) => {
      // As for brightness: the save's error is the answer, a failed undo is logged.
      await this.applyPower(before).catch((undo: Error) => this.ctx.log.warn({ err: undo.message }, 'screen power not put back'));
      throw err;
    });
    await this.applyMpv();
    await this.publish();
    return next;
  }

  /** `days: null` goes back to every day. */
  async setSchedule(patch: Partial<Omit<DisplaySchedule, 'days'>> & { days?: DisplaySchedule['days'] | null }): Promise<DisplaySchedule> {
    const { days, ...times } = patch;
    const schedule: DisplaySchedule = { ...this.settings.get().schedule, ...times };
    if (days === null) delete schedule.days;
    else if (days !== undefined) schedule.days = [...days].sort((a, b) => a - b);
    await this.settings.set({ ...this.settings.get(), schedule });
    this.scheduler.set(schedule);
    await this.publish();
    return schedule;
  }
}
