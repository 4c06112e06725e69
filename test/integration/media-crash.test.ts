// kill -9 at random moments (mid-upload, mid-conversion, mid-delete), many times, on one data
// directory: after each restart no entry points at a missing file, no temp file is left, every
// file belongs to an entry, and interrupted jobs end ready (re-queued) or failed.
import { randomBytes } from 'node:crypto';
import { copyFile, appendFile, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import type { LibraryDoc } from '../../plugins/media/library.js';
import type { MediaItem } from '../../core/protocol/media.js';
import { http, removeDir, startLoopProcess, tempDir, type LoopProcess } from '../helpers/loop.js';
import { mediaFixtures, uploadFiles } from '../helpers/media-files.js';

const ROUNDS = Number(process.env.LOOP_CRASH_ROUNDS ?? 12);

async function libraryIndex(dataDir: string): Promise<LibraryDoc> {
  const dir = join(dataDir, 'state');
  const name = (await readdir(dir).catch(() => [] as string[])).find((n) => /^media\.library\.json$/.test(n));
  if (!name) return { items: [] };
  return (JSON.parse(await readFile(join(dir, name), 'utf8')) as { data: LibraryDoc }).data;
}

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Every item ready or failed, in the API and in the index file (whose write lands just after). */
async function waitSettled(base: string, dataDir: string, timeoutMs = 40_000): Promise<MediaItem[]> {
  const end = Date.now() + timeoutMs;
  const done = (s: string): boolean => s === 'ready' || s === 'completed' || s === 'failed';
  for (;;) {
    const r = await http('GET', `${base}/api/media`);
    const media = (r.json.data as { media: MediaItem[] }).media;
    const index = await libraryIndex(dataDir);
    if (media.every((m) => done(m.processing_status)) && index.items.length === media.length && index.items.every((e) => done(e.status)))
      return media;
    if (Date.now() > end)
      throw new Error(
        `not settled: ${JSON.stringify(media.map((m) => [m.slug, m.processing_status]))} index: ${JSON.stringify(index.items.map((e) => [e.slug, e.status]))} ${(await readdir(dataDir)).join(',')}`,
      );
    await new Promise((res) => setTimeout(res, 100));
  }
}

/**
 * The invariants, checked on disk against the index itself. `settled`: no job runs, so every file
 * must belong to an entry; before that, re-queued jobs may hold temp files and a finished job may
 * be between dropping its original from the index and unlinking it (the safe order).
 */
async function checkInvariants(dataDir: string, settled: boolean): Promise<void> {
  const doc = await libraryIndex(dataDir);
  const media = join(dataDir, 'media');
  const owned = new Set<string>();
  for (const e of doc.items) {
    for (const rel of [e.original, e.clip, e.thumbnail, e.still_clip?.file]) {
      if (!rel) continue;
      expect(await exists(join(media, rel)), `${e.slug} (${e.status}) names ${rel}, which must exist`).to.equal(true);
      owned.add(rel);
    }
    if (e.status === 'ready') expect(e.clip && e.thumbnail, `${e.slug} ready with files`).to.be.a('string');
    // A still's clip is renamed into place with its picture, before the index names either.
    if (settled && e.status === 'ready' && e.kind === 'image')
      expect(e.still_clip, `${e.slug} ready with its still clip`).to.be.an('object');
    if (e.status !== 'ready')
      expect(e.original !== null || e.status === 'failed', `${e.slug} ${e.status} needs its original`).to.equal(true);
  }
  for (const dir of settled ? ['incoming', 'originals', 'clips', 'thumbs'] : ['incoming']) {
    for (const name of await readdir(join(media, dir)).catch(() => [] as string[])) {
      expect(owned.has(`${dir}/${name}`), `${dir}/${name} belongs to an entry (no orphan or temp file)`).to.equal(true);
    }
  }
  if (settled) {
    const temps = (await readdir(join(dataDir, 'state')).catch(() => [] as string[])).filter((n) => n.includes('.tmp-'));
    expect(temps, 'no state temp files').to.deep.equal([]);
  }
}

describe('media survives kill -9 at any moment', function () {
  this.timeout(ROUNDS * 20_000 + 60_000);
  const dataDir = tempDir('loop-media-crash-');
  const work = tempDir('loop-media-crash-src-');
  let proc: LoopProcess | null = null;

  after(async () => {
    await proc?.kill('SIGKILL');
    removeDir(dataDir);
    removeDir(work);
  });

  it(`keeps the library consistent through ${ROUNDS} random kills`, async () => {
    const f = await mediaFixtures();
    const sources = [f.long, f.mp4, f.gif, f.png, f.webm];
    const config = { plugins: ['system', 'media'], log: { level: 'info' }, media: { max_upload_bytes: 64 * 1024 * 1024 } };
    const seen = { upload: 0, convert: 0, delete: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      proc = await startLoopProcess({ dataDir, config });
      // Right after the restart, before anything new happens: the state recovery left behind.
      await checkInvariants(dataDir, false).catch((err: Error) => {
        throw new Error(`round ${round}, after restart: ${err.message}\n${proc?.output()}`);
      });
      const settled = await waitSettled(proc.http, dataDir);
      await checkInvariants(dataDir, true).catch((err: Error) => {
        throw new Error(`round ${round}, settled: ${err.message}`);
      });
      expect(
        settled.filter((m) => m.processing_status === 'failed'),
        'only undecodable media may fail',
      ).to.deep.equal([]);

      // Something to interrupt: an upload (unique bytes, sometimes slow), often with a conversion, or a delete.
      const action = settled.length > 2 && Math.random() < 0.3 ? 'delete' : 'upload';
      if (action === 'delete') {
        const victim = settled[Math.floor(Math.random() * settled.length)] as MediaItem;
        void http('DELETE', `${proc.http}/api/media/${victim.slug}`).catch(() => undefined);
        seen.delete++;
      } else {
        const src = sources[round % sources.length] as string;
        const copy = join(work, `r${round}-${src.split('/').pop()}`);
        await copyFile(src, copy);
        await appendFile(copy, randomBytes(32)); // new content, same media
        void uploadFiles(`${proc.http}/api/media`, [{ path: copy, name: `round ${round}.${src.split('.').pop()}` }], {
          bytesPerSecond: Math.random() < 0.5 ? 8 * 1024 * 1024 : undefined,
        }).then(
          () => seen.convert++,
          () => seen.upload++,
        );
      }
      await new Promise((res) => setTimeout(res, Math.random() * (action === 'delete' ? 40 : 1500)));
      await proc.kill('SIGKILL');
      proc = null;
    }
    proc = await startLoopProcess({ dataDir, config });
    await checkInvariants(dataDir, false);
    await waitSettled(proc.http, dataDir);
    await checkInvariants(dataDir, true);
    // Every ready item is really there and plays from its path.
    const media = await waitSettled(proc.http, dataDir);
    for (const m of media) expect(await exists(m.path as string)).to.equal(true);
    await proc.stop();
    proc = null;
    // The kills landed in different places (uploads cut, conversions cut, deletions).
    expect(seen.upload + seen.convert + seen.delete).to.equal(ROUNDS);
  });
});
