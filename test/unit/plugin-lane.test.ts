// The plugin lane: commands and the plugin's own jobs (timers, followed topics) never run at the same
// time, jobs run before the plugin takes commands, timers stop with the plugin, and a failing job is
// logged without stopping the lane.
import { expect } from 'chai';
import pino from 'pino';
import { CommandQueue } from '../../core/plugins/command-queue.js';
import { createLane } from '../../core/plugins/lane.js';
import type { ScopedBus } from '../../core/plugins/api.js';
import type { ActionResponse } from '../../core/protocol/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// `follow` is the only part of the bus a lane uses; it is covered with the real bus by the example plugin's test.
const noBus = {} as ScopedBus;

function recorder() {
  const lines: string[] = [];
  const log = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
  return { lines, log };
}

describe('plugin lane (ctx.lane)', () => {
  it('never runs a job and a command at once, and keeps arrival order', async () => {
    const queue = new CommandQueue(() => false, 64);
    let active = 0;
    let most = 0;
    const order: string[] = [];
    const work = async (name: string) => {
      active++;
      most = Math.max(most, active);
      order.push(name);
      await sleep(5);
      active--;
    };
    queue.open(async (cmd): Promise<ActionResponse> => {
      await work(`command ${cmd.action}`);
      return { status: 'ok', data: null };
    });
    const abort = new AbortController();
    const lane = createLane(queue, noBus, recorder().log, abort.signal);
    const all = [
      queue.push({ action: 'next', payload: {} }),
      lane.run(() => work('job 1')),
      queue.push({ action: 'play', payload: {} }),
      lane.run(() => work('job 2')),
    ];
    await Promise.all(all);
    expect(most).to.equal(1);
    expect(order).to.deep.equal(['command next', 'job 1', 'command play', 'job 2']);
  });

  it('runs jobs before the plugin takes commands; commands wait for open', async () => {
    const queue = new CommandQueue(() => false, 64);
    const lane = createLane(queue, noBus, recorder().log, new AbortController().signal);
    const answered: string[] = [];
    const command = queue.push({ action: 'next', payload: {} }).then(() => answered.push('command'));
    expect(await lane.run(() => 42)).to.equal(42);
    await sleep(10);
    expect(answered, 'no command runs before open').to.deep.equal([]);
    queue.open(async () => ({ status: 'ok', data: null }));
    await command;
    expect(answered).to.deep.equal(['command']);
  });

  it('every() skips a tick while the last still runs, and stops at abort with after()', async () => {
    const queue = new CommandQueue(() => false, 64);
    queue.open(async () => ({ status: 'ok', data: null }));
    const abort = new AbortController();
    const lane = createLane(queue, noBus, recorder().log, abort.signal);
    let ticks = 0;
    let fired = false;
    lane.every(5, 'tick', async () => {
      ticks++;
      await sleep(40);
    });
    lane.after(60, 'late', () => void (fired = true));
    await sleep(50);
    expect(ticks, 'a 40 ms job at a 5 ms period runs once or twice in 50 ms, not ten times').to.be.within(1, 2);
    abort.abort();
    const seen = ticks;
    await sleep(80);
    expect(ticks).to.be.at.most(seen + 1);
    expect(fired, 'after() was cancelled by the stop').to.equal(false);
  });

  it('logs a failing job with its name and goes on; run() rejects with the error', async () => {
    const queue = new CommandQueue(() => false, 64);
    queue.open(async () => ({ status: 'ok', data: null }));
    const { lines, log } = recorder();
    const lane = createLane(queue, noBus, log, new AbortController().signal);
    lane.post('refresh', () => {
      throw new Error('nmcli vanished');
    });
    await lane.run(() => undefined);
    expect(lines.join(''))
      .to.match(/refresh failed/)
      .and.match(/nmcli vanished/);
    let caught: unknown;
    await lane.run(() => Promise.reject(new Error('no'))).catch((err: unknown) => (caught = err));
    expect((caught as Error).message).to.equal('no');
    expect(await lane.run(() => 'still running')).to.equal('still running');
  });
});
