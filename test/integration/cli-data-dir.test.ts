// Issue 21: the README's `LOOP_DATA_DIR=/tmp/loop npm start`, then `./bin/loop.js token create NAME`
// in another terminal, made a token in ./data that the running Loop rejected. The CLI now finds the
// data directory of the running Loop of this checkout (core/cli/instance.ts) when it is told none.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';
import { notePath } from '../../core/cli/instance.js';
import { claim, raw } from '../helpers/auth.js';
import { removeDir, startLoopProcess, tempDir, type LoopProcess } from '../helpers/loop.js';
import { until } from '../helpers/wait.js';

/** `loop <args>` as a person types it in the checkout: no LOOP_DATA_DIR, no --config. */
const typed = (args: string[]): Promise<{ code: number; out: string; err: string }> => {
  const env = { ...process.env };
  delete env.LOOP_DATA_DIR;
  return new Promise((resolve) => {
    execFile(process.execPath, [join(packageRoot, 'bin', 'loop.js'), ...args], { env, cwd: packageRoot }, (err, out, errOut) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out, err: errOut }),
    );
  });
};

describe('the CLI and a running Loop agree on the data directory without repeating it', function () {
  this.timeout(40_000);
  let proc: LoopProcess | null = null;
  const dataDir = tempDir();

  after(async () => {
    await proc?.stop().catch(() => undefined); // stopped already by the test
    removeDir(dataDir);
  });

  it('`loop token create` with no data dir given writes where the running Loop reads: the running Loop accepts the token', async () => {
    proc = await startLoopProcess({ dataDir, config: { auth: { mode: 'on' } } });
    const cookie = await claim(proc);
    expect(cookie).to.be.a('string');
    const made = await typed(['token', 'create', 'a script']);
    expect(made.code, made.out + made.err).to.equal(0);
    expect(made.err, 'it says which directory it used').to.include(dataDir);
    const token = made.out.trim().split('\n').at(-1) as string;
    const bearer = { authorization: `Bearer ${token}` };
    // Loop reads the auth files again when they change (a file watch: a moment after the CLI wrote).
    const base = proc.http;
    await until(
      async () => (await raw('GET', `${base}/api/dashboard`, { headers: bearer })).status === 200,
      5000,
      'the new token accepted',
    );
    expect((await raw('GET', `${proc.http}/api/dashboard`, { headers: { authorization: 'Bearer loop_nope' } })).status).to.equal(401);

    // Stopped, the note goes (the CLI is back to what the config says).
    expect(existsSync(notePath()), notePath()).to.equal(true);
    await proc.stop();
    expect(existsSync(notePath()), notePath()).to.equal(false);
  });
});
