// The wifi service: wires the NetworkManager monitor (monitor.ts) to the onboarding policy
// (policy.ts, carried out by onboarding.ts), and answers the actions (status, scan, connect, forget,
// saved, hotspot). Everything runs on the plugin's lane (ctx.lane): the monitor's changes, the
// policy's delays and the safety refresh are jobs taken in turn with the commands, so two changes of
// NetworkManager never overlap and no lock is needed; the host cancels every timer at stop.
import type { PluginContext } from '../../core/plugins/api.js';
import {
  ActionError,
  type ErrorCode,
  type WifiConnectResult,
  type WifiFailure,
  type WifiNetworks,
  type WifiSaved,
  type WifiState,
} from '../../core/protocol/index.js';
import type { WifiConfig } from './config.js';
import { NetworkMonitor, type ServiceMarks } from './monitor.js';
import { classify, errorText, type NmcliResult } from './nmcli.js';
import { Onboarding } from './onboarding.js';
import { NetworkScanner } from './scan.js';
import { SCAN_FIELDS, type Profile } from './terse.js';
import { checkConnect } from './validate.js';
import { withPasswdFile } from './hotspot-password.js';

/** Bursts of monitor lines become one refresh. */
const CHANGE_COALESCE_MS = 250;

const CODE_OF: Record<WifiFailure['reason'], ErrorCode> = {
  wrong_password: 'invalid',
  not_found: 'not_found',
  busy: 'conflict',
  timeout: 'timeout',
  failed: 'internal',
};

export class WifiService {
  private readonly monitor: NetworkMonitor;
  private readonly scanner: NetworkScanner;
  private readonly marks: ServiceMarks = { busy: false, lastError: null, hotspotReason: null, joined: null };
  private readonly onboarding: Onboarding;
  private changePending = false;

  constructor(private readonly ctx: PluginContext<WifiConfig>) {
    this.monitor = new NetworkMonitor(ctx, this.marks, () => this.changed());
    this.scanner = new NetworkScanner(ctx, this.monitor);
    this.onboarding = new Onboarding(ctx, this.monitor, this.scanner, this.marks);
  }

  private get config(): WifiConfig {
    return this.ctx.config;
  }

  async start(): Promise<void> {
    await this.monitor.refresh();
    this.monitor.watch();
    this.ctx.lane.every(this.config.refresh_seconds * 1000, 'wifi: safety refresh', () => this.onboarding.settle(false));
    // The start-up decision, once NetworkManager answers (else at the first change it reports).
    this.ctx.lane.post('wifi: start-up', () => this.onboarding.onboard());
  }

  /** The lane's timers end with the plugin; `nmcli monitor` is ours to end. */
  stop(): Promise<void> {
    return this.monitor.unwatch();
  }

  /** `status`: the state read now. The policy looks at it after this answer (it may take a while). */
  async status(): Promise<WifiState> {
    const state = await this.monitor.refresh();
    this.ctx.lane.post('wifi: onboarding after status', () => this.onboarding.onboard());
    return state;
  }

  private changed(): void {
    if (this.changePending) return;
    this.changePending = true;
    this.ctx.lane.after(CHANGE_COALESCE_MS, 'wifi: refresh after a change', () => {
      this.changePending = false;
      return this.onboarding.settle(false);
    });
  }

  // ---- actions ----------------------------------------------------------------------------

  scan(rescan: boolean): Promise<WifiNetworks> {
    return this.scanner.scan(rescan);
  }

  async saved(): Promise<WifiSaved[]> {
    this.monitor.requireAvailable();
    const state = this.monitor.state;
    const active = state.mode === 'client' ? state.ssid : null;
    return (await this.monitor.profiles()).map((p) => ({
      ssid: p.name,
      uuid: p.uuid,
      active: p.device !== '' || p.name === active,
      autoconnect: p.autoconnect,
      last_used: p.timestamp > 0 ? new Date(p.timestamp * 1000).toISOString() : null,
    }));
  }

