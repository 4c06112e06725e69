// mpv must not outlive Loop: after a kill -9 (or a crash) of Loop, an mpv left behind would keep
// the screen (and the DRM master) and fight the next one. Two guards: a Lua script in mpv that
// quits when Loop's process is gone, and a pid file so the next start kills a leftover at once.
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Unix socket paths are limited to 108 bytes; past this a private name in the temp dir is used. */
const MAX_SOCKET_PATH = 100;

const WATCH_LUA = `-- Written by Loop: quit when the Loop process that started this mpv is gone.
local ppid = mp.get_opt('loop-parent-pid')
if ppid then
  mp.add_periodic_timer(1, function()
    local f = io.open('/proc/' .. ppid .. '/stat', 'r')
    if f then f:close() else mp.command('quit') end
  end)
end
`;

export class MpvOrphans {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'run');
  }

  /**
   * mpv's IPC socket: in the private run dir (mpv's IPC can run commands, so no other local user
   * may reach it), unless that path is too long for a unix socket.
   */
  static socketFor(dataDir: string): string {
    const p = join(dataDir, 'run', 'mpv.sock');
    return p.length <= MAX_SOCKET_PATH ? p : join(tmpdir(), `loop-mpv-${process.pid}-${randomBytes(3).toString('hex')}.sock`);
  }

  /** The run dir is Loop's alone (0700): the watch script and the socket are not others' to touch. */
  private async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
  }

  /** A socket left by a killed run or a dead mpv (killLeftover ran first) is removed before mpv binds it, and at stop. */
  async removeStaleSocket(socket: string): Promise<void> {
    // Usually there is none (ENOENT); one that cannot go makes mpv's bind fail, which start reports.
    await unlink(socket).catch(() => undefined);
  }

  get pidFile(): string {
    return join(this.dir, 'player-mpv.pid');
  }

  /** The mpv arguments that make it quit when this process dies (mpv without Lua ignores them). */
  async args(): Promise<string[]> {
    await this.ensureDir();
    const script = join(this.dir, 'parent-watch.lua');
    await writeFile(script, WATCH_LUA, { mode: 0o600 });
    await chmod(script, 0o600);
    return [`--script=${script}`, `--script-opts-append=loop-parent-pid=${process.pid}`];
  }

  /** Kills an mpv a previous Loop left running (only if that pid is still an mpv with an IPC server). */
  async killLeftover(): Promise<number | null> {
    let pid: number;
    try {
      pid = Number((await readFile(this.pidFile, 'utf8')).trim());
    } catch {
      return null;
    }
    if (!Number.isInteger(pid) || pid <= 1 || !existsSync(`/proc/${pid}`)) return null;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return null;
    }
    if (!/mpv/.test(cmdline) || !cmdline.includes('--input-ipc-server=')) return null;
    try {
      process.kill(pid, 'SIGKILL');
      return pid;
    } catch {
      return null;
    }
  }

  async record(pid: number | null): Promise<void> {
    if (pid === null) return;
    await this.ensureDir();
    await writeFile(this.pidFile, `${pid}\n`, { mode: 0o600 });
  }

  async clear(): Promise<void> {
    // None written (mpv never started) is fine; a stale one only names a pid the next start checks first.
    await unlink(this.pidFile).catch(() => undefined);
  }
}
