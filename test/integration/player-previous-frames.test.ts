// Issue 26: `previous` once showed a wrong frame first (frame 19 of the target before its frame 0,
// 1 of 66 commands, timeline mode). The real player on Xvfb, the screen captured at 50 fps
// (bench/frames/previous.ts): after each `previous`, sent at a random point of a clip, the clip
// before it plays from its start, and no clip out of the loop's order is ever on screen. 50 at a
// time: `node dist/bench/frames/previous.js 50` (figures in docs/performance.md).
import { expect } from 'chai';
import { randomPrevious } from '../../bench/frames/previous.js';

describe('player: previous at random points shows the clip before, from its first frame, and nothing else', function () {
  this.timeout(120_000);

  it('10 previous commands: every target starts at its first frames, no clip restarts or comes out of order', async () => {
    // Not within 200 ms of a clip's ends: a command that meets the boundary may show the next clip's
    // first frames first (4 of 150 in the bench, docs/performance.md; open).
    const r = await randomPrevious(10, 200);
    const report = JSON.stringify(r);
    expect(r.commands, report).to.equal(10);
    expect(r.wrong_answers, report).to.deep.equal([]);
    expect(r.restarts, report).to.deep.equal([]);
    expect(r.wrong_clips, report).to.deep.equal([]);
    // A target may lose a few first frames on a busy machine (mpv behind); issue 26's wrong first frame was 19.
    expect(
      r.late_targets.filter((t) => t.first >= 12),
      report,
    ).to.deep.equal([]);
    // Each command cut the clip on screen short (one sent in a clip's last frames may not show as cut).
    expect(r.interrupted, report).to.be.at.least(7);
  });
});
