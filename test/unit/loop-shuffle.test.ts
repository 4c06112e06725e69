// Shuffle in rounds: each item once per round, items added mid-round first in its rest, the first
// of a round never the last of the one before, and the order reproducible from the published seed.
// The player is played as the loop sees it: it moves to what follows the item on screen in `order`.
import { expect } from 'chai';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateStore } from '../../core/store/store.js';
import * as q from '../../plugins/loop/queue.js';
import { withRounds } from '../../plugins/loop/rounds.js';
import { deal, nextSeed } from '../../plugins/loop/shuffle.js';
import { mulberry32 } from '../../core/util/random.js';
import { tempDir } from '../helpers/loop.js';

const lib: q.LibraryLookup = () => 'ready';
const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `item-${String.fromCharCode(97 + i)}`);

function loopOf(slugs: readonly string[], shuffleSeed: number): q.LoopDoc {
  const d = slugs.reduce(
    (cur, s) => q.add(cur, s, undefined, lib),
    q.emptyDoc({ mode: 'all', repeat: 1, image_duration: 10, shuffle: false }),
  );
  return q.settings(d, { shuffle: true }, () => shuffleSeed);
}

/** Each command or player move goes through the round rules, as index.ts applies them. */
const change = (d: q.LoopDoc, op: (cur: q.LoopDoc) => q.LoopDoc): q.LoopDoc => withRounds(d, op(d));

/** The player moves on by itself to what follows the item on screen. */
function playNext(d: q.LoopDoc): q.LoopDoc {
  const order = q.playOrder(d);
  const next = order[(order.indexOf(d.active as string) + 1) % order.length] as string;
  return change(d, (cur) => q.follow(cur, next));
}

interface Played {
  doc: q.LoopDoc;
  /** Each round as it played (a round starts when the published seed changes). */
  rounds: string[][];
  seeds: number[];
}

/** Plays on until `rounds` more rounds have started; the round on screen at the start counts from its active item. */
function playRounds(start: q.LoopDoc, rounds: number): Played {
  let d = start;
  const out: Played = { doc: d, rounds: [[d.active as string]], seeds: [q.toState(d).shuffle_seed as number] };
  for (let moves = 0; out.rounds.length <= rounds; moves++) {
    if (moves > 10_000) throw new Error('no new round after 10000 moves');
    const seed = d.seed;
    d = playNext(d);
    if (d.seed !== seed) {
      out.rounds.push([]);
      out.seeds.push(q.toState(d).shuffle_seed as number);
    }
    out.rounds[out.rounds.length - 1]?.push(d.active as string);
  }
  out.rounds.pop(); // the round just begun is not whole
  out.doc = d;
  return out;
}

