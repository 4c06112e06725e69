// Loop under a real NOTIFY_SOCKET, as systemd runs it (Type=notify, WatchdogSec): a unix datagram
// socket opened by a small python3 receiver (Node cannot open one), Loop as a real process. READY=1
// arrives once HTTP answers, WATCHDOG=1 at half the watchdog time, none while the event loop is
// blocked, STOPPING=1 at SIGTERM. The block comes from a preload module given through NODE_OPTIONS
// (SIGUSR2 → a busy loop), so Loop itself carries no test hook.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect } from 'chai';
import { createLogger } from '../../core/log.js';
import { ServiceNotifier } from '../../core/service/notify.js';
import { startLoopProcess, type LoopProcess } from '../helpers/loop.js';
import { freePort } from '../helpers/ports.js';
import { skipBecause } from '../helpers/skip.js';
import { sleep, until } from '../helpers/wait.js';

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const hasPython = spawnSync(PYTHON, ['-c', 'import socket; socket.AF_UNIX'], { stdio: 'ignore' }).status === 0;
const hasNotify = spawnSync('systemd-notify', ['--help'], { stdio: 'ignore' }).status === 0;

// Prints one line per datagram; closes the barrier fd systemd-notify passes, as systemd does.
const RECEIVER = `
import array, os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(64))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
            for fd in fds:
                os.close(fd)
    # Stamped when received, so a slow test process cannot shift a ping into another window.
    print(str(int(time.time() * 1000)) + ' ' + msg.decode(), flush=True)
`;

const BLOCK_MS = 3000;
const BLOCKER = `
process.on('SIGUSR2', () => {
  const start = Date.now();
  process.stderr.write('BLOCK-START ' + start + '\\n');
  const end = start + ${BLOCK_MS};
  while (Date.now() < end);
  process.stderr.write('BLOCK-END ' + Date.now() + '\\n');
});
`;

interface Received {
  msg: string;
  at: number;
}

