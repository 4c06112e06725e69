// The mpv JSON-IPC client against the real mpv (--vo=null --ao=null): answers matched to
// requests, observations that work from the first connect, playlist entry ids, per-file options,
// and how a dying or hanging mpv is seen.
import { expect } from 'chai';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeClip, makeStill } from '../helpers/clips.js';
import { MpvError, MpvIpc, type MpvEvent, type MpvExit } from '../../plugins/player/mpv-ipc.js';

const sock = (): string => join(tmpdir(), `loop-test-mpv-${process.pid}-${Math.random().toString(36).slice(2, 8)}.sock`);
const headless = ['--no-config', '--vo=null', '--ao=null', '--msg-level=all=warn'];

function until<T>(emitter: MpvIpc, pick: (e: MpvEvent) => T | undefined, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for an mpv event')), timeoutMs);
    const on = (e: MpvEvent): void => {
      const v = pick(e);
      if (v === undefined) return;
      clearTimeout(timer);
      emitter.off('event', on);
      resolve(v);
    };
    emitter.on('event', on);
  });
}

describe('player: mpv IPC client (real mpv)', function () {
  this.timeout(15000);
  let mpv: MpvIpc;
  let clip: string;
  let still: string;

  before(async () => {
    clip = await makeClip({ seconds: 1 });
    still = await makeStill({ format: 'png' });
  });

  beforeEach(async () => {
    mpv = new MpvIpc({ binary: '/usr/bin/mpv', socket: sock(), args: headless });
  });

  afterEach(async () => {
    await mpv.quit();
  });

  it('answers requests by id and reports mpv errors as MpvError', async () => {
    await mpv.start();
    expect(mpv.running).to.equal(true);
    const [idle, pid] = await Promise.all([mpv.getProperty('idle-active'), mpv.getProperty('pid')]);
    expect(idle).to.equal(true);
    expect(pid).to.equal(mpv.pid);
    try {
      await mpv.getProperty('no-such-property');
      expect.fail('should reject');
    } catch (err) {
      expect(err).to.be.instanceOf(MpvError);
      expect((err as MpvError).message).to.match(/property not found/);
    }
  });

  it('observations made before start work from the first connect (the node-mpv 1.5 bug)', async () => {
    await mpv.observeProperty('volume');
    const seen = new Promise<unknown>((resolve) => mpv.on('property', (name, value) => name === 'volume' && resolve(value)));
    await mpv.start();
    expect(await seen).to.equal(100);
    const changed = new Promise<unknown>((resolve) =>
      mpv.on('property', (name, value) => name === 'volume' && value === 42 && resolve(value)),
    );
    await mpv.volume(42);
    expect(await changed).to.equal(42);
  });

  it('gives playlist entry ids and honours per-file loop-file and image-display-duration', async () => {
    await mpv.start();
    const restarts: number[] = [];
    mpv.on('event', (e) => e.event === 'playback-restart' && restarts.push(performance.now()));
    const first = await mpv.load(clip, 'replace', { 'loop-file': 1 });
    const second = await mpv.load(still, 'append', { 'image-display-duration': 0.5 });
    expect(second).to.equal(first + 1);
    const stillStarted = await until(mpv, (e) =>
      e.event === 'start-file' && e.playlist_entry_id === second ? performance.now() : undefined,
    );
    // The clip played twice (loop-file=1) before the still started.
    expect(restarts.length).to.equal(2);
    expect(await mpv.getProperty('path')).to.equal(still);
    const ended = await until(mpv, (e) => (e.event === 'end-file' && e.playlist_entry_id === second ? performance.now() : undefined));
    expect(ended - stillStarted).to.be.within(400, 900);
  });

  it('reports a killed mpv as an unexpected exit, and quit() as an expected one', async () => {
    await mpv.start();
    const exit = new Promise<MpvExit>((resolve) => mpv.once('exit', resolve));
    process.kill(mpv.pid as number, 'SIGKILL');
    const x = await exit;
    expect(x).to.include({ signal: 'SIGKILL', expected: false });
    expect(mpv.running).to.equal(false);
    await mpv.start();
    const quit = new Promise<MpvExit>((resolve) => mpv.once('exit', resolve));
    await mpv.quit();
    expect((await quit).expected).to.equal(true);
  });

  it('a hung mpv (SIGSTOP) makes commands time out instead of waiting forever', async () => {
    await mpv.start();
    process.kill(mpv.pid as number, 'SIGSTOP');
    try {
      await mpv.commandWithin(300, 'get_property', 'pid');
      expect.fail('should time out');
    } catch (err) {
      expect((err as MpvError).kind).to.equal('timeout');
    } finally {
      process.kill(mpv.pid as number, 'SIGCONT');
    }
  });

  it('says clearly when there is no mpv', async () => {
    const none = new MpvIpc({ binary: '/nonexistent/mpv', socket: sock(), args: headless });
    try {
      await none.start();
      expect.fail('should reject');
    } catch (err) {
      expect((err as MpvError).kind).to.equal('missing');
      expect((err as MpvError).message).to.equal('mpv not found at /nonexistent/mpv');
    }
  });
});
