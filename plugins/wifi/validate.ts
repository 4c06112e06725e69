// The first version's rules for a connect request, with messages a person can act on. Pure.
import type { WifiNetwork } from '../../core/protocol/index.js';

/** Why `{ssid, password}` cannot be used, or null when it can. */
export function checkConnect(ssid: string, password: string | undefined, seen: readonly WifiNetwork[] = []): string | null {
  const bytes = Buffer.byteLength(ssid, 'utf8');
  // A name shown by a scan is valid as shown, even when its UTF-8 rendering of Latin-1 bytes is longer than 32.
  const scanned = seen.some((n) => n.ssid === ssid && n.ssid_hex.length / 2 <= 32);
  if (ssid.length === 0) return 'The network name is empty.';
  if (!scanned && bytes > 32) return `The network name is too long (${bytes} bytes; a WiFi name has at most 32).`;
  if (ssid.includes('\0')) return 'The network name cannot contain a NUL character.';
  if (password === undefined || password === '') return null;
  if (password.length < 8 || password.length > 63) {
    return `The password must be 8 to 63 characters (this one has ${password.length}), or empty for an open network.`;
  }
  if (password.includes('\0')) return 'The password cannot contain a NUL character.';
  return null;
}
