// A clip's converted file deleted from disk under a playing timeline: the next rebuild (a loop
// edit, an mpv kill -9) leaves it out instead of failing the whole `edl://` timeline, the other
// clips keep going round in order, an event names the missing clip, the loop marks it, and once
// the file is back it plays again.
import { expect } from 'chai';
import { rename } from 'node:fs/promises';
import type { BridgeEvent, LoopState, PlayerState } from '../../core/protocol/index.js';
import { http, type MpvWatch, type Media, type TestLoop } from '../helpers/loop.js';
import type { TestMqtt } from '../helpers/mqtt.js';
import { clipsNamed, startPlayerBench, type PlayerBench } from '../helpers/player-bench.js';
import { changes, expectInOrder } from '../helpers/order.js';
import { until } from '../helpers/wait.js';

describe('player: a clip file missing on disk under a playing timeline', function () {
  this.timeout(90_000);
  let loop: TestLoop;
  let mqtt: TestMqtt;
  let mpv: MpvWatch;
  let bench: PlayerBench;
  let A: Media;
  let B: Media;
  let C: Media;
  let slugOf: (path: string) => string;
  const T = (rel: string): string => `${loop.baseTopic}/${rel}`;
  const seen = (since: number): string[] => changes(mpv.paths.slice(since).map((p) => slugOf(p.path)));
  const itemOf = (slug: string) => (loop.runtime.bus.last('loop') as LoopState).items.find((i) => i.slug === slug);

  before(async () => {
    [A, B, C] = await clipsNamed(['gone_a_0000000000000001', 'gone_b_0000000000000002', 'gone_c_0000000000000003'], 1);
    bench = await startPlayerBench({ media: [A, B, C], player: { timeline: 'auto' } });
    ({ loop, mqtt, mpv, slugOf } = bench);
    await bench.addToLoop([A, B, C]);
    await http('POST', `${loop.http}/api/media/${A.slug}/activate`);
    await mpv.playing(A.path);
    const timeline = async () => {
      const list = (await mpv.ipc.getProperty('playlist')) as Array<{ filename: string }>;
      return list.length === 1 && (list[0]?.filename.startsWith('edl://') ?? false);
    };
    await until(timeline, 5000, 'A, B and C playing as one timeline');
  });

  after(() => bench?.stop());

  it('a loop edit and an mpv kill -9 leave it out: the others go round in order, an event names it, the loop marks it', async () => {
    const mark = mqtt.mark();
    await rename(C.path, `${C.path}.away`);
    // A loop edit: the player rebuilds the timeline (before the fix: with C in it, which mpv cannot open).
    expect((await http('PATCH', `${loop.http}/api/loop/items/${A.slug}`, { repeat: 2 })).status).to.equal(200);
    const ev = await mqtt.next((m) => m.topic === T('bridge/event') && (m.json as BridgeEvent).type === 'loop_item_missing', 5000, mark);
    expect((ev.json as BridgeEvent).data, 'the event names the missing clip').to.deep.include({ slug: C.slug });
    expect((ev.json as BridgeEvent).message).to.include(C.slug);
    await until(() => itemOf(C.slug)?.unplayable === 'file_missing', 3000, 'C marked in the loop');
    expect(itemOf(A.slug)?.unplayable, 'A is not marked').to.equal(undefined);
    // The others keep going round, in order, without C.
    let from = mpv.paths.length;
    await until(() => seen(from).length >= 5, 15_000, 'A and B going round after the edit', 100);
    expect(seen(from), 'C is not played').to.not.include(C.slug);
    expectInOrder(seen(from), [A.slug, B.slug], 'after the edit');
    // mpv dies: the new mpv plays the same loop, still without C.
    const restarted = mqtt.mark();
    process.kill(await mpv.pid(), 'SIGKILL');
    await mqtt.next((m) => m.topic === T('bridge/event') && (m.json as BridgeEvent).type === 'player_restart', 3000, restarted);
    await mpv.attach();
    from = mpv.paths.length;
    await until(() => seen(from).length >= 5, 15_000, 'A and B going round after the mpv restart', 100);
    expect(seen(from), 'C is not played').to.not.include(C.slug);
    expectInOrder(seen(from), [A.slug, B.slug], 'after the mpv restart');
    const state = loop.runtime.bus.last('player') as PlayerState;
    expect(state.state, 'the screen is not idle').to.equal('playing');
    expect(state.slug).to.be.oneOf([A.slug, B.slug]);
  });

  it('once the file is back, the mark goes and it plays again in its place', async () => {
    const mark = mqtt.mark();
    await rename(`${C.path}.away`, C.path);
    await mqtt.next((m) => m.topic === T('bridge/event') && (m.json as BridgeEvent).type === 'loop_item_restored', 5000, mark);
    await until(() => itemOf(C.slug) !== undefined && itemOf(C.slug)?.unplayable === undefined, 3000, 'the mark cleared');
    const from = mpv.paths.length;
    await until(() => seen(from).filter((s) => s === C.slug).length >= 2, 20_000, 'C played twice', 100);
    const seq = seen(from);
    expectInOrder(seq.slice(seq.indexOf(C.slug)), [A.slug, B.slug, C.slug], 'with C back');
  });
});
