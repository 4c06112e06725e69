// The `loop` command as a person runs it on the device: a real process, with the data dir in its
// environment and what they would type (or pipe) on its stdin.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';

export interface CliResult {
  code: number;
  /** stdout then stderr. */
  out: string;
}

export const loopCli = (dataDir: string, args: string[], input = ''): Promise<CliResult> =>
  new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(packageRoot, 'bin', 'loop.js'), ...args],
      { env: { ...process.env, LOOP_DATA_DIR: dataDir } },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr }),
    );
    child.stdin?.end(input);
  });
