// A graceful stop is not a crash: when a service manager (or Ctrl-C in a terminal) sends SIGTERM to
// Loop's whole process group, mpv gets it too; Loop stops without restarting it or calling it a crash,
// and leaves no mpv socket behind in its run dir (mpv removes it only when it quits, not when killed).
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startLoopProcess, type LoopProcess } from '../helpers/loop.js';
import { alive } from '../helpers/process.js';
import { sleep, until } from '../helpers/wait.js';

function childMpv(parent: number): number | null {
  try {
    const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(parent)], { encoding: 'utf8' });
    const line = out.split('\n').find((l) => /\bmpv\b/.test(l));
    return line ? Number(line.trim().split(/\s+/)[0]) : null;
  } catch {
    return null;
  }
}

async function loopWithMpv(id: string): Promise<{ proc: LoopProcess; mpv: number }> {
  const proc = await startLoopProcess({
    detached: true,
    config: {
      device: { id },
      plugins: ['system', 'player', 'loop'],
      player: { vo: 'null', ao: 'null' },
      log: { level: 'info', json: false },
    },
  });
  const found: { mpv: number | null } = { mpv: null };
  await until(() => (found.mpv = childMpv(proc.child.pid as number)) !== null, 5000, 'mpv started by Loop');
  return { proc, mpv: found.mpv as number };
}

describe('player: a graceful stop of Loop', function () {
  this.timeout(30_000);

  it('SIGTERM to the process group: Loop exits 0, reports no crash, and leaves no mpv running nor its socket', async () => {
    const { proc, mpv } = await loopWithMpv('pgroup');
    const exit = await proc.killGroup('SIGTERM');
    expect(exit.code, proc.output()).to.equal(0);
    expect(proc.output()).to.not.match(/restarting|player_restart|crashed/);
    expect(alive(mpv), 'mpv is gone').to.equal(false);
    expect(existsSync(join(proc.dataDir, 'run', 'mpv.sock')), 'the socket is gone').to.equal(false);
  });

  it('when mpv sees the SIGTERM before Loop does, it is still not called a crash nor restarted', async () => {
    // The order in which a group's members handle the signal is the scheduler's: force the bad one.
    const { proc, mpv } = await loopWithMpv('pgroup2');
    process.kill(mpv, 'SIGTERM');
    await sleep(200);
    const exit = await proc.killGroup('SIGTERM');
    expect(exit.code, proc.output()).to.equal(0);
    expect(proc.output()).to.not.match(/restarting|player_restart|crashed/);
    expect(alive(mpv), 'mpv is gone').to.equal(false);
    expect(existsSync(join(proc.dataDir, 'run', 'mpv.sock')), 'the socket is gone').to.equal(false);
  });
});
