// Parsing nmcli's terse output (pure functions, table-tested in test/unit/wifi-terse.test.ts).
// Terse mode with escaping (`-t -e yes`) separates fields with ':' and writes a ':' or '\' inside
// a field as '\:' and '\\'. Names come from SSID-HEX, not SSID: an SSID is bytes, and nmcli's SSID
// column is only a rendering of them (UTF-8, or ISO-8859-1 when the bytes are not UTF-8; under a
// non-UTF-8 locale GLib even prints '?' for every non-ASCII character).
import type { WifiNetwork } from '../../core/protocol/index.js';

/** One terse line → its fields, unescaped. A trailing lone '\' is kept as it is. */
export function splitTerse(line: string): string[] {
  const fields: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '\\' && i + 1 < line.length) {
      cur += line[i + 1];
      i++;
    } else if (c === ':') {
      fields.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  fields.push(cur);
  return fields;
}

/** Tabular terse output → one record per line, keyed by the requested field names. */
export function parseRows<K extends string>(stdout: string, fields: readonly K[]): Array<Record<K, string>> {
  const out: Array<Record<K, string>> = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const values = splitTerse(line);
    // A line with the wrong number of fields was not escaped as we asked; skip it rather than misread it.
    if (values.length !== fields.length) continue;
    out.push(Object.fromEntries(fields.map((f, i) => [f, values[i] as string])) as Record<K, string>);
  }
  return out;
}

/** Multiline terse output (`device show`): `NAME:value` per line → a map (indexed names keep their `[n]`). */
export function parseFields(stdout: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const at = line.indexOf(':');
    if (at <= 0) continue;
    map.set(line.slice(0, at), splitTerse(line.slice(at + 1)).join(':'));
  }
  return map;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** An SSID's bytes as people read them: UTF-8 when they are, else ISO-8859-1 (what NetworkManager shows). */
export function ssidText(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/** Hidden networks broadcast no name, or a name of NUL bytes (or one space, on some Linksys). */
export function isHiddenSsid(bytes: Buffer): boolean {
  return bytes.length === 0 || bytes.every((b) => b === 0) || (bytes.length === 1 && bytes[0] === 0x20);
}

export function hexToBytes(hex: string): Buffer | null {
  const h = hex.trim();
  if (h === '' || h === '--') return Buffer.alloc(0);
  return /^([0-9A-Fa-f]{2})+$/.test(h) ? Buffer.from(h, 'hex') : null;
}

export const SCAN_FIELDS = ['IN-USE', 'SSID', 'SSID-HEX', 'BSSID', 'SIGNAL', 'SECURITY', 'CHAN'] as const;
type ScanRow = Record<(typeof SCAN_FIELDS)[number], string>;

export interface Ap {
  ssid: string;
  ssidHex: string;
  hidden: boolean;
  bssid: string;
  signal: number;
  security: string;
  channel: number | null;
  inUse: boolean;
}

/** One `device wifi list` row → an access point; null when the row cannot be read. */
export function apOf(r: ScanRow): Ap | null {
  const bytes = hexToBytes(r['SSID-HEX']) ?? Buffer.from(r.SSID, 'utf8');
  const signal = Number(r.SIGNAL);
  if (!Number.isFinite(signal)) return null;
  const chan = Number(r.CHAN);
  const hidden = isHiddenSsid(bytes);
  return {
    ssid: hidden ? '' : ssidText(bytes),
    ssidHex: bytes.toString('hex').toUpperCase(),
    hidden,
    bssid: r.BSSID,
    signal,
    security: r.SECURITY === '--' ? '' : r.SECURITY.trim(),
    channel: Number.isInteger(chan) && chan > 0 ? chan : null,
    inUse: r['IN-USE'].trim() === '*',
  };
}

export function parseScan(stdout: string): Ap[] {
  return parseRows(stdout, SCAN_FIELDS)
    .map(apOf)
    .filter((a): a is Ap => a !== null);
}

/**
 * The list people pick from: one entry per SSID (the strongest access point of it, `in_use` if any
 * of them is), strongest first, hidden networks counted apart.
 */
export function networksOf(aps: readonly Ap[], known: ReadonlySet<string>): { networks: WifiNetwork[]; hidden: number } {
  const best = new Map<string, WifiNetwork>();
  let hidden = 0;
  for (const ap of aps) {
    if (ap.hidden) {
      hidden++;
      continue;
    }
    const prev = best.get(ap.ssidHex);
    const inUse = ap.inUse || (prev?.in_use ?? false);
    if (!prev || ap.signal > prev.signal) {
      best.set(ap.ssidHex, {
        ssid: ap.ssid,
        ssid_hex: ap.ssidHex,
        signal: ap.signal,
        secured: ap.security !== '',
        security: ap.security,
        channel: ap.channel,
        in_use: inUse,
        known: known.has(ap.ssid),
      });
    } else if (inUse) {
      prev.in_use = true;
    }
  }
  const networks = [...best.values()].sort((a, b) => b.signal - a.signal || a.ssid.localeCompare(b.ssid));
  return { networks, hidden };
}

export const DEVICE_FIELDS = ['DEVICE', 'TYPE', 'STATE', 'CONNECTION'] as const;
export interface Device {
  iface: string;
  type: string;
  state: string;
  connection: string;
}

export function parseDevices(stdout: string): Device[] {
  return parseRows(stdout, DEVICE_FIELDS).map((r) => ({ iface: r.DEVICE, type: r.TYPE, state: r.STATE, connection: r.CONNECTION }));
}

export const CONNECTION_FIELDS = ['NAME', 'UUID', 'TYPE', 'DEVICE', 'AUTOCONNECT', 'TIMESTAMP'] as const;
export interface Profile {
  name: string;
  uuid: string;
  type: string;
  device: string;
  autoconnect: boolean;
  timestamp: number;
}

export function parseConnections(stdout: string): Profile[] {
  return parseRows(stdout, CONNECTION_FIELDS).map((r) => ({
    name: r.NAME,
    uuid: r.UUID,
    type: r.TYPE,
    device: r.DEVICE,
    autoconnect: r.AUTOCONNECT === 'yes',
    timestamp: Number(r.TIMESTAMP) || 0,
  }));
}

/** `device show`: the IPv4 address without its prefix length, if any. */
export function ipv4Of(fields: Map<string, string>): string | null {
  for (const [k, v] of fields) {
    if (k.startsWith('IP4.ADDRESS') && v) return v.split('/')[0] ?? null;
  }
  return null;
}

/** One `nmcli monitor` line → the interface it is about and its new device state, when it says so. */
export function monitorLine(line: string): { iface: string; state: string } | null {
  const m =
    /^([^\s:'][^:]*): (unmanaged|unavailable|disconnected|connecting \([^)]*\)|connected(?: \([^)]*\))?|deactivating|connection failed|unknown)$/.exec(
      line,
    );
  return m ? { iface: m[1] as string, state: m[2] as string } : null;
}
