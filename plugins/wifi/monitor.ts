// The NetworkManager monitor: what nmcli says, read into the retained `wifi` state. A long-running
// `nmcli monitor` reports every change as it happens (restarted with the one backoff rule if it
// dies); each report becomes one refresh, handed to the service (`onChange`) so that it runs on the
// plugin's lane. Also the one way to run nmcli here: a missing nmcli or a stopped NetworkManager
// makes the plugin unavailable, and a change of saved profiles empties their cache.
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import type { PluginContext } from '../../core/plugins/api.js';
import { ActionError, type WifiFailure, type WifiState } from '../../core/protocol/index.js';
import { Backoff } from '../../core/util/backoff.js';
import { monotonicMs } from '../../core/util/clock.js';
import type { WifiConfig } from './config.js';
import { errorText, Nmcli, NmcliMissing, NM_NOT_RUNNING, redact, type NmcliResult } from './nmcli.js';
import type { HotspotReason } from './policy.js';
import {
  CONNECTION_FIELDS,
  DEVICE_FIELDS,
  ipv4Of,
  parseConnections,
  parseDevices,
  parseFields,
  parseScan,
  SCAN_FIELDS,
  type Profile,
} from './terse.js';

const WIFI_TYPE = '802-11-wireless';
/** A monitor that ran this long was healthy: its next restart waits the shortest time again. */
const MONITOR_HEALTHY_MS = 30_000;
/** nmcli says nothing about the state it finds: read again once a new monitor has surely settled. */
const MONITOR_SETTLE_MS = 3_000;

/** What the service knows and the state shows besides NetworkManager's own view. */
export interface ServiceMarks {
  busy: boolean;
  lastError: WifiFailure | null;
  hotspotReason: HotspotReason | null;
  /** The network Loop last joined itself: its state says where to find Loop next. */
  joined: string | null;
}

export class NetworkMonitor {
  private readonly nm: Nmcli;
  private readonly backoff = new Backoff({ minMs: 1000, maxMs: 60_000 });
  private current: WifiState;
  private lastJson = '';
  private profileCache: Profile[] | null = null;
  /** Bumped whenever the saved profiles may have changed: a read that began before must not cache its answer. */
  private profileGeneration = 0;
  /** The WiFi device, once found; null makes the next read look for it again. */
  iface: string | null = null;
  /** Why WiFi is unavailable (nmcli missing, NetworkManager stopped, no device); null when it is not. */
  unavailable: string | null = null;
  /** A cable connects Loop (ethernet connected), as of the last look at the devices. */
  wired = false;
  private nmcliMissing = false;
  private child: ChildProcess | null = null;
  private cancelSettle: (() => void) | null = null;

  private readonly lineListeners = new Set<(line: string) => void>();

  constructor(
    private readonly ctx: PluginContext<WifiConfig>,
    /** Shared with the service, which keeps them current. */
    private readonly marks: ServiceMarks,
    /** Called on every change nmcli monitor reports (bursts included: the caller coalesces). */
    private readonly onChange: () => void,
  ) {
    this.nm = new Nmcli(ctx.config.nmcli_path);
    this.current = this.baseState();
  }

  private get config(): WifiConfig {
    return this.ctx.config;
  }

  get state(): WifiState {
    return this.current;
  }

  // ---- running nmcli ----------------------------------------------------------------------

  /** Runs nmcli; a missing nmcli or a stopped NetworkManager throws `unavailable`. */
  async run(args: string[], timeoutMs?: number): Promise<NmcliResult> {
    const changes = args.includes('connect') || args.includes('delete') || args.includes('add') || args.includes('up');
    if (changes) this.forgetProfiles();
    try {
      const result = await this.nm.run(args, timeoutMs).finally(() => {
        if (changes) this.forgetProfiles();
      });
      if (result.code === NM_NOT_RUNNING) throw new ActionError('unavailable', 'NetworkManager is not running');
      if (result.code !== 0) this.ctx.log.debug({ args: redact(args), code: result.code, err: errorText(result) }, 'nmcli failed');
      return result;
    } catch (err) {
      if (err instanceof NmcliMissing) {
        this.nmcliMissing = true;
        throw new ActionError('unavailable', err.message);
      }
      throw err;
    }
  }

