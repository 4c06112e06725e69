// Decompression bounds against the real plugin and real ffmpeg/ffprobe: pixel bombs of every still
// format are refused from their header in a moment, and the decoder bounds behind it (-max_pixels,
// the address-space limit) hold on their own, measured from /proc while the children run.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ActionError } from '../../core/protocol/envelope.js';
import { defaultMediaConfig } from '../../plugins/media/config.js';
import { runFfmpeg, runFfprobe } from '../../plugins/media/ffmpeg-run.js';
import { stillArgs } from '../../plugins/media/profile.js';
import { http, removeDir, startTestLoop, type TestLoop } from '../helpers/loop.js';
import { ffmpeg, mediaFiles, uploadFiles, waitItem } from '../helpers/media-files.js';
import { bmpHeader, gifHeader, jpegHeader, pixelBombPng, tiffBomb, tiffFile, webpVp8l, webpVp8x } from '../helpers/image-headers.js';

const MiB = 1024 * 1024;

/** The largest resident size (VmHWM) any child of this process reached while `work` ran, in MiB. */
async function peakChildRss<T>(work: () => Promise<T>): Promise<{ result: T | Error; peakMiB: number; children: number }> {
  let peak = 0;
  const seen = new Set<string>();
  const sample = (): void => {
    for (const task of readdirSync(`/proc/${process.pid}/task`)) {
      let kids: string[] = [];
      try {
        kids = readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean);
      } catch {
        continue;
      }
      for (const pid of kids) {
        try {
          const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
          seen.add(pid);
          if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
        } catch {
          // the child ended between the listing and the read
        }
      }
    }
  };
  // A measurement, not product code: /proc has no event for "memory grew".
  const timer = setInterval(sample, 5);
  try {
    const result = await work().catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    return { result, peakMiB: Math.round(peak), children: seen.size };
  } finally {
    clearInterval(timer);
  }
}

