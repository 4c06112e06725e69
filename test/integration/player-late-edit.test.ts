// Issue 26: a reorder in the last ~100 ms of a clip (timeline mode) flashed the old next clip for a
// few frames before the new next one. The real player on Xvfb, the screen captured at 50 fps
// (bench/frames/late-edits.ts): every clip run on screen between the edits plays to its end (a few first
// frames dropped by a busy machine are reported, not failed: the clip is the right one).
import { expect } from 'chai';
import { lateEdits } from '../../bench/frames/late-edits.js';

describe('player: an edit in the last 120 ms of a clip shows no frame of the old next clip', function () {
  this.timeout(120_000);

  it('10 directed swaps of the next two clips: every clip on screen plays to its end', async () => {
    const r = await lateEdits(10);
    expect(r.edits, JSON.stringify(r)).to.be.at.least(8);
    expect(r.partial_runs, JSON.stringify(r)).to.deep.equal([]);
  });
});
