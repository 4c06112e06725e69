// The media library as a user meets it over HTTP: upload, conversion, refusal, the library, files.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import type { MediaItem, V1MediaItem, UploadResult } from '../../core/protocol/media.js';
import { http, removeDir, startTestLoop, type TestLoop } from '../helpers/loop.js';
import {
  hostileNames,
  mediaFiles as mediaFilesOnDisk,
  mediaFixtures,
  playableByMpv,
  streamInfo,
  uploadFiles,
  waitItem,
  type MediaFixtures,
} from '../helpers/media-files.js';

const uploadData = (r: { json: Record<string, unknown> }): UploadResult => r.json.data as UploadResult;

describe('media library over HTTP', function () {
  this.timeout(120_000);
  let loop: TestLoop;
  let f: MediaFixtures;
  const url = (): string => `${loop.http}/api/media`;

  before(async () => {
    f = await mediaFixtures();
    loop = await startTestLoop({ plugins: ['system', 'media'], media: { max_upload_bytes: 16 * 1024 * 1024 } });
  });
  after(async () => {
    await loop?.stop();
    if (loop) removeDir(loop.dataDir);
  });

  it("converts every accepted kind (mp4, mov, webm, gif, png, jpg) to the screen's profile, playable by mpv, with a thumbnail", async () => {
    const files = [f.mp4, f.mov, f.webm, f.gif, f.png, f.jpg];
    const slugs: string[] = [];
    for (const path of files) {
      const r = await uploadFiles(url(), [{ path, name: path.split('/').pop() as string }]);
      expect(r.status, JSON.stringify(r.json)).to.equal(200);
      const d = uploadData(r);
      expect(d.job_ids).to.have.length(1);
      expect(d.items[0]?.result).to.equal('queued');
      slugs.push(d.slug as string);
    }
    for (const [i, slug] of slugs.entries()) {
      const item = await waitItem(loop.http, slug, (x) => x.processing_status === 'completed' || x.processing_status === 'failed');
      expect(item.processing_status, `${files[i]}: ${item.error}`).to.equal('completed');
      expect(item.path).to.be.a('string');
      expect(item.width).to.equal(320);
      expect(item.height).to.equal(240);
      expect(await playableByMpv(item.path as string), `mpv plays ${files[i]}`).to.equal(true);
      const info = await streamInfo(item.path as string);
      if (item.kind === 'video') {
        expect(info).to.include({ codec_name: 'h264', pix_fmt: 'yuv420p', width: '320', height: '240', avg_frame_rate: '25/1' });
        expect(item.duration).to.be.greaterThan(0.5);
      } else {
        expect(info).to.include({ codec_name: 'png', width: '320', height: '240' });
      }
      const thumb = await fetch(`${loop.http}${item.thumbnail_url}`);
      expect(thumb.status).to.equal(200);
      expect(thumb.headers.get('content-type')).to.equal('image/jpeg');
      expect(
        Buffer.from(await thumb.arrayBuffer())
          .subarray(0, 2)
          .toString('hex'),
      ).to.equal('ffd8');
    }
    const gif = await waitItem(loop.http, slugs[3] as string, () => true);
    expect(gif.kind).to.equal('video');
    expect(gif.type).to.equal('image/gif');
    const mov = await waitItem(loop.http, slugs[1] as string, () => true);
    expect(mov.type).to.equal('video/quicktime');
    expect(mov.source).to.include({ width: 480, height: 640 });
    // Originals go once converted (media.keep_originals: false).
    expect((await mediaFilesOnDisk(loop.dataDir)).originals).to.deep.equal([]);
  });

  it("lists the library in the first version's shape", async () => {
    const r = await http('GET', url());
    expect(r.status).to.equal(200);
    expect(r.json.success).to.equal(true);
    const data = r.json.data as { media: MediaItem[]; active: unknown; last_updated: string };
    expect(data).to.have.keys('media', 'active', 'last_updated', 'storage');
    expect(data.media.length).to.be.greaterThanOrEqual(6);
    expect(data.media[0]).to.include.keys(
      'slug',
      'filename',
      'type',
      'size',
      'uploadedAt',
      'url',
      'duration',
      'width',
      'height',
      'frame_count',
      'processing_status',
    );
    expect(data.active).to.equal(null);
  });

  it('serves clips with long-lived caching and byte ranges, and nothing outside clips/ and thumbs/', async () => {
    const { json } = await http('GET', url());
    const item = (json.data as { media: MediaItem[] }).media.find((m) => m.kind === 'video') as MediaItem;
    const whole = await fetch(`${loop.http}${item.url}`);
    expect(whole.status).to.equal(200);
    expect(whole.headers.get('content-type')).to.equal('video/mp4');
    expect(whole.headers.get('cache-control')).to.include('immutable');
    expect(whole.headers.get('etag')).to.be.a('string');
    const bytes = Buffer.from(await whole.arrayBuffer());
    const part = await fetch(`${loop.http}${item.url}`, { headers: { range: 'bytes=100-199' } });
    expect(part.status).to.equal(206);
    expect(part.headers.get('content-range')).to.equal(`bytes 100-199/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).to.equal(true);
    for (const bad of [
      '/media/files/../state',
      '/media/files/originals/x.mp4',
      '/media/files/clips/.tmp-x.mp4',
      '/media/files/%2e%2e/%2e%2e/etc/passwd',
    ]) {
      expect((await fetch(`${loop.http}${bad}`)).status, bad).to.equal(404);
    }
  });

  it('refuses what is not media, says what it found, and leaves nothing behind', async () => {
    const before = (await http('GET', url())).json.data as { media: MediaItem[] };
    const cases: Array<[string, number, RegExp]> = [
      [f.truncated, 415, /MP4\/QuickTime.*moov atom not found/],
      [f.random, 415, /not a picture or video: found unrecognised binary data/],
      [f.empty, 415, /the file is empty/],
      [f.text, 415, /found text/],
      [f.audio, 415, /not a picture or video: .*audio aac/],
      [f.bomb, 413, /50000x50000.*refused before decoding/],
    ];
    for (const [path, status, message] of cases) {
      const r = await uploadFiles(url(), [{ path, name: path.split('/').pop() as string }]);
      expect(r.status, `${path}: ${JSON.stringify(r.json)}`).to.equal(status);
      expect(r.json.success).to.equal(false);
      expect(r.json.message).to.match(message);
      expect(String(r.json.message)).to.not.include(loop.dataDir);
    }
    const after = (await http('GET', url())).json.data as { media: MediaItem[] };
    expect(after.media.length).to.equal(before.media.length);
    const disk = await mediaFilesOnDisk(loop.dataDir);
    expect(disk.incoming).to.deep.equal([]);
    expect(disk.originals).to.deep.equal([]);
  });

  it('refuses a file over the size limit with 413 and removes the partial file', async () => {
    const r = await uploadFiles(url(), [{ bytes: { size: 40 * 1024 * 1024 }, name: 'huge.mp4' }]);
    expect(r.status).to.equal(413);
    expect(r.json.message).to.match(/larger than the upload limit of 16 MiB/);
    expect((await mediaFilesOnDisk(loop.dataDir)).incoming).to.deep.equal([]);
  });

  it('keeps hostile names as metadata only', async () => {
    const names = [hostileNames.traversal, hostileNames.quotes, hostileNames.emoji, hostileNames.windows];
    const sources = [f.mp4, f.gif, f.jpg, f.png];
    // Same content as earlier uploads: these come back as the existing items, so make new content by name only where needed.
    const r = await uploadFiles(
      url(),
      names.map((name, i) => ({ path: sources[i] as string, name })),
    );
    expect(r.status, JSON.stringify(r.json)).to.equal(200);
    for (const it of uploadData(r).items) expect(it.slug).to.match(/^[a-z0-9_-]+_[0-9a-f]{16}$/);
    const disk = await mediaFilesOnDisk(loop.dataDir);
    for (const list of Object.values(disk)) for (const name of list) expect(name).to.match(/^[0-9a-f]{64}-[0-9a-f]{8}\.(mp4|png|jpg)$/);
  });

  it('answers an upload of content already in the library with the existing item, and 409 while it is being processed', async () => {
    const first = await uploadFiles(url(), [{ path: f.long, name: 'long one.mp4' }]);
    expect(first.status).to.equal(200);
    const slug = uploadData(first).slug as string;
    expect(slug).to.match(/^long_one_[0-9a-f]{16}$/);
    const again = await uploadFiles(url(), [{ path: f.long, name: 'renamed.mp4' }]);
    expect(again.status, JSON.stringify(again.json)).to.equal(409);
    expect(again.json.message).to.match(/already being processed/);
    await waitItem(loop.http, slug, (x) => x.processing_status === 'completed');
    const third = await uploadFiles(url(), [{ path: f.long, name: 'third.mp4' }]);
    expect(third.status).to.equal(200);
    expect(uploadData(third).items[0]).to.include({ result: 'exists', slug, job_id: null });
    const all = (await http('GET', url())).json.data as { media: V1MediaItem[] };
    expect(all.media.filter((m) => m.slug === slug)).to.have.length(1);
  });

  it('deletes an item with its files, even while it converts', async () => {
    const r = await uploadFiles(url(), [{ path: f.long, name: 'again.mp4' }]);
    const slug = uploadData(r).slug as string;
    // It is the same content as the previous test's: delete that one, then upload it fresh and delete mid-conversion.
    expect((await http('DELETE', `${url()}/${slug}`)).status).to.equal(200);
    expect((await http('GET', `${url()}/${slug}`)).status).to.equal(404);
    const fresh = await uploadFiles(url(), [{ path: f.long, name: 'fresh.mp4' }]);
    const freshSlug = uploadData(fresh).slug as string;
    await waitItem(loop.http, freshSlug, (x) => x.processing_status === 'processing');
    // ffmpeg runs off the plugin's lane: a command is answered while the conversion goes on, not after it.
    const asked = Date.now();
    const during = await http('GET', `${url()}/${freshSlug}`);
    expect(Date.now() - asked, 'ms to answer a read during a conversion').to.be.below(1000);
    expect((during.json.data as V1MediaItem).processing_status).to.equal('processing');
    const del = await http('DELETE', `${url()}/${freshSlug}`);
    expect(del.status).to.equal(200);
    expect(del.json.data).to.deep.equal({ slug: freshSlug });
    const sha = freshSlug.slice(-16);
    const disk = await mediaFilesOnDisk(loop.dataDir);
    for (const list of Object.values(disk))
      for (const name of list) expect(name.startsWith(sha) || name.includes(`-${sha}`)).to.equal(false);
    expect((disk.clips ?? []).filter((n) => n.startsWith('.tmp-'))).to.deep.equal([]);
    expect((await http('DELETE', `${url()}/${freshSlug}`)).status).to.equal(404);
  });

  it("marks a conversion that fails with ffmpeg's reason, leaves no half file, and can retry or delete it", async () => {
    const r = await uploadFiles(url(), [{ path: f.undecodable, name: 'broken.mp4' }]);
    expect(r.status).to.equal(200);
    const slug = uploadData(r).slug as string;
    const failed = await waitItem(loop.http, slug, (x) => x.processing_status === 'failed');
    expect(failed.error)
      .to.be.a('string')
      .and.match(/.{10,}/);
    expect(failed.error).to.not.include(loop.dataDir);
    expect(failed.path).to.equal(null);
    let disk = await mediaFilesOnDisk(loop.dataDir);
    expect((disk.clips ?? []).filter((n) => n.startsWith('.tmp-'))).to.deep.equal([]);
    expect(disk.originals).to.have.length(1); // kept for a retry
    const retry = await http('POST', `${url()}/${slug}/retry`);
    expect(retry.status).to.equal(200);
    expect((retry.json.data as MediaItem).processing_status).to.equal('queued');
    await waitItem(loop.http, slug, (x) => x.processing_status === 'failed');
    expect((await http('POST', `${url()}/${slug}/retry`)).status).to.equal(200);
    await waitItem(loop.http, slug, (x) => x.processing_status === 'failed');
    expect((await http('DELETE', `${url()}/${slug}`)).status).to.equal(200);
    disk = await mediaFilesOnDisk(loop.dataDir);
    expect(disk.originals).to.deep.equal([]);
  });

  it('cleans up files no entry owns', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(loop.dataDir, 'media', 'clips', `${'e'.repeat(64)}-00000000.mp4`), 'orphan');
    await writeFile(join(loop.dataDir, 'media', 'originals', `${'f'.repeat(64)}.png`), 'orphan too');
    const r = await http('POST', `${url()}/cleanup`);
    expect(r.status).to.equal(200);
    const data = r.json.data as { removed: string[]; freed_bytes: number };
    expect(data.removed).to.have.members([`clips/${'e'.repeat(64)}-00000000.mp4`, `originals/${'f'.repeat(64)}.png`]);
    expect(data.freed_bytes).to.equal(16);
    // Owned files are untouched: every ready item still plays.
    const all = (await http('GET', url())).json.data as { media: V1MediaItem[] };
    for (const m of all.media.filter((x) => x.processing_status === 'completed'))
      expect((await readFile(m.path as string)).length).to.be.greaterThan(0);
  });

  it('documents its routes in the OpenAPI document', async () => {
    const r = await http('GET', `${loop.http}/api/docs/json`);
    const paths = r.json.paths as Record<string, unknown>;
    expect(paths).to.include.keys('/api/media', '/api/media/{slug}', '/api/media/cleanup', '/api/media/{slug}/retry');
  });
});
