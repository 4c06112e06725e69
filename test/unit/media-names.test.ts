// Names, headers and ffmpeg's words: the small pure pieces of the media plugin.
import { expect } from 'chai';
import { displayName, safeStem, slugFor } from '../../plugins/media/slug.js';
import { parseHeader } from '../../plugins/media/sniff.js';
import { parseStats, shortReason } from '../../plugins/media/ffmpeg-run.js';
import { fitFilter, profileKey, videoArgs } from '../../plugins/media/profile.js';
import { defaultMediaConfig } from '../../plugins/media/config.js';
import { hostileNames, pixelBombPng } from '../helpers/media-files.js';

const SHA = 'ab12cd34ef56ab78' + '0'.repeat(48);

describe('media: slugs and names', () => {
  it("makes the first version's slug: stem, lower case, spaces to _, then 16 hex digits of the hash", () => {
    expect(slugFor('My Holiday Clip.MP4', SHA)).to.equal('my_holiday_clip_ab12cd34ef56ab78');
  });

  it('never lets a name become a path: traversal, backslashes, quotes, emoji and control characters go', () => {
    for (const name of Object.values(hostileNames)) {
      const stem = safeStem(name);
      expect(stem, name).to.match(/^[a-z0-9_-]+$/);
      expect(stem).to.not.include('..');
    }
    expect(safeStem(hostileNames.traversal)).to.equal('passwd');
    expect(safeStem(hostileNames.emoji)).to.equal('party_time');
    expect(safeStem('🎉🎈.gif')).to.equal('media');
    expect(safeStem('Crème brûlée.jpg')).to.equal('creme_brulee');
  });

  it('keeps the name as metadata, without control characters', () => {
    expect(displayName(hostileNames.control)).to.equal('linebreak.png');
    expect(displayName(hostileNames.quotes)).to.equal(hostileNames.quotes);
    expect(displayName(undefined)).to.equal('upload');
  });
});

describe('media: declared picture sizes (read before any decoder runs)', () => {
  it("reads a PNG header, including a pixel bomb's", async () => {
    expect(await parseHeader(pixelBombPng(50_000, 50_000))).to.deep.equal({ format: 'png', width: 50_000, height: 50_000 });
  });

  it('reads GIF, BMP and JPEG headers', async () => {
    const gif = Buffer.from('GIF89a\x40\x01\xf0\x00\x00\x00\x00', 'latin1');
    expect(await parseHeader(gif)).to.deep.equal({ format: 'gif', width: 320, height: 240 });
    const bmp = Buffer.alloc(30);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(40, 14);
    bmp.writeInt32LE(640, 18);
    bmp.writeInt32LE(-480, 22);
    expect(await parseHeader(bmp)).to.deep.equal({ format: 'bmp', width: 640, height: 480 });
    // SOI, an APP0 of 16 bytes, then SOF0 with height 60000 and width 60000
    const jpg = Buffer.from([
      0xff,
      0xd8,
      0xff,
      0xe0,
      0x00,
      0x10,
      ...new Array<number>(14).fill(0),
      0xff,
      0xc0,
      0x00,
      0x11,
      0x08,
      0xea,
      0x60,
      0xea,
      0x60,
      0x03,
      0,
      0,
      0,
      0,
      0,
      0,
    ]);
    expect(await parseHeader(jpg)).to.deep.equal({ format: 'jpeg', width: 60000, height: 60000 });
  });

  it('leaves other formats to ffprobe', async () => {
    expect(await parseHeader(Buffer.from('\x00\x00\x00\x20ftypisom', 'latin1'))).to.equal(null);
  });
});

describe('media: ffmpeg output', () => {
  it('turns a stats line into seconds, percent and speed', () => {
    const t = parseStats('frame=  250 fps= 50 q=28.0 size=     512kB time=00:00:10.00 bitrate= 419.4kbits/s speed=2.01x', 40);
    expect(t).to.deep.equal({ seconds: 10, percent: 25, speed: 2.01, frames: 250 });
    expect(parseStats('Stream mapping:', 10)).to.equal(null);
  });

  it("shortens ffmpeg's failure to its reason, without the data directory's paths", () => {
    const msg = 'ffmpeg exited with code 1: /data/media/originals/' + 'a'.repeat(64) + '.mp4: Invalid data found when processing input\n';
    expect(shortReason(msg)).to.equal('<file>: Invalid data found when processing input');
    expect(shortReason('ffmpeg exited with code 1: av_interleaved_write_frame(): No space left on device')).to.equal(
      'no space left on the device',
    );
    expect(shortReason('x'.repeat(1000)).length).to.be.at.most(240);
  });
});

describe('media: the display profile as ffmpeg arguments', () => {
  it('covers (scale and crop) or contains (letterbox) the screen', () => {
    expect(fitFilter({ width: 320, height: 240, fps: 25, fit: 'cover', background: 'black' })).to.equal(
      'scale=320:240:force_original_aspect_ratio=increase:force_divisible_by=2,crop=320:240',
    );
    expect(fitFilter({ width: 320, height: 240, fps: 25, fit: 'contain', background: 'black' })).to.include('pad=320:240');
  });

  it('makes H.264 yuv420p MP4 with the index first, audio dropped unless configured', () => {
    const a = videoArgs(defaultMediaConfig, true).output;
    expect(a).to.include.members(['libx264', 'yuv420p', '+faststart', '-an']);
    const withAudio = videoArgs({ ...defaultMediaConfig, video: { ...defaultMediaConfig.video, keep_audio: true } }, true).output;
    expect(withAudio).to.include('aac').and.not.include('-an');
  });

  it('names outputs after the profile, so a URL always means the same bytes', () => {
    const other = { ...defaultMediaConfig, display: { ...defaultMediaConfig.display, width: 480 } };
    expect(profileKey(defaultMediaConfig))
      .to.match(/^[0-9a-f]{8}$/)
      .and.not.equal(profileKey(other));
  });
});
