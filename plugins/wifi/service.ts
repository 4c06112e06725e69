// The wifi service: NetworkManager's state on the retained `wifi` topic, kept current by a
// long-running `nmcli monitor` (restarted with backoff if it dies; a slow safety refresh besides),
// the actions (scan, connect, forget, saved, hotspot), and the onboarding policy:
// - at start, a connection that exists is kept (never cut an SSH session); else known networks are
//   tried; else the setup hotspot starts;
// - a connection lost for fallback_seconds starts the hotspot, and known networks are looked for
//   every retry_seconds meanwhile; one that comes back ends the hotspot;
// - a connect from the hotspot that fails brings the hotspot back, with the reason on `wifi`.
// Mutations of NetworkManager run one at a time (`exclusive`), whether an action or the policy asks.
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
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
import { classify, errorText, Nmcli, NmcliMissing, NM_NOT_RUNNING, redact, type NmcliResult } from './nmcli.js';
import {
  CONNECTION_FIELDS,
  DEVICE_FIELDS,
  networksOf,
  parseConnections,
  parseDevices,
  parseFields,
  parseScan,
  ipv4Of,
  SCAN_FIELDS,
  type Profile,
} from './terse.js';
import { hotspotPassword, withPasswdFile } from './hotspot-password.js';
import { checkConnect } from './validate.js';
import { monotonicMs } from '../../core/util/clock.js';

const WIFI_TYPE = '802-11-wireless';
const MONITOR_BACKOFF_MAX_MS = 60_000;

type HotspotReason = NonNullable<WifiState['hotspot_reason']>;

const CODE_OF: Record<WifiFailure['reason'], ErrorCode> = {
  wrong_password: 'invalid',
  not_found: 'not_found',
  busy: 'conflict',
  timeout: 'timeout',
  failed: 'internal',
};

export class WifiService {
  private readonly nm: Nmcli;
  private iface: string | null = null;
  private unavailable: string | null = null;
  private state: WifiState;
  private lastJson = '';
  private hotspotReason: HotspotReason | null = null;
  private busy = false;
  private lastError: WifiFailure | null = null;
  private scanCache: { at: number; result: WifiNetworks } | null = null;
  private booted = false;
  private stopped = false;
  private lock: Promise<unknown> = Promise.resolve();

  private monitor: ChildProcess | null = null;
  private monitorBackoff = 1000;
  private monitorTimer: NodeJS.Timeout | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private safetyTimer: NodeJS.Timeout | null = null;
  private lostTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retries = 0;
  private nmcliMissing = false;
  private wired = false;
  private profileCache: Profile[] | null = null;
  /** Bumped whenever the saved profiles may have changed: a read that began before a change must not
   *  cache its (now stale) answer. */
  private profileGeneration = 0;
  private refreshing: Promise<WifiState> | null = null;
  private refreshAgain: Promise<WifiState> | null = null;
  /** The network Loop last joined itself (connect, or a known network): its state says where to find Loop. */
  private joined: string | null = null;

  constructor(private readonly ctx: PluginContext<WifiConfig>) {
    this.nm = new Nmcli(ctx.config.nmcli_path);
    this.state = this.baseState();
  }

  private get config(): WifiConfig {
    return this.ctx.config;
  }

