// The name under which this machine can be reached from the LAN, for `bridge/info.config_url` and
// the pages: `<hostname>.local` when an mDNS responder (Avahi) answers for it, else an IPv4 address.
// Loop does not answer mDNS itself: install.sh's Avahi service files advertise it (docs/display.md
// "Found on the network" says why).
import { existsSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';

/** avahi-daemon writes its pid and socket here while it runs (Debian, Raspberry Pi OS). */
export const AVAHI_MARKERS = ['/run/avahi-daemon/pid', '/run/avahi-daemon/socket', '/var/run/avahi-daemon/pid'];

export function firstIpv4(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

/** `<hostname>.local` with mDNS, else the first LAN IPv4 address, else the bare hostname. */
export function reachableHost(markers: readonly string[] = AVAHI_MARKERS): string {
  if (markers.some((m) => existsSync(m))) return `${hostname()}.local`;
  return firstIpv4() ?? hostname();
}
