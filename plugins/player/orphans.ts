// mpv must not outlive Loop: after a kill -9 (or a crash) of Loop, an mpv left behind would keep
// the screen (and the DRM master) and fight the next one. Two guards: a Lua script in mpv that
// quits when Loop's process is gone, and a pid file so the next start kills a leftover at once.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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

  get pidFile(): string {
    return join(this.dir, 'player-mpv.pid');
  }

  /** The mpv arguments that make it quit when this process dies (mpv without Lua ignores them). */
  async args(): Promise<string[]> {
    await mkdir(this.dir, { recursive: true });
    const script = join(this.dir, 'parent-watch.lua');
    await writeFile(script, WATCH_LUA);
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
    await mkdir(this.dir, { recursive: true });
    await writeFile(this.pidFile, `${pid}\n`);
  }

  async clear(): Promise<void> {
    await unlink(this.pidFile).catch(() => undefined);
  }
}
