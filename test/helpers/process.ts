// Processes a test starts or watches: the `loop` command line against a data directory, and
// whether a pid still runs.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';

/** Runs `loop <args>` with LOOP_DATA_DIR set, `input` on stdin; never rejects (the exit code says). */
export const runCli = (dataDir: string, args: string[], input = ''): Promise<{ code: number; out: string }> =>
  new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(packageRoot, 'bin', 'loop.js'), ...args],
      { env: { ...process.env, LOOP_DATA_DIR: dataDir } },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr }),
    );
    child.stdin?.end(input);
  });

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
