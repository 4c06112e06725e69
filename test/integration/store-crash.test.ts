// Pulling the power mid-write: a child writes hundreds of values, we SIGKILL it at random moments,
// and every time the document parses and holds the last acknowledged value or a newer one.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';
import { Type } from '@sinclair/typebox';
import { StateStore } from '../../core/store/store.js';
import { tempDir } from '../helpers/loop.js';
import { withDeadline } from '../helpers/wait.js';

const WRITER = join(packageRoot, 'dist', 'test', 'fixtures', 'store-writer.js');

function runAndKill(dir: string, killAfterAcks: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let lastAck = 0;
    let acksThisRun = 0;
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        const m = /^ack (\d+)$/.exec(l);
        if (!m) continue;
        lastAck = Number(m[1]);
        if (++acksThisRun === killAfterAcks) child.kill('SIGKILL');
      }
    });
    child.on('exit', () => resolve(lastAck));
    child.on('error', reject);
  });
}

describe('store: atomic writes survive kill -9', function () {
  this.timeout(120_000);

  it('after 25 random SIGKILLs mid-write, the document always parses and is >= the last ack', async () => {
    const dir = tempDir('loop-store-');
    let total = 0;
    for (let round = 0; round < 25; round++) {
      const acked = await withDeadline(runAndKill(dir, 20 + Math.floor(Math.random() * 60)), 20_000, 'writer');
      const raw = readFileSync(join(dir, 'counter.json'), 'utf8');
      const doc = JSON.parse(raw) as { schema: number; data: { n: number } };
      expect(doc.schema).to.equal(1);
      expect(doc.data.n, `round ${round}`).to.be.at.least(acked);
      total += acked > 0 ? 1 : 0;
    }
    expect(total).to.equal(25);
    // Reopening cleans the temp files a killed writer may have left.
    const store = new StateStore(dir);
    await store.open('counter', { version: 1, schema: Type.Object({ n: Type.Integer() }), defaults: () => ({ n: 0 }) });
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).to.deep.equal([]);
  });

  it('migrates old documents; a newer one is kept aside and the last generation this Loop understands restored', async () => {
    const dir = tempDir('loop-store-');
    const v1 = new StateStore(dir);
    const schemaV1 = Type.Object({ items: Type.Array(Type.String()) });
    const d1 = await v1.open<{ items: string[] }>('lib', { version: 1, schema: schemaV1, defaults: () => ({ items: ['a'] }) });
    await d1.set({ items: ['a', 'b'] });
    const v2 = new StateStore(dir);
    const d2 = await v2.open<{ items: Array<{ slug: string }> }>('lib', {
      version: 2,
      schema: Type.Object({ items: Type.Array(Type.Object({ slug: Type.String() })) }),
      defaults: () => ({ items: [] }),
      migrations: { 2: (old) => ({ items: (old as { items: string[] }).items.map((slug) => ({ slug })) }) },
    });
    expect(d2.get()).to.deep.equal({ items: [{ slug: 'a' }, { slug: 'b' }] });
    expect((JSON.parse(readFileSync(join(dir, 'lib.json'), 'utf8')) as { schema: number }).schema).to.equal(2);
    const reports: string[] = [];
    const older = new StateStore(dir, { report: (_level, message) => reports.push(message) });
    const d3 = await older.open<{ items: string[] }>('lib', { version: 1, schema: schemaV1, defaults: () => ({ items: [] }) });
    expect(d3.get()).to.deep.equal({ items: ['a', 'b'] });
    expect(reports.join('\n')).to.match(/newer than this Loop understands/);
    expect(readdirSync(dir).some((f) => f.startsWith('lib.json.corrupt-'))).to.equal(true);
  });

  it('coalesces a burst of writes and resolves every caller', async () => {
    const dir = tempDir('loop-store-');
    const doc = await new StateStore(dir).open<number>('burst', { version: 1, schema: Type.Number(), defaults: () => 0 });
    await Promise.all(Array.from({ length: 200 }, (_, i) => doc.set(i + 1)));
    expect((JSON.parse(readFileSync(join(dir, 'burst.json'), 'utf8')) as { data: unknown }).data).to.equal(200);
  });

  it('a deferred value is not written at once, and is written by flush (as at shutdown)', async () => {
    const dir = tempDir('loop-store-');
    const doc = await new StateStore(dir).open<number>('lazy', { version: 1, schema: Type.Number(), defaults: () => 0 });
    await doc.set(1);
    doc.setDeferred(2, 60_000);
    expect(doc.get()).to.equal(2);
    await new Promise((r) => setTimeout(r, 50));
    expect((JSON.parse(readFileSync(join(dir, 'lazy.json'), 'utf8')) as { data: unknown }).data).to.equal(1);
    await doc.flush();
    expect((JSON.parse(readFileSync(join(dir, 'lazy.json'), 'utf8')) as { data: unknown }).data).to.equal(2);
  });
});