describe('loop shuffle: rounds from a seed', () => {
  it('over 50 rounds each item plays once per round, a round never starts with the last of the one before, and rounds differ', () => {
    const slugs = names(7);
    const { rounds } = playRounds(loopOf(slugs, 42), 51);
    const whole = rounds.slice(1); // the first began when shuffle was turned on, with the active item
    expect(whole).to.have.length(50);
    for (const [i, round] of whole.entries()) {
      expect([...round].sort(), `round ${i + 1} plays each item once`).to.deep.equal([...slugs].sort());
      const before = rounds[i] as string[];
      expect(round[0], `round ${i + 1} does not start with the last of the round before`).to.not.equal(before[before.length - 1]);
    }
    // Not pinned: the item a round starts with changes, and the orders are not one order repeated.
    expect(new Set(whole.map((r) => r[0])).size).to.be.at.least(5);
    expect(new Set(whole.map((r) => r.join())).size).to.be.at.least(45);
  });

  it('with two items the rounds alternate (the wrap rule leaves no choice) and with one the loop just repeats it', () => {
    const { rounds } = playRounds(loopOf(names(2), 9), 11);
    const plays = rounds.flat();
    for (let i = 1; i < plays.length; i++) expect(plays[i]).to.not.equal(plays[i - 1]);
    const one = playRounds(loopOf(names(1), 9), 0).doc;
    expect(q.playOrder(playNext(one))).to.deep.equal(['item-a']);
  });

  it('items added mid-round play first in its rest, in the order they were added, then the round goes on', () => {
    const slugs = names(6);
    let d = playRounds(loopOf(slugs, 7), 2).doc; // a round has just begun
    const played = [d.active as string];
    d = playNext(d);
    played.push(d.active as string);
    const dealtRest = q.playOrder(d).slice(2);
    d = change(d, (cur) => q.add(cur, 'new-x', undefined, lib));
    d = change(d, (cur) => q.add(cur, 'new-y', undefined, lib));
    const seed = d.seed;
    for (let i = 0; i < 6; i++) {
      d = playNext(d);
      played.push(d.active as string);
    }
    expect(d.seed, 'still the same round').to.equal(seed);
    expect(played.slice(2)).to.deep.equal(['new-x', 'new-y', ...dealtRest]);
    expect([...played].sort()).to.deep.equal([...slugs, 'new-x', 'new-y'].sort());
  });

  it('an item added while the last of a round plays comes next, and the next round still holds every item once', () => {
    let d = loopOf(names(5), 3);
    while (q.playOrder(d).indexOf(d.active as string) !== 4) d = playNext(d);
    const last = d.active as string;
    d = change(d, (cur) => q.add(cur, 'new-z', undefined, lib));
    d = playNext(d);
    expect(d.active).to.equal('new-z');
    const { rounds } = playRounds(d, 2);
    const next = rounds[1] as string[];
    expect(next[0]).to.not.equal('new-z');
    expect([...next].sort()).to.deep.equal([...names(5), 'new-z'].sort());
    expect(last).to.be.a('string');
  });

  it('the seed reproduces the order: same seed and items give the same rounds on two loops; the next seed follows the rule', () => {
    const slugs = names(8);
    // Two loops with different histories (shuffle turned on from different seeds, a step taken), then given one seed.
    const one = change(loopOf(slugs, 1), (cur) => q.settings(cur, { shuffle_seed: 123456789 }));
    const two = change(
      change(loopOf(slugs, 2), (cur) => q.step(cur, 1)),
      (cur) => q.settings(cur, { shuffle_seed: 123456789 }),
    );
    expect(q.toState(one).shuffle_seed).to.equal(123456789);
    expect(q.playOrder(one)).to.deep.equal(q.playOrder(two));
    expect(q.playOrder(one)).to.deep.equal(deal(slugs, 123456789));
    const other = change(loopOf(slugs, 1), (cur) => q.settings(cur, { shuffle_seed: 987654321 }));
    expect(q.playOrder(other)).to.not.deep.equal(q.playOrder(one));
    // Played on from the same round's first item, the two loops deal the same rounds from the same seeds.
    const first = q.playOrder(one)[0] as string;
    const a = playRounds(
      change(one, (cur) => q.follow(cur, first)),
      10,
    );
    const b = playRounds(
      change(two, (cur) => q.follow(cur, first)),
      10,
    );
    expect(a.rounds).to.deep.equal(b.rounds);
    expect(a.seeds).to.deep.equal(b.seeds);
    expect(a.seeds[1]).to.equal(nextSeed(123456789));
    expect(a.seeds[2]).to.equal(nextSeed(nextSeed(123456789)));
  });

  it('removing the last item of a round while it plays starts the next round; a given seed is published as dealt', () => {
    let d = loopOf(names(5), 11);
    while (q.playOrder(d).indexOf(d.active as string) !== 4) d = playNext(d);
    const seed = d.seed as number;
    d = change(d, (cur) => q.remove(cur, cur.active as string));
    expect(d.seed).to.equal(nextSeed(seed));
    expect(d.active).to.equal(q.playOrder(d)[0]);
    expect(d.upcoming).to.deep.equal([]);
    // Whatever place the item on screen takes in the deal (the last included), the order is the deal.
    for (let given = 0; given < 20; given++) {
      const dealt = change(d, (cur) => q.settings(cur, { shuffle_seed: given }));
      expect(q.playOrder(dealt)).to.deep.equal(deal(q.slugsOf(d), given));
    }
  });

  it('mulberry32 gives the reference outputs (a change here would break shuffling alike across versions)', () => {
    const random = mulberry32(1);
    expect(random()).to.be.closeTo(0.6270739405881613, 1e-15);
    expect(nextSeed(1)).to.equal(Math.floor(0.6270739405881613 * 2 ** 32));
  });

  it('turning shuffle on deals a round that starts with the item on screen; off publishes no seed; a seed needs shuffle on', () => {
    let d = q.activate(loopOf(names(5), 5), 'item-c', lib);
    d = q.settings(d, { shuffle: false });
    expect(q.toState(d).shuffle_seed).to.equal(null);
    d = q.settings(d, { shuffle: true }, () => 77);
    expect(q.playOrder(d)[0]).to.equal('item-c');
    expect(q.toState(d).shuffle_seed).to.equal(77);
    const off = q.settings(d, { shuffle: false });
    expect(() => q.settings(off, { shuffle_seed: 3 })).to.throw(/shuffle_seed needs shuffle on/);
  });

  it('a version 1 document loads with its items and order kept and a seed dealt (read by the real store)', async () => {
    const dir = tempDir();
    try {
      const v1 = {
        items: names(3).map((slug) => ({ slug, repeat: null, duration: null })),
        active: 'item-b',
        mode: 'all',
        repeat: 2,
        image_duration: 10,
        shuffle: true,
        shuffled: ['item-b', 'item-c', 'item-a'],
        cue: 4,
      };
      writeFileSync(join(dir, 'loop.queue.json'), JSON.stringify({ schema: 1, data: v1 }));
      const store = new StateStore(dir, { reserveBytes: 0 }).scope('loop');
      const doc = await store.open<q.LoopDoc>('queue', {
        version: q.DOC_VERSION,
        schema: q.LoopDoc,
        migrations: q.migrations,
        defaults: () => q.emptyDoc({ mode: 'all', repeat: 1, image_duration: 1, shuffle: false }),
      });
      const d = doc.get();
      expect(doc.restored, 'not restored from defaults').to.equal(false);
      expect(d.items).to.deep.equal(v1.items);
      expect(d.shuffled).to.deep.equal(v1.shuffled);
      expect(d.active).to.equal('item-b');
      expect(d.cue).to.equal(4);
      expect(d.seed).to.be.a('number');
      expect(Number.isInteger(d.seed)).to.equal(true);
      // A loop without shuffle migrates with no seed.
      expect(q.migrateV1({ ...v1, shuffle: false, shuffled: [] }).seed).to.equal(null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