  requireAvailable(): string {
    if (this.unavailable || !this.iface)
      throw new ActionError('unavailable', `WiFi is unavailable: ${this.unavailable ?? 'no WiFi device'}`);
    return this.iface;
  }

  /** Saved WiFi profiles (not the hotspot). Cached until a profile changes (monitor) or Loop changes one. */
  async profiles(): Promise<Profile[]> {
    if (this.profileCache) return this.profileCache;
    const generation = this.profileGeneration;
    const result = await this.run(['-f', CONNECTION_FIELDS.join(','), 'connection', 'show']);
    if (result.code !== 0) throw new ActionError('internal', `nmcli: ${errorText(result)}`);
    const hotspot = this.config.hotspot.connection_name;
    const profiles = parseConnections(result.stdout).filter((p) => p.type === WIFI_TYPE && p.name !== hotspot);
    if (generation === this.profileGeneration) this.profileCache = profiles;
    return profiles;
  }

  forgetProfiles(): void {
    this.profileCache = null;
    this.profileGeneration++;
  }

  // ---- the state --------------------------------------------------------------------------

  private portSuffix(): string {
    const url = this.ctx.bus.last('bridge/info')?.config_url;
    const fromInfo = url ? /:(\d+)$/.exec(url)?.[1] : undefined;
    const port = fromInfo ? Number(fromInfo) : this.ctx.device.httpPort;
    return port && port !== 80 ? `:${port}` : '';
  }

  localUrl(): string {
    return `http://${hostname()}.local${this.portSuffix()}`;
  }

