// Scanning: the networks in sight, de-duplicated and marked known, on the retained `wifi/networks`
// topic; a scan younger than scan_cache_seconds is answered from memory.
import type { PluginContext } from '../../core/plugins/api.js';
import { ActionError, type WifiNetwork, type WifiNetworks } from '../../core/protocol/index.js';
import { monotonicMs } from '../../core/util/clock.js';
import type { WifiConfig } from './config.js';
import type { NetworkMonitor } from './monitor.js';
import { classify } from './nmcli.js';
import { networksOf, parseScan, SCAN_FIELDS, type Profile } from './terse.js';

export class NetworkScanner {
  private cache: { at: number; result: WifiNetworks } | null = null;

  constructor(
    private readonly ctx: PluginContext<WifiConfig>,
    private readonly monitor: NetworkMonitor,
  ) {}

  /** The networks of the last scan (for checking a connect request), none before the first. */
  get lastSeen(): WifiNetwork[] {
    return this.cache?.result.networks ?? [];
  }

  /** The next scan asks NetworkManager again. */
  forget(): void {
    this.cache = null;
  }

  /** Scans (a real rescan when `rescan`, except while serving the hotspot); `saved` skips the cache. */
  async scan(rescan: boolean, saved?: Profile[]): Promise<WifiNetworks> {
    const iface = this.monitor.requireAvailable();
    const fresh = this.cache && monotonicMs() - this.cache.at < this.ctx.config.scan_cache_seconds * 1000;
    // Serving the hotspot, NetworkManager lists only the hotspot itself (Debian 13's 1.52, seen on the
    // device test bed): the phone is answered the list scanned before the hotspot took the radio.
    if ((fresh || this.monitor.state.mode === 'hotspot') && this.cache && !saved) return this.cache.result;
    // Serving the hotspot, a rescan would fail or drop the phone: answer the list from before.
    const doRescan = rescan && this.monitor.state.mode !== 'hotspot';
    const listed = await this.monitor.run(
      ['-f', SCAN_FIELDS.join(','), 'device', 'wifi', 'list', '--rescan', doRescan ? 'yes' : 'no', 'ifname', iface],
      30_000,
    );
    if (listed.code !== 0) {
      if (this.cache) return this.cache.result;
      const why = classify(listed, '');
      throw new ActionError(why.reason === 'busy' ? 'conflict' : 'internal', `Scan failed: ${why.detail}`);
    }
    // Which networks are known only marks the list: a failure to read them must not fail the scan.
    const known = new Set((saved ?? (await this.monitor.profiles().catch(() => []))).map((p) => p.name));
    const { networks, hidden } = networksOf(parseScan(listed.stdout), known);
    const result: WifiNetworks = { networks, hidden_count: hidden, scanned_at: new Date().toISOString() };
    this.cache = { at: monotonicMs(), result };
    await this.ctx.bus.publish('wifi/networks', result, { retain: true });
    return result;
  }

  /** Saved networks that a scan now shows, strongest first. */
  async knownInSight(): Promise<Profile[]> {
    const saved = await this.monitor.profiles();
    if (!saved.length) return [];
    const { networks } = await this.scan(true, saved);
    const signal = new Map(networks.map((n) => [n.ssid, n.signal]));
    return saved.filter((p) => signal.has(p.name)).sort((a, b) => (signal.get(b.name) ?? 0) - (signal.get(a.name) ?? 0));
  }
}
