// The onboarding policy carried out: gathers the facts for policy.ts, does what it decides through
// nmcli (hotspot up or down, known networks brought up) and asks again when the state changes or
// when the time it said to wait until has come (a timer on the plugin's lane, cancelled at stop).
import type { PluginContext } from '../../core/plugins/api.js';
import { monotonicMs } from '../../core/util/clock.js';
import type { WifiConfig } from './config.js';
import { bringUpHotspot, takeDownHotspot } from './hotspot.js';
import type { NetworkMonitor, ServiceMarks } from './monitor.js';
import { errorText } from './nmcli.js';
import { decide, type Asked, type Decision, type HotspotReason, type OnboardingFacts } from './policy.js';
import type { NetworkScanner } from './scan.js';
import type { Profile } from './terse.js';

/** Decisions taken in a row before waiting for the next change (each one changes the state). */
const MAX_STEPS = 4;

export class Onboarding {
  // The facts only Loop knows (see OnboardingFacts); the rest is read from NetworkManager.
  private started = false;
  private lostSince: number | null = null;
  /** Connected when the policy last looked: a loss since then counts even if NetworkManager is already trying again. */
  private wasClient = false;
  private lookedAt: number | null = null;
  private looks = 0;
  private heldOff = false;
  private wake: { at: number; cancel: () => void } | null = null;

  constructor(
    private readonly ctx: PluginContext<WifiConfig>,
    private readonly monitor: NetworkMonitor,
    private readonly scanner: NetworkScanner,
    private readonly marks: ServiceMarks,
  ) {}

  private get config(): WifiConfig {
    return this.ctx.config;
  }

  /** Reads the state (and, with `lookAgain`, the devices: a cable), then lets the policy look at it. */
  async settle(lookAgain: boolean): Promise<void> {
    await this.monitor.refresh(lookAgain);
    await this.onboard();
  }

  /** Saved networks, for the policy. A failure to list them counts as none: the hotspot keeps Loop reachable. */
  private async knownCount(): Promise<number> {
    if (this.monitor.unavailable) return 0;
    return (await this.monitor.profiles().catch(() => [])).length;
  }

  private facts(asked: Asked | null, known: number): OnboardingFacts {
    const state = this.monitor.state;
    const now = monotonicMs();
    const ours = this.marks.busy;
    // NetworkManager trying on its own: at boot that is worth waiting for; after a loss it is its
    // reconnect attempts on a stale scan (connecting, disconnected, connecting... for minutes on
    // Debian 13's 1.52, seen on the device test bed), which must not restart the fallback count.
    const nmTrying = state.busy === true && !ours;
    if (state.mode === 'client' || ours || this.monitor.wired) this.lostSince = null;
    else if (state.mode === 'disconnected' && (!nmTrying || this.wasClient || this.lostSince !== null)) this.lostSince ??= now;
    else if (!nmTrying) this.lostSince = null;
    this.wasClient = state.mode === 'client';
    const connecting = ours || (nmTrying && this.lostSince === null);
    if (state.mode === 'client') {
      this.heldOff = false;
      this.marks.hotspotReason = null;
    }
    const config = this.config;
    return {
      now,
      mode: state.mode,
      connecting,
      wired: this.monitor.wired,
      known,
      hotspotReason: this.marks.hotspotReason,
      lostSince: this.lostSince,
      lookedAt: this.lookedAt,
      looks: this.looks,
      started: this.started,
      heldOff: this.heldOff,
      delays: {
        autoHotspot: config.auto_hotspot,
        fallbackMs: config.fallback_seconds * 1000,
        retryMs: config.retry_seconds * 1000,
        blindRetryEvery: config.blind_retry_every,
      },
      asked,
    };
  }

  /**
   * Asks the policy and does what it says, until it says to wait or to do nothing. What the person
   * asked (`asked`) is answered first, and its failure is theirs (thrown); the policy's own
   * failures are logged, and the delay that led to them runs again before the next attempt.
   */
  async onboard(asked: Asked | null = null): Promise<void> {
    if (asked) await this.carryOut(decide(this.facts(asked, await this.knownCount())));
    for (let step = 0; step < MAX_STEPS; step++) {
      const facts = this.facts(null, await this.knownCount());
      const decision = decide(facts);
      // What the policy saw and said: the one trace to read when the hotspot does not come (or does).
      const lostFor = facts.lostSince === null ? null : Math.round((facts.now - facts.lostSince) / 1000);
      this.ctx.log.debug(
        { decision, mode: facts.mode, connecting: facts.connecting, lost_s: lostFor, wired: facts.wired },
        'wifi onboarding',
      );
      if (decision.kind === 'wait') return this.wakeAt(decision.until);
      this.wake?.cancel();
      this.wake = null;
      if ('startup' in decision && decision.startup) this.started = true;
      if (decision.kind === 'nothing') return;
      try {
        await this.carryOut(decision);
      } catch (err) {
        this.ctx.log.warn({ err: (err as Error).message, decision: decision.kind }, 'wifi onboarding step failed');
        // The delay that led here runs again before the next attempt (a failing nmcli is not hammered).
        this.lostSince = this.lookedAt = monotonicMs();
      }
    }
  }