describe('systemd notifications: READY, watchdog fed only by a healthy event loop, STOPPING', function () {
  this.timeout(40_000);
  let dir: string;
  let receiver: ChildProcess | null = null;
  let loop: LoopProcess | null = null;
  const got: Received[] = [];

  before(function () {
    if (!hasPython) skipBecause(this, 'python3 is not installed (the test opens the datagram socket with it)');
    if (!hasNotify) skipBecause(this, 'systemd-notify is not installed (Debian package systemd)');
  });

  afterEach(async () => {
    await loop?.kill('SIGKILL');
    receiver?.kill();
    loop = null;
    receiver = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('READY=1 once HTTP answers, WATCHDOG=1 every half period, none while blocked, STOPPING=1 at SIGTERM', async () => {
    dir = mkdtempSync(join(tmpdir(), 'loop-notify-'));
    const socket = join(dir, 'notify.sock');
    const blocker = join(dir, 'block.mjs');
    writeFileSync(blocker, BLOCKER);
    receiver = spawn(PYTHON, ['-c', RECEIVER, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: receiver.stdout! });
    let bound = false;
    let httpAtReady: Promise<number> | null = null;
    let httpUrl = '';
    lines.on('line', (line) => {
      if (line === 'bound') {
        bound = true;
        return;
      }
      const space = line.indexOf(' ');
      const msg = line.slice(space + 1);
      got.push({ msg, at: Number(line.slice(0, space)) });
      // Asked the moment READY=1 is read: the page must already answer.
      if (msg === 'READY=1')
        httpAtReady = fetch(`${httpUrl}/api/dashboard`).then(
          (r) => r.status,
          () => -1,
        );
    });
    await until(() => bound, 5000, 'the receiver to bind');

    const http = await freePort();
    httpUrl = `http://127.0.0.1:${http}`;
    loop = await startLoopProcess({
      ports: { http, mqtt: await freePort() },
      env: { NOTIFY_SOCKET: socket, WATCHDOG_USEC: '2000000', NODE_OPTIONS: `--import ${blocker}` },
    });

    await until(() => httpAtReady !== null, 5000, 'READY=1');
    expect(await httpAtReady!).to.equal(200);
    const readyAt = got.find((g) => g.msg === 'READY=1')!.at;

    // Healthy: pings every ~1 s (WATCHDOG_USEC 2 s). Loose bounds: a shared machine.
    await sleep(3500);
    const before = got.filter((g) => g.msg === 'WATCHDOG=1' && g.at >= readyAt);
    expect(before.length, 'pings while healthy').to.be.within(2, 6);

    // Blocked for 3 s: no pings then, and the late tick right after is skipped too.
    const out0 = loop.output().length;
    loop.child.kill('SIGUSR2');
    await until(() => loop!.output().slice(out0).includes('BLOCK-END'), 10_000, 'the block to end');
    // The block's own clock (same machine), not when this test noticed it: the output may arrive late.
    const stamp = (what: string): number => Number(new RegExp(`${what} (\\d+)`).exec(loop!.output().slice(out0))?.[1]);
    const blockEnd = stamp('BLOCK-END');
    await sleep(3500);
    // What systemd sees: the arrivals. A ping decided just before the block can arrive during it (a
    // systemd-notify child may take a second to start on a loaded machine), so the test asks what
    // matters: around the block, pings stopped for longer than the watchdog time (2 s), so systemd
    // would have restarted Loop. Decided pings: ≤ blockStart, then none until the tick after the
    // skipped one (≥ blockEnd + 1 s): a gap of ~4 s minus the child's start-up.
    const pings = got.filter((g) => g.msg === 'WATCHDOG=1').map((g) => g.at);
    const lastBefore = Math.max(...pings.filter((at) => at < blockEnd));
    const firstAfter = Math.min(...pings.filter((at) => at >= blockEnd));
    expect(lastBefore, 'a ping before the block').to.be.greaterThan(readyAt - 1);
    expect(firstAfter, 'a ping after the block').to.be.below(Infinity);
    expect(firstAfter - lastBefore, 'longest silence around the block (ms)').to.be.greaterThan(2000);
    const after = got.filter((g) => g.msg === 'WATCHDOG=1' && g.at >= blockEnd);
    expect(after.length, 'pings once the loop is healthy again').to.be.at.least(1);
    expect(loop.output()).to.include('watchdog ping skipped');

    const exit = await loop.stop();
    expect(exit.code).to.equal(0);
    await until(() => got.some((g) => g.msg === 'STOPPING=1'), 3000, 'STOPPING=1');
    const order = got.map((g) => g.msg).filter((m) => m !== 'BARRIER=1' && m !== 'WATCHDOG=1');
    expect(order).to.deep.equal(['READY=1', 'STOPPING=1']);
  });
});

describe('systemd notifications: only under a service manager, and not passed on to children', () => {
  it('no NOTIFY_SOCKET: no notifier; with one, the variables leave the environment mpv and ffmpeg inherit', () => {
    const log = createLogger('silent', false);
    expect(ServiceNotifier.fromEnv({ log, env: { PATH: '/usr/bin' } })).to.equal(null);

    const env: NodeJS.ProcessEnv = {
      NOTIFY_SOCKET: '/nonexistent/notify',
      WATCHDOG_USEC: '2000000',
      WATCHDOG_PID: String(process.pid),
      PATH: '/usr/bin',
    };
    const n = ServiceNotifier.fromEnv({ log, env, command: '/bin/true' });
    expect(n?.watchdogMs).to.equal(2000);
    n?.close();
    expect(env).to.deep.equal({ PATH: '/usr/bin' });

    // A watchdog meant for another process (WATCHDOG_PID) is not fed from this one.
    const other = ServiceNotifier.fromEnv({
      log,
      env: { NOTIFY_SOCKET: '/nonexistent/notify', WATCHDOG_USEC: '2000000', WATCHDOG_PID: '1' },
      command: '/bin/true',
    });
    expect(other?.watchdogMs).to.equal(0);
    other?.close();
  });
});
