// Which H.264 encoder a conversion uses: the Pi's hardware encoder where the kernel lists a V4L2
// encode device (a sysfs tree made here), libx264 elsewhere, and libx264 for good once the hardware failed.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EncoderPicker, hardwareBitrateKbps, hardwareEncoderPresent } from '../../plugins/media/encoder.js';
import { videoArgs } from '../../plugins/media/profile.js';
import { defaultMediaConfig } from '../../plugins/media/config.js';

describe('media: the H.264 encoder', () => {
  const roots: string[] = [];
  /** A /sys/class/video4linux with these device names. */
  const sysfs = (names: Record<string, string>): string => {
    const root = mkdtempSync(join(tmpdir(), 'loop-v4l2-'));
    roots.push(root);
    for (const [device, name] of Object.entries(names)) {
      mkdirSync(join(root, device));
      writeFileSync(join(root, device, 'name'), `${name}\n`);
    }
    return root;
  };
  after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

  it("finds a Pi's encode device by its name, not its decoder, ISP or camera", () => {
    const pi = { video10: 'bcm2835-codec-decode', video11: 'bcm2835-codec-encode', video12: 'bcm2835-codec-isp', video0: 'unicam-image' };
    expect(hardwareEncoderPresent(sysfs(pi))).to.equal(true);
    expect(hardwareEncoderPresent(sysfs({ video10: 'bcm2835-codec-decode', video0: 'UVC Camera' }))).to.equal(false);
    expect(hardwareEncoderPresent(join(tmpdir(), 'no-such-sysfs'))).to.equal(false);
  });

  const cases: Array<[string, Record<string, string>, 'auto' | 'libx264' | 'h264_v4l2m2m', string]> = [
    ['auto on a Pi', { video11: 'bcm2835-codec-encode' }, 'auto', 'h264_v4l2m2m'],
    ['auto without an encode device (a Pi 5, a PC)', {}, 'auto', 'libx264'],
    ['libx264 asked for on a Pi', { video11: 'bcm2835-codec-encode' }, 'libx264', 'libx264'],
    ['h264_v4l2m2m asked for where none is listed', {}, 'h264_v4l2m2m', 'h264_v4l2m2m'],
  ];
  for (const [name, devices, choice, want] of cases) {
    it(`${name}: ${want}`, () => expect(new EncoderPicker(sysfs(devices)).pick(choice)).to.equal(want));
  }

  it('after the hardware encoder fails once, every conversion uses libx264 and says why', () => {
    const picker = new EncoderPicker(sysfs({ video11: 'bcm2835-codec-encode' }));
    expect(picker.failed('libx264', 'x264 failed')).to.equal(false);
    expect(picker.hardwareGaveUp).to.equal(null);
    expect(picker.failed('h264_v4l2m2m', 'Could not find a valid device')).to.equal(true);
    expect(picker.pick('auto')).to.equal('libx264');
    expect(picker.pick('h264_v4l2m2m')).to.equal('libx264');
    expect(picker.hardwareGaveUp).to.equal('Could not find a valid device');
  });

  it('the hardware encode asks for a bitrate and keyframes, not for x264 options', () => {
    const args = videoArgs(defaultMediaConfig, false, 'cover', false, 'h264_v4l2m2m').output;
    expect(args.join(' ')).to.match(/-c:v h264_v4l2m2m -b:v 269k -pix_fmt yuv420p -g 50/);
    expect(args).to.not.include.members(['-crf', '-preset', '-profile:v']);
    expect(hardwareBitrateKbps(1920, 1080, 30)).to.equal(8709);
    expect(hardwareBitrateKbps(64, 64, 10)).to.equal(256);
  });
});
