// The loop held against the library and the disk, as a table: which items leave (the library no
// longer lists them), which stay marked and why, and that an empty library drops nothing.
import { expect } from 'chai';
import type { MediaItem } from '../../core/protocol/index.js';
import { newlyMarked, reconcile } from '../../plugins/loop/reconcile.js';
import { media } from '../helpers/player-fixtures.js';

const onDisk = new Set(['/m/a', '/m/b']);
const exists = (path: string): boolean => onDisk.has(path);

describe('loop reconcile: the loop against the library and the disk', () => {
  const library: MediaItem[] = [media('a'), media('b'), media('c'), media('busy', 'video', 'processing'), media('bad', 'video', 'failed')];
  const cases: Array<{ name: string; loop: string[]; library: MediaItem[]; gone: string[]; marks: Record<string, string> }> = [
    { name: 'everything playable: nothing changes', loop: ['a', 'b'], library, gone: [], marks: {} },
    { name: 'a slug the library no longer lists leaves', loop: ['a', 'x', 'b'], library, gone: ['x'], marks: {} },
    {
      name: 'a ready item whose file is not on disk is marked, not dropped',
      loop: ['a', 'c'],
      library,
      gone: [],
      marks: { c: 'file_missing' },
    },
    {
      name: 'converting and failed items are marked',
      loop: ['busy', 'bad'],
      library,
      gone: [],
      marks: { busy: 'converting', bad: 'failed' },
    },
    {
      name: 'an empty library drops nothing (fail closed)',
      loop: ['a', 'b'],
      library: [],
      gone: [],
      marks: { a: 'not_in_library', b: 'not_in_library' },
    },
    { name: 'an empty loop: nothing to do', loop: [], library, gone: [], marks: {} },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = reconcile(c.loop, c.library, exists);
      expect(r.gone).to.deep.equal(c.gone);
      expect(Object.fromEntries(r.marks)).to.deep.equal(c.marks);
    });
  }

  it('names the missing file of each item marked file_missing', () => {
    expect(Object.fromEntries(reconcile(['a', 'c'], library, exists).missingPaths)).to.deep.equal({ c: '/m/c' });
  });

  it('newlyMarked: only the slugs whose mark changed to the one asked', () => {
    const before = new Map([['a', 'file_missing' as const]]);
    const after = new Map([
      ['a', 'file_missing' as const],
      ['b', 'file_missing' as const],
      ['c', 'converting' as const],
    ]);
    expect(newlyMarked(before, after, 'file_missing')).to.deep.equal(['b']);
  });
});
