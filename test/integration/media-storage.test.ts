// When storage runs out (a quota, or a really full disk) an upload is refused cleanly (507) and
// nothing already stored is damaged.
import { skipBecause } from '../helpers/skip.js';
import { execFile } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type { MediaItem, MediaStorage, UploadResult } from '../../core/protocol/media.js';
import { makeClip } from '../helpers/clips.js';
import { http, removeDir, startTestLoop, tempDir, type TestLoop } from '../helpers/loop.js';
import { mediaFixtures, playableByMpv, uploadFiles, waitItem } from '../helpers/media-files.js';

const run = promisify(execFile);

async function intact(loop: TestLoop, slug: string): Promise<void> {
  const item = await waitItem(loop.http, slug, (x) => x.processing_status === 'completed');
  expect(await playableByMpv(item.path as string)).to.equal(true);
  expect(await readdir(join(loop.dataDir, 'media', 'incoming'))).to.deep.equal([]);
}

describe('media when storage runs out', function () {
  this.timeout(90_000);

  it('refuses an upload past media.max_storage_bytes with 507, keeping what is stored', async () => {
    const f = await mediaFixtures();
    const loop = await startTestLoop({ plugins: ['system', 'media'], media: { max_storage_bytes: 2 * 1024 * 1024, min_free_bytes: 0 } });
    try {
      const ok = await uploadFiles(`${loop.http}/api/media`, [{ path: f.mp4, name: 'fits.mp4' }]);
      expect(ok.status).to.equal(200);
      const slug = (ok.json.data as { slug: string }).slug;
      await intact(loop, slug);
      const big = await uploadFiles(`${loop.http}/api/media`, [{ path: f.long, name: 'too much.mp4' }]);
      expect(big.status, JSON.stringify(big.json)).to.equal(507);
      expect(big.json.code).to.equal('storage_full');
      expect(big.json.message).to.match(/not enough room in the library.*max_storage_bytes/);
      await intact(loop, slug);
      const list = (await http('GET', `${loop.http}/api/media`)).json.data as {
        media: MediaItem[];
        storage: MediaStorage;
      };
      expect(list.media).to.have.length(1);
      expect(list.storage.quota_bytes).to.equal(2 * 1024 * 1024);
      expect(list.storage.used_bytes)
        .to.be.greaterThan(0)
        .and.below(2 * 1024 * 1024);
      // The room is the quota's rest here (the disk has far more free): what the page's bar measures against.
      expect(list.storage.room_bytes).to.equal(2 * 1024 * 1024 - list.storage.used_bytes);
      expect(list.storage.disk_bytes).to.be.greaterThan(list.storage.free_bytes ?? Infinity);
    } finally {
      await loop.stop();
      removeDir(loop.dataDir);
    }
  });

  it('refuses an upload that fills a real disk (a 24 MB tmpfs) with 507 and keeps the library working', async function () {
    const dir = tempDir('loop-media-tmpfs-');
    const mnt = join(dir, 'disk');
    mkdirSync(mnt);
    try {
      await run('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mnt]);
    } catch {
      removeDir(dir);
      skipBecause(this, 'mounting a tmpfs needs root; the quota test covers the same logic');
    }
    const f = await mediaFixtures();
    let loop: TestLoop | null = null;
    try {
      // No quota (a share of a 24 MB disk would refuse first): this is about the disk itself filling.
      loop = await startTestLoop(
        { plugins: ['system', 'media'], media: { min_free_bytes: 0, max_upload_bytes: 100 * 1024 * 1024, max_storage_bytes: 1e12 } },
        { dataDir: join(mnt, 'data') },
      );
      const ok = await uploadFiles(`${loop.http}/api/media`, [{ path: f.mp4, name: 'first.mp4' }]);
      expect(ok.status).to.equal(200);
      const slug = (ok.json.data as { slug: string }).slug;
      await intact(loop, slug);
      // 40 MB onto 24 MB, declared: refused before a byte is stored.
      const declared = await uploadFiles(`${loop.http}/api/media`, [{ bytes: { size: 40 * 1024 * 1024 }, name: 'too big.mp4' }]);
      expect(declared.status, JSON.stringify(declared.json)).to.equal(507);
      expect(declared.json.message).to.match(/not enough free space on the device/);
      // The same, chunked (no length to check): the disk really fills, ENOSPC mid-stream.
      const full = await uploadFiles(`${loop.http}/api/media`, [{ bytes: { size: 40 * 1024 * 1024 }, name: 'fills the disk.mp4' }], {
        chunked: true,
      });
      expect(full.status, JSON.stringify(full.json)).to.equal(507);
      expect(full.json.message).to.match(/no space left/);
      await intact(loop, slug);
      // The space came back with the partial file: the next upload works, and so does the index.
      const next = await uploadFiles(`${loop.http}/api/media`, [{ path: f.gif, name: 'after.gif' }]);
      expect(next.status, JSON.stringify(next.json)).to.equal(200);
      await intact(loop, (next.json.data as { slug: string }).slug);
      const { stdout } = await run('df', ['-B1', '--output=avail', mnt]);
      expect(Number(stdout.trim().split('\n')[1])).to.be.greaterThan(15 * 1024 * 1024);
    } finally {
      await loop?.stop();
      await run('umount', [mnt]).catch(() => undefined);
      try {
        rmdirSync(mnt);
      } catch {
        /* still mounted: left for the OS */
      }
      removeDir(dir);
    }
  });

  it('bounds the conversions one client can queue; another client still gets through, and the refusal names the bound', async () => {
    // 12 s clips: each conversion outlasts the upload of the next parts, so the queue really fills.
    const clips = await Promise.all([0, 1, 2, 3].map((n) => makeClip({ seconds: 12, size: '640x480', name: `queued-${n}` })));
    const loop = await startTestLoop({
      plugins: ['system', 'media'],
      media: { max_queued_jobs: 3, max_queued_jobs_per_client: 2, min_free_bytes: 0 },
    });
    try {
      const flood = await uploadFiles(
        `${loop.http}/api/media`,
        clips.slice(0, 3).map((path, n) => ({ path, name: `flood-${n}.mp4` })),
      );
      expect(flood.status, JSON.stringify(flood.json)).to.equal(200);
      const data = flood.json.data as UploadResult;
      expect(data.items).to.have.length(2);
      expect(data.errors).to.have.length(1);
      expect(data.errors[0]).to.include({ code: 'busy' });
      expect(data.errors[0]?.error).to.match(/media\.max_queued_jobs_per_client/);
      // The owner, from another address, is not held back by that client's queue.
      const owner = await uploadFiles(`${loop.http}/api/media`, [{ path: clips[3], name: 'owner.mp4' }], { localAddress: '127.0.0.2' });
      expect(owner.status, JSON.stringify(owner.json)).to.equal(200);
      // Now the whole queue is full: a third address is refused with 429, naming the total bound.
      const third = await uploadFiles(`${loop.http}/api/media`, [{ path: clips[0], name: 'third.mp4' }], { localAddress: '127.0.0.3' });
      expect(third.status, JSON.stringify(third.json)).to.equal(429);
      expect(String(third.json.message)).to.match(/media\.max_queued_jobs\b/);
    } finally {
      await loop.stop();
    }
  });
});