  async forget(ssid: string): Promise<{ forgotten: string }> {
    this.monitor.requireAvailable();
    const matching = (await this.monitor.profiles()).filter((p) => p.name === ssid);
    if (!matching.length) throw new ActionError('not_found', `No saved network "${ssid}"`);
    for (const p of matching) {
      const deleted = await this.monitor.run(['connection', 'delete', 'uuid', p.uuid]);
      if (deleted.code !== 0 && deleted.code !== 10) throw new ActionError('internal', `could not forget "${ssid}": ${errorText(deleted)}`);
    }
    this.scanner.forget();
    await this.monitor.refresh();
    // With nothing left to join, the policy may have a hotspot to start: after this answer.
    this.ctx.lane.post('wifi: onboarding after forget', () => this.onboarding.onboard());
    return { forgotten: ssid };
  }

  async hotspot(active: boolean | undefined): Promise<{ hotspot_active: boolean; ssid: string }> {
    this.monitor.requireAvailable();
    await this.onboarding.onboard({ kind: 'hotspot', active: active ?? null });
    return { hotspot_active: this.monitor.state.mode === 'hotspot', ssid: this.config.hotspot.ssid };
  }

  async connect(ssid: string, password: string | undefined, hidden: boolean): Promise<WifiConnectResult> {
    const problem = checkConnect(ssid, password, this.scanner.lastSeen);
    if (problem) throw new ActionError('invalid', problem);
    const iface = this.monitor.requireAvailable();
    const fromHotspot = this.monitor.state.mode === 'hotspot' ? (this.marks.hotspotReason ?? 'manual') : null;
    const before = await this.monitor.profiles();
    const existing = before.find((p) => p.name === ssid);
    await this.onboarding.setBusy(true);
    let result: NmcliResult;
    const wait = this.config.connect_timeout_seconds;
    try {
      if (fromHotspot) {
        // Leave AP mode first, and look again: the list seen from the hotspot may be old.
        await this.onboarding.stopHotspot();
        // Only NetworkManager's own list matters here (connect looks the SSID up in it): the answer is not read.
        await this.monitor.run(['-f', SCAN_FIELDS.join(','), 'device', 'wifi', 'list', '--rescan', 'yes', 'ifname', iface], 30_000);
      }
      if (password) result = await this.joinWithKey(ssid, password, hidden, iface);
      else {
        const args = existing
          ? ['-w', String(wait), 'connection', 'up', 'uuid', existing.uuid, 'ifname', iface]
          : ['-w', String(wait), 'device', 'wifi', 'connect', ssid, ...(hidden ? ['hidden', 'yes'] : []), 'ifname', iface];
        result = await this.monitor.run(args, (wait + 5) * 1000);
      }
    } catch (err) {
      await this.onboarding.setBusy(false);
      throw err;
    }
    this.marks.busy = false;
    if (result.code === 0) {
      // A new key made a new profile: the old ones for this network (with the old key) go.
      if (password) await this.forgetProfiles(before.filter((p) => p.name === ssid));
      Object.assign(this.marks, { lastError: null, hotspotReason: null, joined: ssid });
      this.scanner.forget();
      const state = await this.monitor.refresh();
      this.ctx.log.info({ ssid, ip: state.ip }, 'joined WiFi network');
      return { connected: true, ssid, ip: state.ip, url: this.monitor.localUrl(), ip_url: this.monitor.ipUrl(state.ip) };
    }
    const why = classify(result, ssid);
    this.ctx.log.warn({ ssid, reason: why.reason, detail: why.detail }, 'WiFi connect failed');
    // nmcli keeps the profile a failed attempt made: a wrong password must not linger (an older
    // profile for the network, with its working key, stays).
    await this.forgetNewProfiles(ssid, before);
    this.marks.lastError = { ssid, reason: why.reason, message: why.message, at: new Date().toISOString() };
    // The person waits for the connect's answer: a hotspot that does not come back is logged.
    await this.onboarding
      .onboard({ kind: 'connect_failed', fromHotspot })
      .catch((err: Error) => this.ctx.log.warn({ err: err.message }, 'could not restore the hotspot'));
    await this.monitor.refresh();
    throw new ActionError(CODE_OF[why.reason], why.message, { reason: why.reason });
  }

