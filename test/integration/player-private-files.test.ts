// mpv's IPC can run commands, and its watch script runs inside mpv: both live in a folder that only
// Loop may enter, and a socket left by a killed run does not stop the next mpv.
import { expect } from 'chai';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPlayerLoop, tempDir } from '../helpers/loop.js';
import { until } from '../helpers/wait.js';

describe('player: private run files', () => {
  it('keeps the socket and the watch script in a 0700 folder, and replaces a stale socket', async () => {
    const dataDir = tempDir();
    const run = join(dataDir, 'run');
    // A world-writable folder and a stale "socket" left behind, as a killed run or another user might.
    mkdirSync(run, { recursive: true, mode: 0o777 });
    writeFileSync(join(run, 'mpv.sock'), 'stale');
    const loop = await startPlayerLoop({ dataDir, player: { ipc_socket: null } });
    try {
      await until(() => loop.runtime.bus.last('player')?.state === 'idle', 10_000, 'player idle');
      expect(statSync(run).mode & 0o777).to.equal(0o700);
      expect(statSync(join(run, 'parent-watch.lua')).mode & 0o777).to.equal(0o600);
      expect(statSync(join(run, 'mpv.sock')).isSocket(), 'mpv bound its own socket').to.equal(true);
    } finally {
      await loop.stop();
    }
  });
});
