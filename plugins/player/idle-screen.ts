// The card shown when nothing plays: where to go to add media, only at addresses Loop answers on
// (it follows `http.host`: every interface → <hostname>.local and the IPs; one address → that one;
// loopback only → says so, and how to change it), or, in hotspot mode, which network to join. Drawn
// as an mpv OSD overlay (ASS), so it needs no font files or generated images and costs nothing while
// a clip plays. What only the screen may show (the setup code while unclaimed, the hotspot's password
// while it is up) is read from the data dir here, in-process, and drawn large; the published text
// (`player.screen`) never holds it.
import { hostname, networkInterfaces } from 'node:os';
import { DeviceSecret, HOTSPOT_PASSWORD, SETUP_CODE, showCode } from '../../core/auth/device-secret.js';
import type { BridgeInfo, WifiState } from '../../core/protocol/index.js';
import { listensEverywhere, listensOnlyHere, mdnsAnswers } from '../../core/util/reachable.js';
import type { MpvIpc } from './mpv-ipc.js';

const OVERLAY_ID = 1;
/** At most this many addresses on the card: more would not fit a small screen. */
const MAX_URLS = 3;

export interface ScreenFacts {
  hostname: string;
  ips: string[];
  /** Whether an mDNS responder answers for `<hostname>.local`. */
  mdns: boolean;
  /** The HTTP listen address (`http.host`). */
  host: string;
  port: number | null;
  wifi: WifiState | undefined;
  /** Why nothing plays: empty loop, stopped, media not ready yet. */
  why: 'empty' | 'stopped' | 'waiting';
}

export function localFacts(): { hostname: string; ips: string[]; mdns: boolean } {
  const ips: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) ips.push(a.address);
  }
  return { hostname: hostname(), ips, mdns: mdnsAnswers() };
}

/** The URLs Loop answers on from elsewhere, best first: none when it listens on loopback only. */
export function cardUrls(f: Pick<ScreenFacts, 'hostname' | 'ips' | 'mdns' | 'host' | 'port' | 'wifi'>): string[] {
  const port = f.port && f.port !== 80 ? `:${f.port}` : '';
  const url = (host: string): string => `http://${host.includes(':') ? `[${host}]` : host}${port}`;
  if (!listensEverywhere(f.host)) return [url(f.host)];
  const ips = f.wifi?.ip ? [f.wifi.ip, ...f.ips.filter((ip) => ip !== f.wifi?.ip)] : f.ips;
  return [...(f.mdns ? [`${f.hostname}.local`] : []), ...ips].slice(0, MAX_URLS).map(url);
}

/** The card's text, one line per fact, each URL on a line of its own (also published as `screen` on `player`). */
export function screenText(f: ScreenFacts): string {
  const lines: string[] = [];
  if (f.why === 'stopped') lines.push('Playback stopped');
  else if (f.why === 'waiting') lines.push('Preparing media…');
  else lines.push('The loop is empty');
  const urls = cardUrls(f);
  const hotspotUrl = f.wifi?.ip ? urls.find((u) => u.startsWith(`http://${f.wifi?.ip}`)) : undefined;
  if (f.wifi?.hotspot.active) {
    lines.push('Join the WiFi network', `"${f.wifi.hotspot.ssid}"`);
    if (hotspotUrl) lines.push('then open', hotspotUrl);
  } else if (listensOnlyHere(f.host)) {
    lines.push('Loop answers only here:', ...urls, 'To open it to the LAN,', 'set http.host: 0.0.0.0');
  } else if (urls.length) {
    lines.push('Add media at', ...urls);
  } else {
    lines.push('No network address yet');
  }
  return lines.join('\n');
}

/** Secrets the card shows and nothing else does; null when there is nothing to show. */
export interface CardSecrets {
  setupCode: string | null;
  hotspotPassword: string | null;
}
export const NO_SECRETS: CardSecrets = { setupCode: null, hotspotPassword: null };