describe('media: decompression bounds', function () {
  this.timeout(120_000);
  let loop: TestLoop;
  let dir: string;
  const url = (): string => `${loop.http}/api/media`;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loop-bounds-'));
    loop = await startTestLoop({ plugins: ['system', 'media'] });
  });
  after(async () => {
    await loop?.stop();
    if (loop) removeDir(loop.dataDir);
    await rm(dir, { recursive: true, force: true });
  });

  const bombs: Array<[string, () => Buffer]> = [
    ['bomb.tiff', () => tiffBomb(16000, 16000)],
    ['bomb-be.tiff', () => tiffBomb(16000, 16000, { bigEndian: true })],
    ['bomb.png', () => pixelBombPng(16000, 16000)],
    ['bomb.jpg', () => jpegHeader(16000, 16000, { sof: 0xc2, exif: true })],
    ['bomb.webp', () => webpVp8l(16000, 16000)],
    ['bomb-canvas.webp', () => webpVp8x(16, 16, [16000, 16000])],
    ['bomb.gif', () => gifHeader(16000, 16000)],
    ['bomb.bmp', () => bmpHeader(16000, 16000)],
  ];
  for (const [name, make] of bombs) {
    it(`refuses a 16000x16000 ${name} in a moment, from its header, with the size and the limit`, async () => {
      const path = join(dir, name);
      await writeFile(path, make());
      const started = performance.now();
      const r = await uploadFiles(url(), [{ path, name }]);
      const ms = performance.now() - started;
      expect(r.status, JSON.stringify(r.json)).to.equal(413);
      expect(r.json.message).to.match(
        /16000x16000 pixels is over the limit of 24 megapixels \(media\.max_pixels\); refused before decoding/,
      );
      expect(ms, 'answered within 1.5 s').to.be.lessThan(1500);
      const disk = await mediaFiles(loop.dataDir);
      expect(disk.incoming).to.deep.equal([]);
      expect(disk.originals).to.deep.equal([]);
    });
  }

  it('refuses a still whose header gives no size (fail closed) without decoding it', async () => {
    const path = join(dir, 'nowidth.tiff');
    await writeFile(
      path,
      tiffFile(() => [[257, 4, [16000]]]),
    );
    const r = await uploadFiles(url(), [{ path, name: 'nowidth.tiff' }]);
    expect(r.status, JSON.stringify(r.json)).to.equal(415);
    expect(r.json.message).to.match(/a tiff picture whose header declares a size of 0x16000: refused before decoding/);
  });

  it('still converts a photo at the limit (6000x4000 = 24 megapixels)', async () => {
    const path = join(dir, 'photo24mp.jpg');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=6000x4000', '-frames:v', '1', '-q:v', '6', '-y', path]);
    const r = await uploadFiles(url(), [{ path, name: 'photo24mp.jpg' }]);
    expect(r.status, JSON.stringify(r.json)).to.equal(200);
    const slug = (r.json.data as { slug: string }).slug;
    const item = await waitItem(loop.http, slug, (x) => x.processing_status !== 'queued' && x.processing_status !== 'processing');
    expect(item.processing_status, item.error ?? '').to.equal('completed');
    expect([item.width, item.height]).to.deep.equal([320, 240]);
    await http('DELETE', `${url()}/${slug}`);
  });

  describe('behind the header check (the sniffer bypassed)', () => {
    let bomb: string;
    before(async () => {
      bomb = join(dir, 'direct-bomb.tiff');
      await writeFile(bomb, tiffBomb(16000, 16000));
    });

    it('-max_pixels: ffprobe refuses the frame before allocating it (peak RSS far below the 768 MiB it needs)', async () => {
      const { result, peakMiB, children } = await peakChildRss(() =>
        runFfprobe(bomb, { limits: { addressSpaceBytes: 1024 * MiB }, timeoutMs: 20_000, args: ['-max_pixels', '24000000'] }),
      );
      expect(children, 'ffprobe ran').to.be.greaterThan(0);
      expect(result).to.not.be.instanceOf(Error);
      expect((result as { stderr: string }).stderr).to.match(/Picture size 16000x16000 exceeds specified max pixel count 24000000/);
      expect(peakMiB).to.be.lessThan(128);
    });

    it('the address-space limit alone: ffprobe fails "out of memory while decoding" and never holds more than the limit', async () => {
      const { result, peakMiB } = await peakChildRss(() =>
        runFfprobe(bomb, { limits: { addressSpaceBytes: 512 * MiB }, timeoutMs: 20_000, args: [] }),
      );
      expect(result).to.be.instanceOf(ActionError);
      expect((result as ActionError).code).to.equal('too_large');
      expect((result as Error).message).to.equal('out of memory while decoding (limit 512 MiB)');
      expect(peakMiB).to.be.lessThan(512);
    });

    it('the same for an ffmpeg conversion: out of memory with the limit in the message, never over it', async () => {
      const args = stillArgs(defaultMediaConfig);
      const at = args.input.indexOf('-max_pixels');
      args.input.splice(at, 2); // only the address-space bound left
      const { result, peakMiB } = await peakChildRss(() =>
        runFfmpeg({ input: bomb, output: join(dir, 'out.png'), args, limits: { addressSpaceBytes: 512 * MiB } }),
      );
      expect(result).to.be.instanceOf(Error);
      expect((result as Error).message).to.equal('out of memory while decoding (limit 512 MiB)');
      expect(peakMiB).to.be.lessThan(512);
    });

    it('with both bounds, the conversion is refused by -max_pixels and says so', async () => {
      const args = stillArgs({ ...defaultMediaConfig, max_pixels: 24_000_000 });
      const result = await runFfmpeg({
        input: bomb,
        output: join(dir, 'out.png'),
        args,
        limits: { addressSpaceBytes: 1024 * MiB },
        maxPixels: 24_000_000,
      }).catch((e: unknown) => e as Error);
      expect(result).to.be.instanceOf(Error);
      expect((result as Error).message).to.equal('the decoder: 16000x16000 pixels is over the limit of 24 megapixels (media.max_pixels)');
    });
  });
});