  async start(): Promise<void> {
    await this.refresh();
    if (!this.nmcliMissing) this.startMonitor();
    this.safetyTimer = setInterval(() => void this.refresh().catch(() => undefined), this.config.refresh_seconds * 1000);
    this.safetyTimer.unref();
    // The onboarding policy runs in the background once NetworkManager answers (see refresh).
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of [this.monitorTimer, this.refreshTimer, this.lostTimer, this.retryTimer]) if (t) clearTimeout(t);
    if (this.safetyTimer) clearInterval(this.safetyTimer);
    const m = this.monitor;
    this.monitor = null;
    if (m && m.exitCode === null) {
      const gone = new Promise((r) => m.once('exit', r));
      m.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 1000))]);
    }
    // An operation under way (nmcli may take seconds) finishes on its own; nothing new starts (exclusive).
  }

  // ---- state ------------------------------------------------------------------------------

  private portSuffix(): string {
    const url = this.ctx.bus.last('bridge/info')?.config_url;
    const fromInfo = url ? /:(\d+)$/.exec(url)?.[1] : undefined;
    const port = fromInfo ? Number(fromInfo) : this.ctx.device.httpPort;
    return port && port !== 80 ? `:${port}` : '';
  }

  private localUrl(): string {
    return `http://${hostname()}.local${this.portSuffix()}`;
  }

  private baseState(): WifiState {
    return {
      mode: 'disconnected',
      connected: false,
      ssid: null,
      signal: null,
      ip: null,
      configured_ssid: null,
      hotspot: { active: false, ssid: this.config.hotspot.ssid },
      updated_at: new Date().toISOString(),
      reason: null,
      interface: null,
      busy: false,
      hotspot_reason: null,
      local_url: this.localUrl(),
      next: null,
      last_error: null,
    };
  }

  snapshot(): WifiState {
    return this.state;
  }

  private async publish(next: WifiState): Promise<void> {
    const { updated_at: _u, ...rest } = next;
    const json = JSON.stringify(rest);
    if (json === this.lastJson || this.stopped) return;
    this.lastJson = json;
    this.state = { ...next, updated_at: new Date().toISOString() };
    await this.ctx.bus.publish('wifi', this.state, { retain: true });
  }

  /** Runs nmcli; a missing nmcli or a stopped NetworkManager makes the plugin unavailable (said once). */
  private async run(args: string[], timeoutMs?: number): Promise<NmcliResult> {
    const changes = args.includes('connect') || args.includes('delete') || args.includes('add') || args.includes('up');
    if (changes) this.forgetProfiles();
    try {
      const r = await this.nm.run(args, timeoutMs).finally(() => {
        if (changes) this.forgetProfiles();
      });
      if (r.code === NM_NOT_RUNNING) throw new ActionError('unavailable', 'NetworkManager is not running');
      if (r.code !== 0) this.ctx.log.debug({ args: redact(args), code: r.code, err: errorText(r) }, 'nmcli failed');
      return r;
    } catch (err) {
      if (err instanceof NmcliMissing) {
        this.nmcliMissing = true;
        throw new ActionError('unavailable', err.message);
      }
      throw err;
    }
  }

  private requireAvailable(): string {
    if (this.unavailable || !this.iface)
      throw new ActionError('unavailable', `WiFi is unavailable: ${this.unavailable ?? 'no WiFi device'}`);
    return this.iface;
  }

  /** Saved WiFi profiles (not the hotspot). Cached until a profile changes (monitor) or we change one. */
  private async profiles(): Promise<Profile[]> {
    if (this.profileCache) return this.profileCache;
    const generation = this.profileGeneration;
    const r = await this.run(['-f', CONNECTION_FIELDS.join(','), 'connection', 'show']);
    if (r.code !== 0) throw new ActionError('internal', `nmcli: ${errorText(r)}`);
    const profiles = parseConnections(r.stdout).filter((p) => p.type === WIFI_TYPE && p.name !== this.config.hotspot.connection_name);
    if (generation === this.profileGeneration) this.profileCache = profiles;
    return profiles;
  }

  private forgetProfiles(): void {
    this.profileCache = null;
    this.profileGeneration++;
  }

  /** Reads NetworkManager's state and publishes it; drives the lost-connection timer. One read at a time. */
  refresh(): Promise<WifiState> {
    if (this.stopped) return Promise.resolve(this.state);
    if (this.refreshing) {
      // A change arrived while reading: read once more after this read (callers get the newer state).
      this.refreshAgain ??= this.refreshing.then(() => {
        this.refreshAgain = null;
        return this.refresh();
      });
      return this.refreshAgain;
    }
    this.refreshing = this.doRefresh().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async doRefresh(): Promise<WifiState> {
    let next: WifiState;
    try {
      next = await this.read();
      if (this.unavailable) this.ctx.log.info('NetworkManager is available');
      this.unavailable = null;
    } catch (err) {
      const reason = err instanceof ActionError ? err.message : (err as Error).message;
      if (reason !== this.unavailable) this.ctx.log.warn({ reason }, 'WiFi unavailable');
      this.unavailable = reason;
      this.iface = null;
      next = { ...this.baseState(), mode: 'unavailable', reason, hotspot_reason: null };
    }
    await this.publish(next);
    if (!this.unavailable) {
      this.watchLoss();
      if (!this.booted && !this.stopped) void this.boot();
    }
    return this.state;
  }

  /** Finds the WiFi device (and whether a cable connects Loop): `device status`, once and when asked. */
  private async findDevice(): Promise<string> {
    const r = await this.run(['-f', DEVICE_FIELDS.join(','), 'device', 'status']);
    if (r.code !== 0) throw new ActionError('unavailable', `nmcli: ${errorText(r)}`);
    const devices = parseDevices(r.stdout);
    const dev = devices.find((d) => (this.config.interface ? d.iface === this.config.interface : d.type === 'wifi'));
    if (!dev) throw new ActionError('unavailable', this.config.interface ? `no device ${this.config.interface}` : 'no WiFi device');
    // Reachable over a cable: no reason to take the WiFi over with a hotspot (also spares developers' laptops).
    this.wired = devices.some((d) => d.type === 'ethernet' && d.state === 'connected');
    this.iface = dev.iface;
    return dev.iface;
  }

  /** The state in two nmcli calls at most: `device show` (state, connection, address), and the in-use access point. */
  private async read(): Promise<WifiState> {
    const iface = this.iface ?? (await this.findDevice());
    const show = await this.run(['-f', 'GENERAL.STATE,GENERAL.CONNECTION,IP4.ADDRESS', 'device', 'show', iface]);
    if (show.code === 10) {
      this.iface = null; // the device went away (USB adapter unplugged): look again next time
      throw new ActionError('unavailable', `WiFi device ${iface} is gone`);
    }
    const fields = parseFields(show.stdout);
    const state = /\((.*)\)/.exec(fields.get('GENERAL.STATE') ?? '')?.[1] ?? 'unknown';
    const base = { ...this.baseState(), interface: iface, busy: this.busy, last_error: this.lastError };
    const profiles = await this.profiles().catch(() => []);
    base.configured_ssid = [...profiles].sort((a, b) => b.timestamp - a.timestamp)[0]?.name ?? null;
    if (state === 'unavailable' || state === 'unmanaged') {
      return { ...base, mode: 'disconnected', reason: `WiFi device ${iface} is ${state}` };
    }
    if (state !== 'connected') {
      if (state.startsWith('connecting')) base.busy = true;
      return base;
    }
    const ip = ipv4Of(fields);
    const conName = fields.get('GENERAL.CONNECTION') ?? '';
    if (conName === this.config.hotspot.connection_name) {
      return {
        ...base,
        mode: 'hotspot',
        ip,
        hotspot: { active: true, ssid: this.config.hotspot.ssid },
        hotspot_reason: this.hotspotReason ?? 'manual',
      };
    }
    const list = await this.run(['-f', SCAN_FIELDS.join(','), 'device', 'wifi', 'list', '--rescan', 'no', 'ifname', iface]);
    const inUse = parseScan(list.stdout).find((a) => a.inUse);
    const ssid = inUse?.ssid ?? conName;
    const next = this.joined === ssid ? { url: this.localUrl(), ip_url: ip ? `http://${ip}${this.portSuffix()}` : null, ssid } : null;
    return { ...base, mode: 'client', connected: true, ssid, signal: inUse?.signal ?? null, ip, hotspot_reason: null, next };
  }

  /** Coalesces bursts of monitor lines into one refresh. */
  private scheduleRefresh(delayMs = 250): void {
    if (this.refreshTimer || this.stopped) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      void this.refresh().catch((err: Error) => this.ctx.log.warn({ err: err.message }, 'wifi refresh failed'));
    }, delayMs);
  }

  // ---- monitor ----------------------------------------------------------------------------

  private startMonitor(): void {
    if (this.stopped) return;
    const child = this.nm.monitor();
    this.monitor = child;
    const started = monotonicMs();
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') this.nmcliMissing = true;
      this.ctx.log.debug({ err: err.message }, 'nmcli monitor error');
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      // Every line is a change; profiles (saved networks) change rarely and are re-read only then.
      if (/connection profile|NetworkManager (has started|is stopped)/.test(line)) this.forgetProfiles();
      this.scheduleRefresh();
    });
    child.stderr?.resume();
    // A change between our last read and the monitor being ready is not reported (nmcli monitor says
    // nothing about the state it finds): read again once it has surely settled.
    const settle = setTimeout(() => this.scheduleRefresh(0), 3000);
    settle.unref();
    child.once('exit', (code) => {
      clearTimeout(settle);
      if (this.stopped || this.monitor !== child) return;
      this.monitor = null;
      if (this.nmcliMissing) return;
      if (monotonicMs() - started > 30_000) this.monitorBackoff = 1000;
      this.ctx.log.warn({ code, retry_ms: this.monitorBackoff }, 'nmcli monitor exited; restarting');
      this.monitorTimer = setTimeout(() => {
        this.monitorTimer = null;
        this.startMonitor();
        this.scheduleRefresh(0);
      }, this.monitorBackoff);
      this.monitorBackoff = Math.min(MONITOR_BACKOFF_MAX_MS, this.monitorBackoff * 2);
    });
  }

  // ---- policy -----------------------------------------------------------------------------

  /** One NetworkManager change at a time, whoever asks. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const guarded = (): Promise<T> => (this.stopped ? Promise.reject(new ActionError('unavailable', 'WiFi is stopping')) : fn());
    const run = this.lock.then(guarded, guarded);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** The onboarding policy at start (or when NetworkManager first shows up). */
  private boot(): Promise<void> {
    if (this.booted) return Promise.resolve();
    this.booted = true;
    return this.exclusive(async () => {
      const s = await this.refresh();
      if (s.mode === 'client' || s.mode === 'unavailable') return;
      if (s.mode === 'hotspot') {
        // Loop restarted while its hotspot was up: keep it, and keep looking for known networks.
        this.hotspotReason = 'no_network';
        this.startRetry();
        await this.refresh();
        return;
      }
      if (await this.tryKnown(false)) return;
      await this.findDevice();
      if (this.config.auto_hotspot && !this.wired)
        await this.startHotspot('no_network').catch((err: Error) => this.ctx.log.warn({ err: err.message }, 'could not start the hotspot'));
    }).catch((err: Error) => this.ctx.log.warn({ err: err.message }, 'wifi start-up policy failed'));
  }

  /** Disconnected (not by us, not in the hotspot) for fallback_seconds → the hotspot. */
  private watchLoss(): void {
    const s = this.state;
    // Not s.busy: NetworkManager's own reconnect attempts on a lost network (minutes of connecting,
    // disconnected, connecting on a stale scan; seen on the device test bed) do not restart the count.
    const lost = s.mode === 'disconnected' && !this.busy && !this.wired;
    if (!lost || !this.config.auto_hotspot || !this.booted) {
      if (!lost && this.lostTimer) {
        clearTimeout(this.lostTimer);
        this.lostTimer = null;
      }
      return;
    }
    if (this.lostTimer) return;
    this.lostTimer = setTimeout(() => {
      this.lostTimer = null;
      void this.exclusive(async () => {
        await this.findDevice();
        const now = await this.refresh();
        if (now.mode !== 'disconnected' || this.busy || this.wired) return;
        this.ctx.log.info({ seconds: this.config.fallback_seconds }, 'no connection: starting the hotspot');
        await this.startHotspot('lost');
      }).catch((err: Error) => this.ctx.log.warn({ err: err.message }, 'could not start the hotspot'));
    }, this.config.fallback_seconds * 1000);
  }

  private startRetry(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.exclusive(() => this.retryKnown())
        .catch((err: Error) => this.ctx.log.warn({ err: err.message }, 'known-network retry failed'))
        .finally(() => {
          if (this.state.mode === 'hotspot' && this.hotspotReason !== 'manual') this.startRetry();
        });
    }, this.config.retry_seconds * 1000);
  }

  private stopRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retries = 0;
  }

  /** In the fallback hotspot: a known network in sight (or, every Nth time, blindly) → leave the hotspot for it. */
  private async retryKnown(): Promise<void> {
    if (this.state.mode !== 'hotspot' || this.hotspotReason === 'manual') return;
    this.retries++;
    const blind = this.config.blind_retry_every > 0 && this.retries % this.config.blind_retry_every === 0;
    const visible = await this.knownInSight(true);
    if (!visible.length && !blind) return;
    this.ctx.log.info({ networks: visible.map((p) => p.name), blind }, 'trying known networks');
    const reason = this.hotspotReason ?? 'lost';
    await this.stopHotspotNow();
    if (await this.tryKnown(blind)) return;
    await this.startHotspot(reason);
  }

  /** Saved networks that the last scan shows, strongest first. */
  private async knownInSight(rescan: boolean): Promise<Profile[]> {
    const saved = await this.profiles();
    if (!saved.length) return [];
    const { networks } = await this.scanNow(rescan, saved);
    const signal = new Map(networks.map((n) => [n.ssid, n.signal]));
    return saved.filter((p) => signal.has(p.name)).sort((a, b) => (signal.get(b.name) ?? 0) - (signal.get(a.name) ?? 0));
  }

  /** Brings up saved networks in turn (those in sight, or all of them when blind); true once one holds. */
  private async tryKnown(blind: boolean): Promise<boolean> {
    const iface = this.requireAvailable();
    const candidates = blind ? (await this.profiles()).sort((a, b) => b.timestamp - a.timestamp) : await this.knownInSight(true);
    if (!candidates.length) return false;
    this.setBusy(true);
    try {
      for (const p of candidates) {
        const r = await this.run(
          ['-w', String(this.config.connect_timeout_seconds), 'connection', 'up', 'uuid', p.uuid, 'ifname', iface],
          (this.config.connect_timeout_seconds + 5) * 1000,
        );
        if (r.code === 0) {
          this.hotspotReason = null;
          this.stopRetry();
          this.ctx.log.info({ ssid: p.name }, 'joined a known network');
          this.joined = p.name;
          return true;
        }
        this.ctx.log.info({ ssid: p.name, err: errorText(r) }, 'known network did not connect');
      }
      return false;
    } finally {
      this.setBusy(false);
      await this.refresh();
    }
  }

  private setBusy(on: boolean): void {
    this.busy = on;
    void this.publish({ ...this.state, busy: on });
  }

  private async startHotspot(reason: HotspotReason): Promise<void> {
    const iface = this.requireAvailable();
    const h = this.config.hotspot;
    // Scan first: many WiFi chips cannot scan while serving a hotspot, and the page needs the list.
    await this.scanNow(true).catch(() => undefined);
    await this.run(['connection', 'delete', 'id', h.connection_name]);
    const add = await this.run([
      'connection',
      'add',
      'type',
      'wifi',
      'ifname',
      iface,
      'con-name',
      h.connection_name,
      'autoconnect',
      'no',
      'ssid',
      h.ssid,
      '802-11-wireless.mode',
      'ap',
      '802-11-wireless.band',
      'bg',
      '802-11-wireless.channel',
      String(h.channel),
      'ipv4.method',
      'shared',
      'ipv4.addresses',
      h.address,
      'ipv6.method',
      'disabled',
      'wifi-sec.key-mgmt',
      'wpa-psk',
      'wifi-sec.proto',
      'rsn',
      'wifi-sec.pairwise',
      'ccmp',
      'wifi-sec.group',
      'ccmp',
    ]);
    if (add.code !== 0) throw new ActionError('internal', `could not create the hotspot: ${errorText(add)}`);
    this.hotspotReason = reason;
    // The key goes to NetworkManager at activation on nmcli's stdin: an argv is readable by every user (ps).
    const password = await hotspotPassword(this.ctx.dataDir, h.password);
    const up = await withPasswdFile(this.ctx.dataDir, password, (file) =>
      this.run(['-w', '30', 'connection', 'up', 'id', h.connection_name, 'ifname', iface, 'passwd-file', file], 35_000),
    );
    if (up.code !== 0) {
      this.hotspotReason = null;
      throw new ActionError('internal', `could not start the hotspot: ${errorText(up)}`);
    }
    this.ctx.log.info({ ssid: h.ssid, reason }, 'hotspot on');
    await this.refresh();
    if (reason !== 'manual') this.startRetry();
  }

  private async stopHotspotNow(): Promise<void> {
    const r = await this.run(['connection', 'down', 'id', this.config.hotspot.connection_name]);
    if (r.code !== 0 && r.code !== 10) throw new ActionError('internal', `could not stop the hotspot: ${errorText(r)}`);
    this.hotspotReason = null;
    this.stopRetry();
    await this.refresh();
  }

  // ---- actions ----------------------------------------------------------------------------

  private async scanNow(rescan: boolean, saved?: Profile[]): Promise<WifiNetworks> {
    const iface = this.requireAvailable();
    const fresh = this.scanCache && monotonicMs() - this.scanCache.at < this.config.scan_cache_seconds * 1000;
    // Serving the hotspot, NetworkManager lists only the hotspot itself (seen on Debian 13's 1.52):
    // the phone is answered the list scanned before the hotspot took the radio.
    if ((fresh || this.state.mode === 'hotspot') && this.scanCache && !saved) return this.scanCache.result;
    // Serving the hotspot, a rescan would fail or drop the phone: answer the list from before.
    const doRescan = rescan && this.state.mode !== 'hotspot';
    const r = await this.run(
      ['-f', SCAN_FIELDS.join(','), 'device', 'wifi', 'list', '--rescan', doRescan ? 'yes' : 'no', 'ifname', iface],
      30_000,
    );
    if (r.code !== 0) {
      if (this.scanCache) return this.scanCache.result;
      const why = classify(r, '');
      throw new ActionError(why.reason === 'busy' ? 'conflict' : 'internal', `Scan failed: ${why.detail}`);
    }
    const known = new Set((saved ?? (await this.profiles().catch(() => []))).map((p) => p.name));
    const { networks, hidden } = networksOf(parseScan(r.stdout), known);
    const result: WifiNetworks = { networks, hidden_count: hidden, scanned_at: new Date().toISOString() };
    this.scanCache = { at: monotonicMs(), result };
    await this.ctx.bus.publish('wifi/networks', result, { retain: true });
    return result;
  }

  scan(rescan: boolean): Promise<WifiNetworks> {
    this.requireAvailable();
    return this.exclusive(() => this.scanNow(rescan));
  }

  async saved(): Promise<WifiSaved[]> {
    this.requireAvailable();
    const active = this.state.mode === 'client' ? this.state.ssid : null;
    return (await this.profiles()).map((p) => ({
      ssid: p.name,
      uuid: p.uuid,
      active: p.device !== '' || p.name === active,
      autoconnect: p.autoconnect,
      last_used: p.timestamp > 0 ? new Date(p.timestamp * 1000).toISOString() : null,
    }));
  }

  forget(ssid: string): Promise<{ forgotten: string }> {
    this.requireAvailable();
    return this.exclusive(async () => {
      const matching = (await this.profiles()).filter((p) => p.name === ssid);
      if (!matching.length) throw new ActionError('not_found', `No saved network "${ssid}"`);
      for (const p of matching) {
        const r = await this.run(['connection', 'delete', 'uuid', p.uuid]);
        if (r.code !== 0 && r.code !== 10) throw new ActionError('internal', `could not forget "${ssid}": ${errorText(r)}`);
      }
      this.scanCache = null;
      await this.refresh();
      return { forgotten: ssid };
    });
  }

  hotspot(active: boolean | undefined): Promise<{ hotspot_active: boolean; ssid: string }> {
    this.requireAvailable();
    return this.exclusive(async () => {
      const on = active ?? this.state.mode !== 'hotspot';
      if (on && this.state.mode !== 'hotspot') await this.startHotspot('manual');
      if (!on && this.state.mode === 'hotspot') {
        await this.stopHotspotNow();
        await this.tryKnown(false);
      }
      return { hotspot_active: this.state.mode === 'hotspot', ssid: this.config.hotspot.ssid };
    });
  }

  connect(ssid: string, password: string | undefined, hidden: boolean): Promise<WifiConnectResult> {
    const problem = checkConnect(ssid, password, this.scanCache?.result.networks ?? []);
    if (problem) throw new ActionError('invalid', problem);
    const iface = this.requireAvailable();
    return this.exclusive(async () => {
      const fromHotspot = this.state.mode === 'hotspot' ? (this.hotspotReason ?? 'manual') : null;
      const before = await this.profiles();
      const existing = before.find((p) => p.name === ssid);
      this.setBusy(true);
      let r: NmcliResult;
      const t = this.config.connect_timeout_seconds;
      try {
        if (fromHotspot) {
          // Leave AP mode first, and look again: the list seen from the hotspot may be old.
          await this.stopHotspotNow();
          await this.run(['-f', SCAN_FIELDS.join(','), 'device', 'wifi', 'list', '--rescan', 'yes', 'ifname', iface], 30_000);
        }
        const args =
          existing && !password
            ? ['-w', String(t), 'connection', 'up', 'uuid', existing.uuid, 'ifname', iface]
            : [
                '-w',
                String(t),
                'device',
                'wifi',
                'connect',
                ssid,
                ...(password ? ['password', password] : []),
                ...(hidden ? ['hidden', 'yes'] : []),
                'ifname',
                iface,
              ];
        r = await this.run(args, (t + 5) * 1000);
      } catch (err) {
        this.setBusy(false);
        throw err;
      }
      if (r.code === 0) {
        this.lastError = null;
        this.hotspotReason = null;
        this.stopRetry();
        this.scanCache = null;
        this.joined = ssid;
        this.busy = false;
        const s = await this.refresh();
        const ipUrl = s.ip ? `http://${s.ip}${this.portSuffix()}` : null;
        this.ctx.log.info({ ssid, ip: s.ip }, 'joined WiFi network');
        return { connected: true, ssid, ip: s.ip, url: this.localUrl(), ip_url: ipUrl };
      }
      const why = classify(r, ssid);
      this.ctx.log.warn({ ssid, reason: why.reason, detail: why.detail }, 'WiFi connect failed');
      // nmcli keeps the profile it made for a failed first attempt: a wrong password must not linger.
      if (!existing) {
        await this.forgetNewProfiles(ssid, before);
      }
      this.lastError = { ssid, reason: why.reason, message: why.message, at: new Date().toISOString() };
      this.busy = false;
      if (fromHotspot)
        await this.startHotspot(fromHotspot).catch((err: Error) =>
          this.ctx.log.warn({ err: err.message }, 'could not restore the hotspot'),
        );
      await this.refresh();
      throw new ActionError(CODE_OF[why.reason], why.message, { reason: why.reason });
    });
  }

  /** Deletes the profiles for ssid that a failed attempt left (nmcli keeps one). A failure to list or
   *  delete is logged: it must not hide the connect error the user is waiting for. */
  private async forgetNewProfiles(ssid: string, before: Profile[]): Promise<void> {
    try {
      for (const p of (await this.profiles()).filter((x) => x.name === ssid && !before.some((b) => b.uuid === x.uuid))) {
        const r = await this.run(['connection', 'delete', 'uuid', p.uuid]);
        if (r.code !== 0) this.ctx.log.warn({ ssid, err: errorText(r) }, 'could not delete the profile of a failed attempt');
      }
    } catch (err) {
      this.ctx.log.warn({ ssid, err: (err as Error).message }, 'could not delete the profile of a failed attempt');
    }
  }
}
