// The name under which this machine can be reached from the LAN, for `bridge/info.config_url` and
// the pages (only when HTTP listens on every interface; else the address it listens on): `<hostname>.local` when an mDNS responder (Avahi) answers for it, else an IPv4 address.
// Loop does not answer mDNS itself: install.sh's Avahi service files advertise it (docs/display.md
// "Found on the network" says why).
import { existsSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';

/** avahi-daemon writes its pid and socket here while it runs (Debian, Raspberry Pi OS). */
export const AVAHI_MARKERS = ['/run/avahi-daemon/pid', '/run/avahi-daemon/socket', '/var/run/avahi-daemon/pid'];

/** Whether an mDNS responder answers for `<hostname>.local`. */
export const mdnsAnswers = (markers: readonly string[] = AVAHI_MARKERS): boolean => markers.some((m) => existsSync(m));

/** Listen addresses meaning "every interface": only then is the LAN name an address Loop answers on. */
const EVERY_INTERFACE = new Set(['', '0.0.0.0', '::']);
export const listensEverywhere = (listenHost: string): boolean => EVERY_INTERFACE.has(listenHost);
/** Listen addresses only this machine can reach. */
export const listensOnlyHere = (listenHost: string): boolean =>
  listenHost === 'localhost' || listenHost === '::1' || listenHost.startsWith('127.');

export function firstIpv4(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

/** `<hostname>.local` with mDNS, else the first LAN IPv4 address, else the bare hostname. */
export function reachableHost(markers: readonly string[] = AVAHI_MARKERS): string {
  if (mdnsAnswers(markers)) return `${hostname()}.local`;
  return firstIpv4() ?? hostname();
}

/**
 * The page's address for others (`bridge/info.config_url`, Home Assistant's configuration_url):
 * the LAN name when HTTP listens on every interface, else the very host it listens on (a
 * loopback-only Loop must not send people to a LAN address nobody answers on).
 */
export function pageUrl(listenHost: string, port: number, markers: readonly string[] = AVAHI_MARKERS): string {
  const host = listensEverywhere(listenHost) ? reachableHost(markers) : listenHost;
  const name = host.includes(':') ? `[${host}]` : host;
  return `http://${name}${port === 80 ? '' : `:${port}`}`;
}
