// A corrupt state document (truncated, garbage, the wrong shape, a version this Loop does not know),
// played against the real Loop process: it is kept aside, the last good generation comes back with a
// loud log line, and the plugin runs. The store itself: no good generation means defaults, loudly.
import { Type } from '@sinclair/typebox';
import { expect } from 'chai';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MediaItem } from '../../core/protocol/media.js';
import { StateStore, type StoreReportLevel } from '../../core/store/store.js';
import { http, removeDir, startLoopProcess, tempDir, type LoopProcess } from '../helpers/loop.js';
import { mediaFixtures, uploadFiles } from '../helpers/media-files.js';
import { until } from '../helpers/wait.js';

type Corruption = (raw: string) => string;

const CORRUPTIONS: Array<[string, Corruption]> = [
  ['truncated', (raw) => raw.slice(0, Math.floor(raw.length / 2))],
  ['garbage', () => '\u0000\u00ff\u0013 not a document'],
  ['a valid envelope with the wrong shape', () => JSON.stringify({ schema: 1, data: { items: 'x' } })],
  ['a version this Loop does not know', (raw) => JSON.stringify({ ...(JSON.parse(raw) as object), schema: 99 })],
];

const corrupt = (file: string, how: Corruption): void => writeFileSync(file, how(readFileSync(file, 'utf8')));

const keptAside = (dir: string, name: string): string[] => readdirSync(dir).filter((f) => f.startsWith(`${name}.corrupt-`));

describe('store: a corrupt document restores its last good generation (real process)', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  let proc: LoopProcess | null = null;

  afterEach(async () => {
    await proc?.kill('SIGKILL');
    proc = null;
  });
  after(() => dirs.forEach(removeDir));

  for (const [kind, how] of CORRUPTIONS) {
    it(`the loop queue, ${kind}: the value saved before the last one comes back, and the bad file is kept`, async () => {
      const dataDir = tempDir('loop-corrupt-');
      dirs.push(dataDir);
      const config = { plugins: ['system', 'loop'] };
      proc = await startLoopProcess({ dataDir, config });
      for (const repeat of [7, 8]) {
        const r = await http('PATCH', `${proc.http}/api/loop/settings`, { repeat });
        expect(r.status, JSON.stringify(r.json)).to.equal(200);
      }
      await proc.stop();
      const state = join(dataDir, 'state');
      corrupt(join(state, 'loop.queue.json'), how);

      proc = await startLoopProcess({ dataDir, config });
      const r = await http('GET', `${proc.http}/api/loop`);
      expect(r.status, `the loop plugin runs: ${JSON.stringify(r.json)}\n${proc.output()}`).to.equal(200);
      expect((r.json.data as { repeat: number }).repeat, 'the last good generation').to.equal(7);
      expect(proc.output()).to.match(/ERROR.*loop\.queue is unusable \(.+\); kept as .*loop\.queue\.json\.corrupt-/);
      expect(proc.output()).to.match(/loop\.queue restored from generation 1/);
      expect(keptAside(state, 'loop.queue.json')).to.have.length(1);
    });
  }

  it('the media index, garbage: the library comes back (the index matters most: losing it loses the library)', async () => {
    const dataDir = tempDir('loop-corrupt-');
    dirs.push(dataDir);
    const config = { plugins: ['system', 'media'] };
    proc = await startLoopProcess({ dataDir, config });
    const f = await mediaFixtures();
    const up = await uploadFiles(`${proc.http}/api/media`, [{ path: f.png, name: 'still.png' }]);
    expect(up.status, JSON.stringify(up.json)).to.be.within(200, 299);
    const list = async (base: string): Promise<MediaItem[]> =>
      ((await http('GET', `${base}/api/media`)).json.data as { media: MediaItem[] }).media;
    const ready = (m: MediaItem[]): boolean => m.length === 1 && ['ready', 'completed'].includes(m[0]?.processing_status ?? '');
    const base = proc.http;
    await until(async () => ready(await list(base)), 30_000, 'the still to be converted');
    const [before] = await list(base);
    await proc.stop();
    corrupt(join(dataDir, 'state', 'media.library.json'), () => '{"schema":1,"data":{"items":[{"sha');

    proc = await startLoopProcess({ dataDir, config });
    expect(proc.output()).to.match(/media\.library is unusable/);
    expect(proc.output()).to.match(/media\.library restored from generation 1/);
    // The generation before the last names the item (converting, or ready when its original was kept).
    const [restored] = await list(proc.http);
    expect(restored?.slug).to.equal(before?.slug);
    expect(restored?.sha256).to.equal(before?.sha256);
    // Nothing the restored index does not name was deleted: the converted picture is still there
    // (beside it, the still's clip for the timeline: made again when the restored index lacks it).
    expect(readdirSync(join(dataDir, 'media', 'clips')).filter((f) => f.endsWith('.png'))).to.have.length(1);
    expect(keptAside(join(dataDir, 'state'), 'media.library.json')).to.have.length(1);
  });
});

describe('store: checked reads and generations (the StateStore itself)', () => {
  const Counter = Type.Object({ n: Type.Integer() });
  const open = (dir: string, reports: Array<[StoreReportLevel, string]>) =>
    new StateStore(dir, { report: (level, message) => reports.push([level, message]), reserveBytes: 0 }).open('counter', {
      version: 1,
      schema: Counter,
      defaults: () => ({ n: 0 }),
    });

  it('keeps three earlier generations, by rename and link', async () => {
    const dir = tempDir('loop-gen-');
    const doc = await open(dir, []);
    for (let n = 1; n <= 5; n++) await doc.set({ n });
    const gen = (suffix: string) =>
      (JSON.parse(readFileSync(join(dir, `counter.json${suffix}`), 'utf8')) as { data: { n: number } }).data.n;
    expect([gen(''), gen('.1'), gen('.2'), gen('.3')]).to.deep.equal([5, 4, 3, 2]);
    removeDir(dir);
  });

  it('with no good generation, defaults are used and said loudly (an error, which reaches bridge/event)', async () => {
    const dir = tempDir('loop-gen-');
    const doc = await open(dir, []);
    for (let n = 1; n <= 3; n++) await doc.set({ n });
    for (const suffix of ['', '.1', '.2']) writeFileSync(join(dir, `counter.json${suffix}`), '{"schema":1,"data":{"n":"x"}}');
    const reports: Array<[StoreReportLevel, string]> = [];
    const again = await open(dir, reports);
    expect(again.get()).to.deep.equal({ n: 0 });
    expect(reports.filter(([level]) => level === 'error').map(([, m]) => m)).to.include.members([
      'no good generation of counter: it starts from defaults',
    ]);
    expect(keptAside(dir, 'counter.json')).to.have.length(3);
    removeDir(dir);
  });

  it('a first start (no file at all) takes the defaults quietly', async () => {
    const dir = tempDir('loop-gen-');
    const reports: Array<[StoreReportLevel, string]> = [];
    expect((await open(dir, reports)).get()).to.deep.equal({ n: 0 });
    expect(reports).to.deep.equal([]);
    removeDir(dir);
  });
});