/** Reads what the card must show now: the code while the device is unclaimed, the password while the hotspot is up. */
export async function cardSecrets(dataDir: string, when: { unclaimed: boolean; hotspot: boolean }): Promise<CardSecrets> {
  const read = (on: boolean, secret: DeviceSecret) => (on ? secret.read().catch(() => null) : Promise.resolve(null));
  const [setupCode, hotspotPassword] = await Promise.all([
    read(when.unclaimed, new DeviceSecret(dataDir, SETUP_CODE)),
    read(when.hotspot, new DeviceSecret(dataDir, HOTSPOT_PASSWORD)),
  ]);
  return { setupCode, hotspotPassword };
}

/**
 * ASS events for mpv's osd-overlay: centred, white on the black idle window. Sizes are in mpv's
 * 720-line script space, so on a 320x240 panel a third of them: the text at 66 (22 px there; a
 * line's glyphs measure 16-19 px, test/integration/player-idle-card-screen.test.ts), the secrets at
 * 84-100, large enough to read and type from across a room. The text's lines are short and each URL has its own line,
 * so a line fits the 960-unit width of a 4:3 screen.
 */
export function screenAss(text: string, secrets: CardSecrets = NO_SECRETS): string {
  const escape = (s: string): string => s.replace(/\\/g, '\\\\').replace(/[{}]/g, (c) => `\\${c}`);
  const [first = '', ...rest] = text.split('\n').map(escape);
  let ass = `{\\an5\\fs70\\bord1\\b1}${first}{\\b0}\\N{\\fs66}${rest.join('\\N')}`;
  if (secrets.hotspotPassword) ass += `\\N{\\fs66}WiFi password{\\fs84\\b1}\\N${escape(secrets.hotspotPassword)}{\\b0}`;
  if (secrets.setupCode) ass += `\\N{\\fs66}Setup code{\\fs100\\b1}\\N${escape(showCode(secrets.setupCode))}{\\b0}`;
  return ass;
}

/** Draws the card's ASS (or for null, removes it) as mpv's OSD overlay, unless it already shows that. */
export async function drawCard(mpv: MpvIpc, ass: string | null, shown: string | null): Promise<void> {
  if (ass === shown) return;
  if (ass === null) await mpv.command('osd-overlay', OVERLAY_ID, 'none', '');
  else await mpv.command('osd-overlay', OVERLAY_ID, 'ass-events', ass);
}

/** The player's one card: what is drawn, and whether the device is unclaimed (from bridge/info). */
export class IdleCard {
  /** The card's ASS as drawn (with what only the screen shows); the published text is the player's. */
  private drawn: string | null = null;
  /** Whether the device is unclaimed, so the card shows the setup code. */
  private unclaimed = false;

  constructor(
    private readonly dataDir: string,
    private readonly enabled: boolean,
  ) {}

  /** Follows bridge/info; true when the claim changed (the card is to be drawn again). */
  follow(info: BridgeInfo | undefined): boolean {
    const unclaimed = info?.auth?.mode === 'onboarding';
    const changed = unclaimed !== this.unclaimed;
    this.unclaimed = unclaimed;
    return changed;
  }

  async show(mpv: MpvIpc, text: string, wifi: WifiState | undefined): Promise<void> {
    if (!this.enabled) return;
    const hotspot = wifi?.hotspot.active === true;
    const ass = screenAss(text, await cardSecrets(this.dataDir, { unclaimed: this.unclaimed, hotspot }));
    await drawCard(mpv, ass, this.drawn);
    this.drawn = ass;
  }

  async hide(mpv: MpvIpc): Promise<void> {
    if (!this.enabled) return;
    await drawCard(mpv, null, this.drawn);
    this.drawn = null;
  }

  /** A new mpv shows no overlay: the next show draws again. */
  forget(): void {
    this.drawn = null;
  }
}
