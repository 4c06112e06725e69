// The locked mode's message: which auth file is unusable, why, and the exact way back. One text for
// the log line at start, the reload, and every 503 a locked device answers.
import type { AuthFileName, AuthRead } from './files.js';

/** How each file is repaired on the device (the data dir is 0700 for the `loop` user: sudo -u loop). */
const WAY_BACK: Record<AuthFileName, string> = {
  owner: 'set a new owner password with `sudo -u loop loop passwd --owner` (every session ends)',
  sessions: 'run `sudo -u loop loop passwd --owner` (it rewrites the sessions: everyone logs in again), or restore the file',
  tokens: 'restore the file from a backup, or remove it with `sudo -u loop rm FILE` (every API token is revoked; make new ones)',
};

export function lockedMessage(problems: AuthRead['problems'], pathOf: (name: AuthFileName) => string): string {
  const names = Object.keys(problems) as AuthFileName[];
  if (names.length === 0) return '';
  const parts = names.map((n) => `${pathOf(n)} ${problems[n] ?? ''}: ${WAY_BACK[n].replace('FILE', pathOf(n))}`);
  return `auth is locked (nobody can log in or claim this device) because ${parts.join('; ')}. Loop reloads the file when it changes.`;
}
