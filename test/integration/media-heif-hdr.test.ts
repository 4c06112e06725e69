// What phones upload: HEIC photos (made here with libheif's heif-enc; Debian 12's ffmpeg 5.1 cannot
// read them, libheif's heif-convert decodes them) and 10-bit HLG HEVC clips, tone-mapped to SDR H.264.
import { expect } from 'chai';
import type { V1MediaItem } from '../../core/protocol/media.js';
import { removeDir, startTestLoop, type TestLoop } from '../helpers/loop.js';
import { withDolbyVisionRecord } from '../helpers/dolby-vision.js';
import { streamInfo, uploadConverted, uploadFiles } from '../helpers/media-files.js';
import {
  BLUE,
  GREEN,
  RED,
  YELLOW,
  frameRgb,
  heicStill,
  hdrAndSdrClips,
  meanLumaAndSaturation,
  near,
  untonemapped,
} from '../helpers/pictures.js';

/** How far the tone-mapped clip may be from its SDR reference (relative): measured 12 % and 20 %. */
const LUMA_TOLERANCE = 0.15;
const SATURATION_TOLERANCE = 0.25;

describe('media: HEIC photos and HDR video (HLG, PQ, Dolby Vision)', function () {
  this.timeout(180_000);
  let loop: TestLoop;

  before(async () => {
    loop = await startTestLoop({ plugins: ['system', 'media'], media: { display: { width: 320, height: 240, fps: 25, fit: 'contain' } } });
  });
  after(async () => {
    await loop?.stop();
    if (loop) removeDir(loop.dataDir);
  });

  const convert = (path: string): Promise<V1MediaItem> => uploadConverted(loop.http, path);

  it('an HEIC made with heif-enc is accepted, its size read from the header, and converted whole', async () => {
    const heic = await heicStill(640, 480);
    const item = await convert(heic);
    expect(item.type).to.equal('image/heic');
    expect(item.source).to.include({ format: 'heif', width: 640, height: 480 });
    expect(await streamInfo(item.path as string)).to.include({ codec_name: 'png', width: '320', height: '240' });
    // 640x480 on 320x240: the whole picture, each edge band (20 px → 10 px) where it belongs.
    const out = await frameRgb(item.path as string);
    expect(near(out.at(160, 4), RED), 'top').to.equal(true);
    expect(near(out.at(160, 235), BLUE), 'bottom').to.equal(true);
    expect(near(out.at(4, 120), GREEN), 'left').to.equal(true);
    expect(near(out.at(315, 120), YELLOW), 'right').to.equal(true);
  });

  it('an HEIC declaring more pixels than media.max_pixels is refused from its header, before libheif runs', async () => {
    const heic = await heicStill(640, 480);
    const small = await startTestLoop({ plugins: ['system', 'media'], media: { max_pixels: 100_000 } });
    try {
      const r = await uploadFiles(`${small.http}/api/media`, [{ path: heic, name: 'big.heic' }]);
      expect(r.status).to.equal(413);
      expect(String(r.json.message)).to.match(/heif: 640x480 pixels is over the limit.*refused before decoding/);
    } finally {
      await small.stop();
      removeDir(small.dataDir);
    }
  });

  for (const [name, transfer] of [
    ['HLG', 'arib-std-b67'],
    ['PQ (HDR10)', 'smpte2084'],
  ] as const) {
    it(`a 10-bit ${name} HEVC clip comes out SDR H.264 within ${LUMA_TOLERANCE * 100} % (luma) and ${SATURATION_TOLERANCE * 100} % (saturation) of its SDR reference`, async () => {
      const { hdr, sdr } = await hdrAndSdrClips(transfer);
      expect(await streamInfo(hdr)).to.include({ codec_name: 'hevc', pix_fmt: 'yuv420p10le', color_transfer: transfer });
      const [fromHdr, reference] = [await convert(hdr), await convert(sdr)];
      expect(await streamInfo(fromHdr.path as string)).to.include({ codec_name: 'h264', pix_fmt: 'yuv420p', width: '320' });
      const got = await meanLumaAndSaturation(fromHdr.path as string);
      const want = await meanLumaAndSaturation(reference.path as string);
      const off = (a: number, b: number): number => Math.abs(a - b) / b;
      const say = `tone-mapped luma ${got.luma.toFixed(1)} sat ${got.saturation.toFixed(1)}; SDR reference luma ${want.luma.toFixed(1)} sat ${want.saturation.toFixed(1)}`;
      console.log(`      ${name}: ${say}`);
      expect(off(got.luma, want.luma), say).to.be.at.most(LUMA_TOLERANCE);
      expect(off(got.saturation, want.saturation), say).to.be.at.most(SATURATION_TOLERANCE);
      // The check can fail: the same clip without tone-mapping is washed out, far outside it.
      const washed = await meanLumaAndSaturation(await untonemapped(hdr));
      expect(off(washed.saturation, want.saturation), `untonemapped saturation ${washed.saturation.toFixed(1)}`).to.be.above(
        SATURATION_TOLERANCE,
      );
    });
  }

  it('Dolby Vision with an HLG base layer (profile 8.4, what an iPhone records) is converted as HLG', async () => {
    const { hdr } = await hdrAndSdrClips('arib-std-b67');
    await withDolbyVisionRecord(hdr, 8, 4);
    const item = await convert(hdr);
    expect(await streamInfo(item.path as string)).to.include({ codec_name: 'h264', pix_fmt: 'yuv420p' });
  });

  it('Dolby Vision with no standard base layer (profile 5) is refused with what to do instead, and nothing is kept', async () => {
    const { hdr } = await hdrAndSdrClips('smpte2084');
    await withDolbyVisionRecord(hdr, 5, 0);
    const library = async (): Promise<unknown> =>
      ((await (await fetch(`${loop.http}/api/media`)).json()) as { data: { media: unknown } }).data.media;
    const before = await library();
    const answer = await uploadFiles(`${loop.http}/api/media`, [{ path: hdr, name: 'dolby-vision-5.mp4' }]);
    expect(answer.status, JSON.stringify(answer.json)).to.equal(415);
    expect(JSON.stringify(answer.json)).to.match(/Dolby Vision profile 5 .*export it as HDR10, HLG/);
    expect(await library()).to.deep.equal(before);
  });
});
