// The card shown when nothing plays: where to go to add media (http://<hostname>.local and the
// IP), or, in hotspot mode, which network to join. Drawn as an mpv OSD overlay (ASS), so it needs
// no font files or generated images and costs nothing while a clip plays.
import { hostname, networkInterfaces } from 'node:os';
import type { WifiState } from '../../core/protocol/index.js';
import type { MpvIpc } from './mpv-ipc.js';

const OVERLAY_ID = 1;

export interface ScreenFacts {
  hostname: string;
  ips: string[];
  port: number | null;
  wifi: WifiState | undefined;
  /** Why nothing plays: empty loop, stopped, media not ready yet. */
  why: 'empty' | 'stopped' | 'waiting';
}

export function localFacts(): { hostname: string; ips: string[] } {
  const ips: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) ips.push(a.address);
  }
  return { hostname: hostname(), ips };
}

/** The card's text, one line per fact (also published as `screen` on `player`). */
export function screenText(f: ScreenFacts): string {
  const port = f.port && f.port !== 80 ? `:${f.port}` : '';
  const lines: string[] = [];
  if (f.why === 'stopped') lines.push('Playback stopped');
  else if (f.why === 'waiting') lines.push('Preparing media…');
  else lines.push('The loop is empty');
  if (f.wifi?.hotspot.active) {
    lines.push(`Join the WiFi network "${f.wifi.hotspot.ssid}"`);
    if (f.wifi.ip) lines.push(`then open http://${f.wifi.ip}${port}`);
  } else {
    lines.push(`Add media at http://${f.hostname}.local${port}`);
    const ips = f.wifi?.ip ? [f.wifi.ip, ...f.ips.filter((ip) => ip !== f.wifi?.ip)] : f.ips;
    if (ips.length) lines.push(`or http://${ips[0]}${port}`);
  }
  return lines.join('\n');
}

/** ASS events for mpv's osd-overlay: centred, white on the black idle window. */
export function screenAss(text: string): string {
  const escape = (s: string): string => s.replace(/\\/g, '\\\\').replace(/[{}]/g, (c) => `\\${c}`);
  const [first = '', ...rest] = text.split('\n').map(escape);
  return `{\\an5\\fs28\\bord1}${first}\\N{\\fs20}${rest.join('\\N')}`;
}

/** Draws the card (or for null, removes it) as mpv's OSD overlay, unless it already shows that. */
export async function drawCard(mpv: MpvIpc, text: string | null, shown: string | null): Promise<void> {
  if (text === shown) return;
  if (text === null) await mpv.command('osd-overlay', OVERLAY_ID, 'none', '');
  else await mpv.command('osd-overlay', OVERLAY_ID, 'ass-events', screenAss(text));
}
