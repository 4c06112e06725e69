// "Restart Loop" against the Loop process: started by hand (no service manager), Loop starts
// itself again on the same port with a new pid; under systemd it exits with restart_exit_code and
// leaves the restart to the service manager.
import { existsSync } from 'node:fs';
import { expect } from 'chai';
import { raw } from '../helpers/auth.js';
import { http, removeDir, startLoopProcess, tempDir } from '../helpers/loop.js';
import { alive } from '../helpers/process.js';
import { until, withDeadline } from '../helpers/wait.js';

/** The pids of every "Loop is up" line so far (the old process's, then the new one's). */
const upPids = (output: string): number[] => [...output.matchAll(/Loop is up .*process_id=(\d+)/g)].map((m) => Number(m[1]));

describe('restart from the page, against the Loop process', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  const strays: number[] = [];

  after(async () => {
    // The restarted Loop is no child of this test: it is stopped by its pid.
    for (const pid of strays.filter(alive)) process.kill(pid, 'SIGTERM');
    await until(() => !strays.some(alive), 10_000, 'the restarted Loop to stop');
    for (const dir of dirs) removeDir(dir);
  });

  it('with no service manager, Loop starts itself again: the same port answers, with a new pid', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    // No systemd variables, even when the test itself runs in a unit.
    const proc = await startLoopProcess({ dataDir, config: { device: { id: 'restart' } }, env: { INVOCATION_ID: '', NOTIFY_SOCKET: '' } });
    const oldPid = proc.child.pid;
    expect(upPids(proc.output())).to.deep.equal([oldPid]);
    const answer = await http('POST', `${proc.http}/api/system/restart`);
    expect(answer.status).to.equal(200);
    expect(answer.json.data).to.deep.equal({ restarting: true });
    // The old process ends well (npm start reports no error), and a new one comes up.
    expect(await withDeadline(proc.exited, 10_000, 'the old Loop to exit')).to.deep.equal({ code: 0, signal: null });
    await until(() => upPids(proc.output()).length === 2, 15_000, `a second "Loop is up"\n${proc.output()}`);
    const newPid = upPids(proc.output())[1] as number;
    strays.push(newPid);
    expect(newPid).to.not.equal(oldPid);
    expect(alive(newPid)).to.equal(true);
    const health = await raw('GET', `${proc.http}/api/health`);
    expect(health.status).to.equal(200);
    // It is a whole Loop again: its plugins answer on the bus.
    const dashboard = await http('GET', `${proc.http}/api/dashboard`);
    expect(dashboard.status).to.equal(200);
  });

  it('under systemd (INVOCATION_ID set), Loop exits with restart_exit_code and starts nothing itself', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const proc = await startLoopProcess({
      dataDir,
      config: { device: { id: 'unit' } },
      env: { INVOCATION_ID: 'b0c1d2e3', NOTIFY_SOCKET: '' },
    });
    const answer = await http('POST', `${proc.http}/api/system/restart`);
    expect(answer.status).to.equal(200);
    expect(await withDeadline(proc.exited, 10_000, 'Loop to exit')).to.deep.equal({ code: 75, signal: null });
    // Nothing listens any more: systemd's Restart= is what brings Loop back.
    const refused = await raw('GET', `${proc.http}/api/health`).then(
      () => false,
      () => true,
    );
    expect(refused).to.equal(true);
    expect(upPids(proc.output())).to.have.length(1);
    expect(existsSync(`/proc/${proc.child.pid}`)).to.equal(false);
  });
});