  /**
   * Joins a secured network without its key in any argv (a neighbour's `ps` sees every argv): a
   * profile without the key, then `connection up ... passwd-file` (0600, in the 0700 auth folder),
   * as the hotspot does. NetworkManager keeps the key it was given in the profile it owns.
   */
  private async joinWithKey(ssid: string, password: string, hidden: boolean, iface: string): Promise<NmcliResult> {
    const wait = this.config.connect_timeout_seconds;
    const seen = this.scanner.lastSeen.find((n) => n.ssid === ssid);
    // WPA3-only networks take SAE; everything else WPA-PSK (a WPA2/WPA3 network accepts that too).
    const keyMgmt = seen && /WPA3/.test(seen.security) && !/WPA[12]/.test(seen.security) ? 'sae' : 'wpa-psk';
    const added = await this.monitor.run([
      'connection', 'add', 'type', 'wifi', 'con-name', ssid, 'ifname', iface, 'ssid', ssid,
      'wifi-sec.key-mgmt', keyMgmt, ...(hidden ? ['802-11-wireless.hidden', 'yes'] : []),
    ]); // prettier-ignore
    if (added.code !== 0) return added;
    const uuid = /\(([0-9a-f-]{36})\) successfully added/.exec(added.stdout)?.[1];
    if (!uuid) return { ...added, code: 1, stderr: `Error: nmcli did not say which profile it added (${added.stdout.trim()})` };
    // NetworkManager 1.52 asks for the key again after the access point refused it, and nmcli's
    // passwd-file agent hands it the same one, round and round until -w ends it (45 s, "did not
    // answer in time": seen on the device test bed). The device asking a second time is the refusal.
    let asked = 0;
    let refused = false;
    const stopWatching = this.monitor.onLine((line) => {
      if (line !== `${iface}: connecting (need authentication)` || ++asked < 2 || refused) return;
      refused = true;
      void this.monitor.run(['connection', 'delete', 'uuid', uuid]).then((r) => {
        if (r.code !== 0) this.ctx.log.warn({ ssid, err: errorText(r) }, 'could not end an attempt with a refused key');
      });
    });
    try {
      const up = await withPasswdFile(this.ctx.dataDir, password, (file) =>
        this.monitor.run(['-w', String(wait), 'connection', 'up', 'uuid', uuid, 'ifname', iface, 'passwd-file', file], (wait + 5) * 1000),
      );
      return refused ? { ...up, code: up.code || 4, stderr: 'Error: the network refused the key: wrong password' } : up;
    } finally {
      stopWatching();
    }
  }

  /** Deletes the profiles for ssid that a failed attempt left (nmcli keeps one). */
  private async forgetNewProfiles(ssid: string, before: Profile[]): Promise<void> {
    try {
      await this.forgetProfiles((await this.monitor.profiles()).filter((p) => p.name === ssid && !before.some((b) => b.uuid === p.uuid)));
    } catch (err) {
      this.ctx.log.warn({ ssid, err: (err as Error).message }, 'could not list the profiles a failed attempt left');
    }
  }

  /** A failure to delete is logged: it must not hide the connect answer the user is waiting for. */
  private async forgetProfiles(profiles: readonly Profile[]): Promise<void> {
    for (const p of profiles) {
      const deleted = await this.monitor.run(['connection', 'delete', 'uuid', p.uuid]);
      if (deleted.code !== 0) this.ctx.log.warn({ profile: p.name, err: errorText(deleted) }, 'could not delete a WiFi profile');
    }
  }
}
