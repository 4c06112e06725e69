// Read your writes on the bus: once a request answers, `bus.last()` (what /api/dashboard, the
// gateway's snapshots and every plugin read) already holds the state its handler published. The
// answer travels at QoS 0 and the retained state at QoS 1, and the broker may hand the first over
// before the second; the bus keeps what its own process published from the moment it publishes.
import { expect } from 'chai';
import type { LoopState } from '../../core/protocol/index.js';
import { startTestLoop, type TestLoop } from '../helpers/loop.js';

describe('bus: read your writes', function () {
  this.timeout(30_000);
  let loop: TestLoop;

  before(async () => {
    loop = await startTestLoop({ plugins: ['system', 'loop'] });
  });
  after(() => loop.stop());

  it('200 loop mode changes in a row: every answer finds bus.last("loop") already saying it', async () => {
    const { bus } = loop.runtime;
    const stale: string[] = [];
    for (let i = 0; i < 200; i++) {
      const mode = i % 2 === 0 ? 'one' : 'all';
      await bus.request('loop', 'mode', { loop_mode: mode });
      const seen = (bus.last('loop') as LoopState).mode;
      if (seen !== mode) stale.push(`#${i}: asked ${mode}, last() said ${seen}`);
    }
    expect(stale).to.deep.equal([]);
  });
});
