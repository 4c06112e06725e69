// The loop queue's rules, operation by operation: what each does, and what it refuses (and that
// a refusal leaves the queue as it was).
import { expect } from 'chai';
import { ActionError } from '../../core/protocol/index.js';
import { check } from '../../core/config/validate.js';
import * as q from '../../plugins/loop/queue.js';

const lib: q.LibraryLookup = (slug) =>
  slug.startsWith('ready') ? 'ready' : slug.startsWith('busy') ? 'pending' : slug.startsWith('bad') ? 'failed' : 'unknown';
const base = (): q.LoopDoc => q.emptyDoc({ mode: 'all', repeat: 2, image_duration: 10, shuffle: false });
function withItems(...slugs: string[]): q.LoopDoc {
  return slugs.reduce((d, s) => q.add(d, s, undefined, lib), base());
}
function refuses(fn: () => unknown, code: string, text: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ActionError);
    expect((err as ActionError).code).to.equal(code);
    expect((err as ActionError).message).to.match(text);
    return;
  }
  expect.fail('expected an ActionError');
}

describe('loop queue', () => {
  it('the first item added to an empty loop becomes active and is cued', () => {
    const d = q.add(base(), 'ready-a', undefined, lib);
    expect(d.active).to.equal('ready-a');
    expect(d.cue).to.equal(1);
    const d2 = q.add(d, 'ready-b', undefined, lib);
    expect(d2.active).to.equal('ready-a');
    expect(d2.cue).to.equal(1);
    expect(q.slugsOf(d2)).to.deep.equal(['ready-a', 'ready-b']);
  });

  it('adds at a position, and accepts items still converting', () => {
    const d = q.add(withItems('ready-a', 'ready-b'), 'busy-c', 1, lib);
    expect(q.slugsOf(d)).to.deep.equal(['ready-a', 'busy-c', 'ready-b']);
  });

  it('refuses unknown, failed, duplicate slugs and out-of-range positions, leaving the queue unchanged', () => {
    const d = withItems('ready-a');
    const before = JSON.stringify(d);
    refuses(() => q.add(d, 'nope', undefined, lib), 'not_found', /no media item "nope"/);
    refuses(() => q.add(d, 'bad-x', undefined, lib), 'conflict', /failed to convert/);
    refuses(() => q.add(d, 'ready-a', undefined, lib), 'conflict', /already in the loop/);
    refuses(() => q.add(d, 'ready-b', 5, lib), 'invalid', /position 5 is out of range.*0\.\.1/);
    refuses(() => q.add(d, 'ready-b', undefined, () => 'no_library'), 'unavailable', /media library has not published/);
    expect(JSON.stringify(d)).to.equal(before);
  });

  it('removing the active item hands over to the next one and cues it; removing the last empties it', () => {
    let d = withItems('ready-a', 'ready-b', 'ready-c');
    d = q.remove(d, 'ready-a');
    expect(d.active).to.equal('ready-b');
    expect(d.cue).to.equal(2);
    d = q.remove(d, 'ready-c');
    expect(d.active).to.equal('ready-b');
    expect(d.cue).to.equal(2);
    d = q.remove(d, 'ready-b');
    expect(d.active).to.equal(null);
    expect(d.items).to.have.length(0);
    refuses(() => q.remove(d, 'ready-b'), 'not_found', /not in the loop/);
  });

  it('removing the active last item wraps to the first', () => {
    const d = q.activate(withItems('ready-a', 'ready-b', 'ready-c'), 'ready-c', lib);
    expect(q.remove(d, 'ready-c').active).to.equal('ready-a');
  });

  it('reorder takes a full permutation and keeps per-item settings and the active item', () => {
    let d = q.setItem(withItems('ready-a', 'ready-b', 'ready-c'), 'ready-b', { repeat: 5 });
    d = q.reorder(d, ['ready-c', 'ready-a', 'ready-b']);
    expect(q.slugsOf(d)).to.deep.equal(['ready-c', 'ready-a', 'ready-b']);
    expect(d.items[2]?.repeat).to.equal(5);
    expect(d.active).to.equal('ready-a');
    expect(q.toState(d).current_index).to.equal(1);
  });

  it('reorder refuses duplicates, unknown slugs and missing ones, naming each', () => {
    const d = withItems('ready-a', 'ready-b', 'ready-c');
    refuses(() => q.reorder(d, ['ready-a', 'ready-a', 'ready-b', 'ready-c']), 'invalid', /duplicates: ready-a/);
    refuses(() => q.reorder(d, ['ready-a', 'ready-b', 'ready-c', 'ready-z']), 'invalid', /not in the loop: ready-z/);
    refuses(() => q.reorder(d, ['ready-a', 'ready-b']), 'invalid', /missing from the new order: ready-c/);
    try {
      q.reorder(d, ['ready-b', 'ready-b', 'x']);
    } catch (err) {
      expect((err as ActionError).data).to.deep.equal({ duplicates: ['ready-b'], unknown: ['x'], missing: ['ready-a', 'ready-c'] });
    }
  });

  it('move shifts one item and refuses indexes out of range', () => {
    const d = withItems('ready-a', 'ready-b', 'ready-c');
    expect(q.slugsOf(q.move(d, 0, 2))).to.deep.equal(['ready-b', 'ready-c', 'ready-a']);
    expect(q.slugsOf(q.move(d, 2, 0))).to.deep.equal(['ready-c', 'ready-a', 'ready-b']);
    refuses(() => q.move(d, 3, 0), 'invalid', /from index 3 is out of range: the loop has 3 items \(0\.\.2\)/);
    refuses(() => q.move(d, 0, 9), 'invalid', /to index 9/);
    refuses(() => q.move(base(), 0, 0), 'invalid', /the loop is empty/);
  });

  it('activate cues an item, adding it when absent, and refuses unknown slugs', () => {
    let d = withItems('ready-a', 'ready-b');
    d = q.activate(d, 'ready-b', lib);
    expect(d.active).to.equal('ready-b');
    expect(d.cue).to.equal(2);
    d = q.activate(d, 'ready-b', lib);
    expect(d.cue).to.equal(3);
    d = q.activate(d, 'ready-new', lib);
    expect(q.slugsOf(d)).to.deep.equal(['ready-a', 'ready-b', 'ready-new']);
    expect(d.active).to.equal('ready-new');
    refuses(() => q.activate(d, 'missing', lib), 'not_found', /no media item/);
  });

  it('next and previous walk the play order round, and refuse an empty loop', () => {
    let d = withItems('ready-a', 'ready-b', 'ready-c');
    d = q.step(d, 1);
    expect(d.active).to.equal('ready-b');
    d = q.step(q.step(d, 1), 1);
    expect(d.active).to.equal('ready-a');
    d = q.step(d, -1);
    expect(d.active).to.equal('ready-c');
    expect(d.cue).to.equal(5);
    refuses(() => q.step(base(), 1), 'conflict', /the loop is empty/);
  });

  it('clear empties the loop and cues nothing to play', () => {
    const d = q.clear(withItems('ready-a', 'ready-b'));
    expect(d.items).to.deep.equal([]);
    expect(d.active).to.equal(null);
    expect(d.cue).to.equal(2);
  });

  it('per-item overrides set and reset, and refuse slugs not in the loop', () => {
    let d = q.setItem(withItems('ready-a'), 'ready-a', { repeat: 3, duration: 4 });
    expect(d.items[0]).to.deep.equal({ slug: 'ready-a', repeat: 3, duration: 4 });
    d = q.setItem(d, 'ready-a', { repeat: null });
    expect(d.items[0]).to.deep.equal({ slug: 'ready-a', repeat: null, duration: 4 });
    refuses(() => q.setItem(d, 'ready-z', { repeat: 2 }), 'not_found', /not in the loop/);
  });

  it('shuffle deals a permutation starting with the active item and keeps it a permutation through changes', () => {
    let d = withItems('ready-a', 'ready-b', 'ready-c', 'ready-d', 'ready-e');
    d = q.settings(d, { shuffle: true }, () => 7);
    const order = q.playOrder(d);
    expect(order[0]).to.equal('ready-a');
    expect([...order].sort()).to.deep.equal(q.slugsOf(d).sort());
    d = q.add(d, 'ready-f', undefined, lib);
    d = q.remove(d, 'ready-c');
    expect([...q.playOrder(d)].sort()).to.deep.equal(q.slugsOf(d).sort());
    expect(q.toState(d).order).to.deep.equal(q.playOrder(d));
    d = q.settings(d, { shuffle: false });
    expect(q.playOrder(d)).to.deep.equal(q.slugsOf(d));
  });

  it('follow moves the active item without a cue, and ignores slugs not in the loop', () => {
    const d = withItems('ready-a', 'ready-b');
    const f = q.follow(d, 'ready-b');
    expect(f.active).to.equal('ready-b');
    expect(f.cue).to.equal(d.cue);
    expect(q.follow(d, 'ready-z')).to.equal(d);
  });

  it('drop of a deleted slug is silent when absent', () => {
    const d = withItems('ready-a');
    expect(q.drop(d, 'ready-z')).to.equal(d);
  });

  it('recognises its own documents and rejects others (the schema the store checks on read)', () => {
    expect(check(q.LoopDoc, withItems('ready-a'))).to.deep.equal([]);
    expect(check(q.LoopDoc, { items: 'x' })).to.not.deep.equal([]);
    expect(check(q.LoopDoc, null)).to.not.deep.equal([]);
  });
});
