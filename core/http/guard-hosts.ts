// The names this device answers to (DNS rebinding defence): its hostname, <hostname>.local, its
// IP addresses, loopback names, and configured ones. A request naming any other host gets 421.
import { hostname, networkInterfaces } from 'node:os';
import { monotonicMs } from '../util/clock.js';

/** `Host: [::1]:8080` → `::1`; `Loop.local:80` → `loop.local`. */
export function hostnameOf(host: string | undefined): string | null {
  if (!host) return null;
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 1 ? h.slice(1, end) : null;
  }
  const colon = h.indexOf(':');
  const name = (colon >= 0 ? h.slice(0, colon) : h).replace(/\.$/, '');
  return name || null;
}

export class HostAllowlist {
  private names = new Set<string>();
  private refreshedAt = -Infinity;

  constructor(private readonly configured: readonly string[]) {
    this.refresh();
  }

  allows(hostHeader: string | undefined): boolean {
    const name = hostnameOf(hostHeader);
    if (!name) return false;
    if (this.names.has(name)) return true;
    // Addresses change (WiFi joined, hotspot up): look again on a miss, at most once a second.
    if (monotonicMs() - this.refreshedAt < 1000) return false;
    this.refresh();
    return this.names.has(name);
  }

  private refresh(): void {
    const h = hostname().toLowerCase();
    const names = new Set<string>(['localhost', '127.0.0.1', '::1', h, `${h}.local`]);
    for (const n of this.configured) names.add(n.toLowerCase());
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) names.add(a.address.toLowerCase().split('%')[0] as string);
    }
    this.names = names;
    this.refreshedAt = monotonicMs();
  }
}
