// Is there a screen mpv could draw on? `vo: auto` on a machine without one (a server, CI, a Pi
// with nothing attached) becomes the null output, so `npm start` works anywhere.
import { existsSync, readdirSync } from 'node:fs';

export function hasScreen(env: NodeJS.ProcessEnv = process.env, driDir = '/dev/dri'): boolean {
  if (env.DISPLAY || env.WAYLAND_DISPLAY) return true;
  if (!existsSync(driDir)) return false;
  return readdirSync(driDir).some((f) => f.startsWith('card'));
}

/** The --vo mpv gets: the configured one, or for `auto` mpv's own choice when a screen exists, else null. */
export function effectiveVo(configured: string, screen: boolean): string {
  if (configured !== 'auto') return configured;
  return screen ? 'auto' : 'null';
}
