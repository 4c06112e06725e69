// The player's decision on every change, as a table: idle card, keep, rebuild around what plays,
// or load an item afresh (and what becomes of the item asked for while it was not playable).
import { expect } from 'chai';
import { decide, type Decision, type Facts } from '../../plugins/player/decide.js';
import { planKey, playableLibrary } from '../../plugins/player/playlist.js';
import { loopState as loop, media } from '../helpers/player-fixtures.js';

const library = playableLibrary([media('a'), media('b'), media('c'), media('p', 'video', 'processing')]);
const abc = loop(['a', 'b', 'c']);
const applied = planKey(abc, library, 'a');
const base: Facts = { loop: abc, library, fresh: false, stopped: false, playing: 'a', applied, wanted: null, resume: null };

const table: Array<[string, Partial<Facts>, Decision]> = [
  ['no loop state yet: the empty card', { loop: undefined, playing: null }, { act: 'idle', why: 'empty', wanted: null }],
  ['an empty loop: the empty card', { loop: loop([]), playing: null, fresh: true }, { act: 'idle', why: 'empty', wanted: null }],
  ['stopped, no new cue: the stopped card', { stopped: true }, { act: 'idle', why: 'stopped', wanted: null }],
  [
    'stopped, then a new cue: plays the active item, unpaused',
    { stopped: true, fresh: true, loop: { ...abc, active: 'b' } },
    { act: 'load', target: 'b', unpause: true, wanted: null },
  ],
  ['nothing changed: keep', {}, { act: 'keep', wanted: null }],
  ['only the active item moved (the player moved on): keep', { loop: { ...abc, active: 'b' } }, { act: 'keep', wanted: null }],
  ['reordered: rebuild around what plays', { loop: { ...abc, order: ['a', 'c', 'b'] } }, { act: 'rebuild', wanted: null }],
  ['a new cue for the item that plays: load it afresh', { fresh: true }, { act: 'load', target: 'a', unpause: true, wanted: null }],
  [
    'what plays was removed: load the active item',
    { loop: { ...loop(['b', 'c']), active: 'b' } },
    { act: 'load', target: 'b', unpause: false, wanted: null },
  ],
  [
    'active item still converting: a stand-in plays, it stays wanted',
    { fresh: true, playing: null, loop: loop(['p', 'b']) },
    { act: 'load', target: 'b', unpause: true, wanted: 'p' },
  ],
  [
    'the wanted item became playable: switch to it',
    { wanted: 'c', playing: 'b' },
    { act: 'load', target: 'c', unpause: false, wanted: null },
  ],
  ['the wanted item plays already: keep', { wanted: 'a' }, { act: 'keep', wanted: null }],
  ['the wanted item left the loop: forgotten', { wanted: 'x' }, { act: 'keep', wanted: null }],
  [
    'the wanted item is not ready yet: keep, still wanted',
    { loop: loop(['a', 'p']), applied: planKey(loop(['a', 'p']), library, 'a'), wanted: 'p' },
    { act: 'keep', wanted: 'p' },
  ],
  [
    'nothing playable: the waiting card, the active item wanted',
    { loop: loop(['p']), playing: null, fresh: true },
    { act: 'idle', why: 'waiting', wanted: 'p' },
  ],
  [
    'after an mpv restart: resume the item that played',
    { playing: null, resume: 'c' },
    { act: 'load', target: 'c', unpause: false, wanted: null },
  ],
  // A timeline is one mpv entry; `playing` is the clip of the segment on screen (its chapter), not the entry.
  [
    'timeline: mpv moved on to the next segment (b), the loop followed: keep (no file to load)',
    { playing: 'b', loop: { ...abc, active: 'b' } },
    { act: 'keep', wanted: null },
  ],
  [
    'timeline: the repeat changed while b plays mid-timeline: rebuild around b',
    { playing: 'b', loop: { ...abc, active: 'b', repeat: 2 } },
    { act: 'rebuild', wanted: null },
  ],
  [
    'timeline: mode one while b plays mid-timeline: rebuild around b',
    { playing: 'b', loop: { ...abc, active: 'b', mode: 'one' } },
    { act: 'rebuild', wanted: null },
  ],
  ['a new cue outranks the resume', { playing: null, resume: 'c', fresh: true }, { act: 'load', target: 'a', unpause: true, wanted: null }],
];

describe('player: what to do on a change (decide)', () => {
  for (const [story, facts, want] of table) {
    it(story, () => {
      expect(decide({ ...base, ...facts })).to.deep.equal(want);
    });
  }
});
