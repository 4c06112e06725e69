// The wifi plugin's contract: its retained state (`wifi`, which the dashboard, the gateway and the
// player's idle card read), the last scan (`wifi/networks`) and its actions. Fields added after the
// first release are optional, so an older publisher's payload still passes the check.
import { Type, type Static } from '@sinclair/typebox';
import { NoPayload, Nullable, type ActionSpec, Names } from './envelope.js';
import { Secret } from './secrets.js';

/** Where to find Loop after it joined a network (the phone on the hotspot loses the page). */
export const WifiNext = Type.Object({
  /** `http://<hostname>.local[:port]`: works where mDNS does (phones, laptops). */
  url: Type.String(),
  /** `http://<new IP>[:port]`: works everywhere on that network. */
  ip_url: Nullable(Type.String()),
  ssid: Type.String(),
});
export type WifiNext = Static<typeof WifiNext>;

/** Why the last connect failed, in words for people and as a code for pages. */
export const WifiFailure = Type.Object({
  ssid: Type.String(),
  reason: Names('wrong_password', 'not_found', 'busy', 'timeout', 'failed'),
  message: Type.String(),
  at: Type.String(),
});
export type WifiFailure = Static<typeof WifiFailure>;

export const WifiState = Type.Object({
  mode: Names('client', 'hotspot', 'disconnected', 'unavailable'),
  connected: Type.Boolean(),
  ssid: Nullable(Type.String()),
  signal: Nullable(Type.Number()),
  ip: Nullable(Type.String()),
  /** The network Loop joins when it can (the saved network it last used). */
  configured_ssid: Nullable(Type.String()),
  hotspot: Type.Object({ active: Type.Boolean(), ssid: Type.String() }),
  updated_at: Type.String(),
  /** Why the state is `unavailable` (no nmcli, NetworkManager not running, no WiFi device). */
  reason: Type.Optional(Nullable(Type.String())),
  /** The WiFi interface NetworkManager drives (e.g. wlan0). */
  interface: Type.Optional(Nullable(Type.String())),
  /** connecting: a connect or an attempt on a known network is under way. */
  busy: Type.Optional(Type.Boolean()),
  /** Why the hotspot is on: no known network at start, connection lost, or asked for. */
  hotspot_reason: Type.Optional(Nullable(Names('no_network', 'lost', 'manual'))),
  /** `http://<hostname>.local[:port]`, the page's address on any network with mDNS. */
  local_url: Type.Optional(Type.String()),
  next: Type.Optional(Nullable(WifiNext)),
  last_error: Type.Optional(Nullable(WifiFailure)),
});
export type WifiState = Static<typeof WifiState>;

export const WifiNetwork = Type.Object({
  /** As NetworkManager shows it: the bytes as UTF-8, or as ISO-8859-1 when they are not UTF-8. */
  ssid: Type.String(),
  /** The SSID's bytes in hex: the exact name, whatever its encoding. */
  ssid_hex: Type.String(),
  signal: Type.Number(),
  secured: Type.Boolean(),
  /** e.g. "WPA2", "WPA1 WPA2", "WPA3"; empty for an open network. */
  security: Type.String(),
  channel: Nullable(Type.Integer()),
  in_use: Type.Boolean(),
  /** A saved connection exists for it (Loop can join without a password). */
  known: Type.Boolean(),
});
export type WifiNetwork = Static<typeof WifiNetwork>;

export const WifiNetworks = Type.Object({
  networks: Type.Array(WifiNetwork),
  /** Visible networks that hide their name (join them by typing it, with hidden: true). */
  hidden_count: Type.Integer(),
  scanned_at: Type.String(),
});
export type WifiNetworks = Static<typeof WifiNetworks>;

export const WifiSaved = Type.Object({
  ssid: Type.String(),
  uuid: Type.String(),
  active: Type.Boolean(),
  autoconnect: Type.Boolean(),
  /** Last time NetworkManager used it (ISO 8601), null if never. */
  last_used: Nullable(Type.String()),
});
export type WifiSaved = Static<typeof WifiSaved>;

const Ssid = Type.String({ minLength: 1, maxLength: 128, description: '1 to 32 bytes (checked by the plugin)' });

export const WifiConnectResult = Type.Object({
  connected: Type.Boolean(),
  ssid: Type.String(),
  ip: Nullable(Type.String()),
  url: Type.String(),
  ip_url: Nullable(Type.String()),
});
export type WifiConnectResult = Static<typeof WifiConnectResult>;

export const wifiActions = {
  status: {
    description: 'The WiFi state as the retained `wifi` topic carries it (refreshed from NetworkManager now).',
    request: NoPayload,
    response: WifiState,
  },
  scan: {
    description:
      'Scans (unless the last scan is younger than a few seconds, or rescan is false) and lists the visible networks, one per SSID (the strongest), strongest first. Also published on `wifi/networks`.',
    request: Type.Object({ rescan: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    response: WifiNetworks,
  },
  connect: {
    description:
      'Joins a network (password empty or 8-63 characters; a secret: never logged or published, so a request that carries one is refused over MQTT: use POST /api/wifi/connect or the page). Errors say why: wrong password, network not found, device busy, timeout. From the hotspot, the hotspot comes back if it fails.',
    request: Type.Object(
      {
        ssid: Ssid,
        password: Type.Optional(Secret({ maxLength: 64 })),
        hidden: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
    response: WifiConnectResult,
  },
  forget: {
    description: 'Deletes the saved connection of a network (disconnecting if it is the current one).',
    request: Type.Object({ ssid: Ssid }, { additionalProperties: false }),
    response: Type.Object({ forgotten: Type.String() }),
    shorthand: 'ssid',
  },
  saved: {
    description: 'The saved WiFi networks (NetworkManager connection profiles; the hotspot excluded).',
    request: NoPayload,
    response: Type.Object({ networks: Type.Array(WifiSaved) }),
  },
  hotspot: {
    description: 'Turns the setup hotspot on or off (toggles when active is absent). Off: Loop joins a known network if it can.',
    request: Type.Object({ active: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    response: Type.Object({ hotspot_active: Type.Boolean(), ssid: Type.String() }),
    shorthand: 'active',
  },
} satisfies Record<string, ActionSpec>;