  private wakeAt(until: number): void {
    if (this.wake?.at === until) return;
    this.wake?.cancel();
    // The lane's timers run on Node's monotonic clock, as the policy's deadlines do.
    const cancel = this.ctx.lane.after(Math.max(0, until - monotonicMs()), 'wifi: onboarding delay', () => {
      this.wake = null;
      return this.settle(true);
    });
    this.wake = { at: until, cancel };
  }

  private async carryOut(decision: Decision): Promise<void> {
    switch (decision.kind) {
      case 'nothing':
      case 'wait':
        return;
      case 'keep_hotspot':
        this.ctx.log.info({ reason: decision.reason }, 'the hotspot was up at start: keeping it');
        this.marks.hotspotReason = decision.reason;
        this.lookedAt = monotonicMs();
        this.looks = 0;
        await this.monitor.refresh();
        return;
      case 'start_hotspot':
        return this.startHotspot(decision.reason);
      case 'stop_hotspot':
        await this.stopHotspot();
        this.heldOff = true;
        if (decision.rejoin) await this.tryKnown(await this.scanner.knownInSight());
        return;
      case 'rejoin':
        return this.rejoin(decision.blind, decision.otherwise);
    }
  }

  /** Known networks (in sight, or all when blind); from the hotspot, left only when there is one to try. */
  private async rejoin(blind: boolean, otherwise: HotspotReason | null): Promise<void> {
    const inHotspot = this.monitor.state.mode === 'hotspot';
    if (inHotspot) {
      this.looks++;
      this.lookedAt = monotonicMs();
    }
    const candidates = blind
      ? [...(await this.monitor.profiles())].sort((a, b) => b.timestamp - a.timestamp)
      : await this.scanner.knownInSight();
    if (candidates.length) {
      this.ctx.log.info({ networks: candidates.map((p) => p.name), blind }, 'trying known networks');
      if (inHotspot) await this.stopHotspot();
      if (await this.tryKnown(candidates)) return;
    } else if (inHotspot) return;
    if (otherwise) await this.startHotspot(otherwise);
  }

  /** Brings up saved networks in turn; true once one holds. */
  private async tryKnown(candidates: Profile[]): Promise<boolean> {
    if (!candidates.length) return false;
    const iface = this.monitor.requireAvailable();
    const wait = this.config.connect_timeout_seconds;
    await this.setBusy(true);
    try {
      for (const profile of candidates) {
        const up = await this.monitor.run(
          ['-w', String(wait), 'connection', 'up', 'uuid', profile.uuid, 'ifname', iface],
          (wait + 5) * 1000,
        );
        if (up.code === 0) {
          this.marks.hotspotReason = null;
          this.marks.joined = profile.name;
          this.ctx.log.info({ ssid: profile.name }, 'joined a known network');
          return true;
        }
        this.ctx.log.info({ ssid: profile.name, err: errorText(up) }, 'known network did not connect');
      }
      return false;
    } finally {
      await this.setBusy(false);
      await this.monitor.refresh();
    }
  }

  async setBusy(on: boolean): Promise<void> {
    this.marks.busy = on;
    await this.monitor.publish({ ...this.monitor.state, busy: on });
  }

  private async startHotspot(reason: HotspotReason): Promise<void> {
    const iface = this.monitor.requireAvailable();
    // Scan first: many WiFi chips cannot scan while serving a hotspot, and the page needs the list.
    await this.scanner
      .scan(true)
      .catch((err: Error) => this.ctx.log.warn({ err: err.message }, 'no scan before the hotspot: the page keeps the list it had'));
    this.marks.hotspotReason = reason;
    try {
      await bringUpHotspot(this.monitor, this.config.hotspot, this.ctx.dataDir, iface);
    } catch (err) {
      this.marks.hotspotReason = null;
      throw err;
    }
    this.ctx.log.info({ ssid: this.config.hotspot.ssid, reason }, 'hotspot on');
    this.lookedAt = monotonicMs();
    this.looks = 0;
    this.heldOff = false;
    await this.monitor.refresh();
  }

  async stopHotspot(): Promise<void> {
    await takeDownHotspot(this.monitor, this.config.hotspot);
    this.marks.hotspotReason = null;
    this.lookedAt = null;
    this.looks = 0;
    await this.monitor.refresh();
  }
}