  ipUrl(ip: string | null): string | null {
    return ip ? `http://${ip}${this.portSuffix()}` : null;
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

  /** Publishes `next` on the retained `wifi` topic unless only its time differs from the last one. */
  async publish(next: WifiState): Promise<void> {
    const { updated_at: _updatedAt, ...rest } = next;
    const json = JSON.stringify(rest);
    if (json === this.lastJson || this.ctx.signal.aborted) return;
    this.lastJson = json;
    this.current = { ...next, updated_at: new Date().toISOString() };
    await this.ctx.bus.publish('wifi', this.current, { retain: true });
  }

  /** Reads NetworkManager's state and publishes it; `lookAgain` also looks at the devices anew (a cable). */
  async refresh(lookAgain = false): Promise<WifiState> {
    let next: WifiState;
    try {
      if (lookAgain && !this.unavailable) await this.findDevice();
      next = await this.read();
      if (this.unavailable) this.ctx.log.info('NetworkManager is available');
      this.unavailable = null;
    } catch (err) {
      const reason = (err as Error).message;
      if (reason !== this.unavailable) this.ctx.log.warn({ reason }, 'WiFi unavailable');
      this.unavailable = reason;
      this.iface = null;
      next = { ...this.baseState(), mode: 'unavailable', reason, hotspot_reason: null };
    }
    await this.publish(next);
    return this.current;
  }

  /** Finds the WiFi device, and whether a cable connects Loop (`device status`). */
  private async findDevice(): Promise<string> {
    const result = await this.run(['-f', DEVICE_FIELDS.join(','), 'device', 'status']);
    if (result.code !== 0) throw new ActionError('unavailable', `nmcli: ${errorText(result)}`);
    const devices = parseDevices(result.stdout);
    const wanted = this.config.interface;
    const device = devices.find((d) => (wanted ? d.iface === wanted : d.type === 'wifi'));
    if (!device) throw new ActionError('unavailable', wanted ? `no device ${wanted}` : 'no WiFi device');
    // Reachable over a cable: no reason to take the WiFi over with a hotspot (also spares developers' laptops).
    this.wired = devices.some((d) => d.type === 'ethernet' && d.state === 'connected');
    this.iface = device.iface;
    return device.iface;
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
    const deviceState = /\((.*)\)/.exec(fields.get('GENERAL.STATE') ?? '')?.[1] ?? 'unknown';
    const marks = this.marks;
    const base = { ...this.baseState(), interface: iface, busy: marks.busy, last_error: marks.lastError };
    // The newest saved network is only shown: a failure to list them must not make WiFi unavailable.
    const profiles = await this.profiles().catch(() => []);
    base.configured_ssid = [...profiles].sort((a, b) => b.timestamp - a.timestamp)[0]?.name ?? null;
    if (deviceState === 'unavailable' || deviceState === 'unmanaged') {
      return { ...base, mode: 'disconnected', reason: `WiFi device ${iface} is ${deviceState}` };
    }
    if (deviceState !== 'connected') {
      if (deviceState.startsWith('connecting')) base.busy = true;
      return base;
    }
    const ip = ipv4Of(fields);
    const connection = fields.get('GENERAL.CONNECTION') ?? '';
    if (connection === this.config.hotspot.connection_name) {
      const hotspot = { active: true, ssid: this.config.hotspot.ssid };
      return { ...base, mode: 'hotspot', ip, hotspot, hotspot_reason: marks.hotspotReason ?? 'manual' };
    }
    const list = await this.run(['-f', SCAN_FIELDS.join(','), 'device', 'wifi', 'list', '--rescan', 'no', 'ifname', iface]);
    const inUse = parseScan(list.stdout).find((a) => a.inUse);
    const ssid = inUse?.ssid ?? connection;
    const next = marks.joined === ssid ? { url: this.localUrl(), ip_url: this.ipUrl(ip), ssid } : null;
    return { ...base, mode: 'client', connected: true, ssid, signal: inUse?.signal ?? null, ip, hotspot_reason: null, next };
  }

  // ---- nmcli monitor ----------------------------------------------------------------------

  /** Starts `nmcli monitor` (not when nmcli is missing); it is started again whenever it exits. */
  watch(): void {
    if (this.nmcliMissing || this.ctx.signal.aborted) return;
    const child = this.nm.monitor();
    this.child = child;
    const started = monotonicMs();
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') this.nmcliMissing = true;
      this.ctx.log.debug({ err: err.message }, 'nmcli monitor error');
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      // Every line is a change; saved networks change rarely and are read again only then.
      if (/connection profile|NetworkManager (has started|is stopped)/.test(line)) this.forgetProfiles();
      for (const listener of this.lineListeners) listener(line);
      this.onChange();
    });
    child.stderr?.resume();
    // A change between the last read and the monitor being ready is not reported: read again soon.
    this.cancelSettle = this.ctx.lane.after(MONITOR_SETTLE_MS, 'wifi: read after nmcli monitor started', () => this.onChange());
    child.once('exit', (code) => {
      this.cancelSettle?.();
      if (this.child !== child) return; // stopped on purpose
      this.child = null;
      if (this.nmcliMissing || this.ctx.signal.aborted) return;
      if (monotonicMs() - started > MONITOR_HEALTHY_MS) this.backoff.reset();
      const retryMs = this.backoff.next();
      this.ctx.log.warn({ code, retry_ms: retryMs }, 'nmcli monitor exited; restarting');
      this.ctx.lane.after(retryMs, 'wifi: restart nmcli monitor', () => {
        this.watch();
        this.onChange();
      });
    });
  }

  /** Hears each line `nmcli monitor` prints (a connect watching its device); returns the way to stop. */
  onLine(listener: (line: string) => void): () => void {
    this.lineListeners.add(listener);
    return () => this.lineListeners.delete(listener);
  }

  /** Ends `nmcli monitor`, waiting at most a second for it to go. */
  async unwatch(): Promise<void> {
    const child = this.child;
    this.child = null;
    this.cancelSettle?.();
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([gone, new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
    clearTimeout(timer);
  }
}
