// The locked mode's message: which auth file is unusable, why, and the exact way back. One text for
// the log line at start, the reload, and every 503 a locked device answers.
import { userInfo } from 'node:os';
import { basename } from 'node:path';
import type { AuthFileName, AuthRead } from './files.js';

/**
 * The exact command line that runs `loop <sub>` on this device as the user Loop runs as (the data
 * dir is 0700 for it): e.g. `sudo -u loop /opt/loop/bin/loop.js passwd --owner --config /etc/loop/config.yaml`.
 */
export function cliCommand(sub: string, configFile?: string): string {
  const user = userInfo().username;
  const script = process.argv[1] ?? '';
  const bin = basename(script) === 'loop.js' ? script : 'loop';
  return `${user === 'root' ? '' : `sudo -u ${user} `}${bin} ${sub}${configFile ? ` --config ${configFile}` : ''}`;
}

/** How each file is repaired on the device; CLI is the command prefix (cliCommand). */
const WAY_BACK: Record<AuthFileName, string> = {
  owner: 'set a new owner password with `CLI` (every session ends)',
  sessions: 'run `CLI` (it rewrites the sessions: everyone logs in again), or restore the file',
  tokens: 'restore the file from a backup, or remove it (every API token is revoked; make new ones)',
};

export function lockedMessage(problems: AuthRead['problems'], pathOf: (name: AuthFileName) => string, configFile?: string): string {
  const names = Object.keys(problems) as AuthFileName[];
  if (names.length === 0) return '';
  const cli = cliCommand('passwd --owner', configFile);
  const parts = names.map((n) => `${pathOf(n)} ${problems[n] ?? ''}: ${WAY_BACK[n].replace('CLI', cli)}`);
  return `auth is locked (nobody can log in or claim this device) because ${parts.join('; ')}. Loop reloads the file when it changes.`;
}
