// The player's decisions, each as a table (state in, decision out): on every change (idle card,
// keep, rebuild around what plays, or load afresh, and what becomes of the item asked for while it
// was not playable); the options of a resumed pass and of the pass a rebuild keeps; a file mpv could
// not open; mpv going idle.
import { expect } from 'chai';
import {
  decide,
  onFileFailed,
  onMpvIdle,
  passLoopOf,
  resumedOptions,
  type Decision,
  type Facts,
  type FileFailure,
  type Options,
} from '../../plugins/player/decide.js';
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

const resumed: Array<[string, Options, number | null, Options]> = [
  ["not resumed: the plan's options as they are", { 'loop-file': 'inf' }, null, { 'loop-file': 'inf' }],
  ['resumed at 0 s is not resumed', { 'loop-file': '2' }, 0, { 'loop-file': '2' }],
  ['resumed mid-clip: start there, the passes left as planned', { 'loop-file': '2' }, 1.23456, { 'loop-file': '2', start: '1.235' }],
  [
    'resumed mid-clip of an endless clip: this pass plays once (a copy follows)',
    { 'loop-file': 'inf' },
    2,
    { 'loop-file': 'no', start: '2.000' },
  ],
  [
    'resumed with no loop-file: plays once',
    { 'image-display-duration': 5 },
    1,
    { 'image-display-duration': 5, 'loop-file': 'no', start: '1.000' },
  ],
];

const passLoops: Array<[string, Options, Options, string]> = [
  ["the plan's loop-file for the pass on screen", { 'loop-file': '3' }, { 'loop-file': 'no' }, '3'],
  ['no loop-file planned: no', {}, { 'loop-file': 'inf' }, 'no'],
  ['endless, and the pass on screen was not resumed: inf', { 'loop-file': 'inf' }, { 'loop-file': 'no' }, 'inf'],
  ['endless, but the pass on screen was resumed (start=): it plays once', { 'loop-file': 'inf' }, { start: '1.000' }, 'no'],
];

const failures: Array<[string, { gone: boolean; timeline: boolean }, FileFailure]> = [
  ['a timeline with a file gone: plan again without it', { gone: true, timeline: true }, 'replan'],
  ['a timeline whose files exist: never a timeline again, plan as a playlist', { gone: false, timeline: true }, 'refuse_timeline'],
  ['a playlist entry whose file is gone: left out (the loop marks it)', { gone: true, timeline: false }, 'ignore'],
  ['a playlist entry that exists but cannot play: counted and reported', { gone: false, timeline: false }, 'report'],
];

const idles: Array<[string, Parameters<typeof onMpvIdle>[0], ReturnType<typeof onMpvIdle>]> = [
  ['stopped: the card is meant', { stopped: true, holdsAny: true, idle: true, fileErrors: 1 }, 'none'],
  ['holding nothing of ours (a reload in between): nothing', { stopped: false, holdsAny: false, idle: true, fileErrors: 0 }, 'none'],
  ['not idle any more when asked: nothing', { stopped: false, holdsAny: true, idle: false, fileErrors: 2 }, 'none'],
  ['idle after files that exist failed: an error until play', { stopped: false, holdsAny: true, idle: true, fileErrors: 1 }, 'fail'],
  ['idle with no file failing (files vanished): the waiting card', { stopped: false, holdsAny: true, idle: true, fileErrors: 0 }, 'wait'],
];

describe('player: the options of a resumed pass (resumedOptions)', () => {
  for (const [story, options, position, want] of resumed) it(story, () => expect(resumedOptions(options, position)).to.deep.equal(want));
});

describe('player: the loop-file of the pass a rebuild keeps (passLoopOf)', () => {
  for (const [story, planned, kept, want] of passLoops) it(story, () => expect(passLoopOf(planned, kept)).to.equal(want));
});

describe('player: a file mpv could not open (onFileFailed)', () => {
  for (const [story, facts, want] of failures) it(story, () => expect(onFileFailed(facts)).to.equal(want));
});

describe('player: mpv went idle (onMpvIdle)', () => {
  for (const [story, facts, want] of idles) it(story, () => expect(onMpvIdle(facts)).to.equal(want));
});
