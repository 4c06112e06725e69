// Which mpv stderr lines are probe noise (debug) and which stay warnings: lines as mpv 0.35 prints them.
import { expect } from 'chai';
import { isMpvNoise, mpvComplaint } from '../../plugins/player/mpv-noise.js';

const rows: Array<[string, boolean]> = [
  ['[ffmpeg] AVHWDeviceContext: Cannot load libcuda.so.1', true],
  ['[ffmpeg] AVHWDeviceContext: Could not dynamically load CUDA', true],
  ['Failed to open VDPAU backend libvdpau_nvidia.so: cannot open shared object file: No such file or directory', true],
  ['[vaapi] libva: vaGetDriverNameByIndex() failed with unknown libva error, driver_name = (null)', true],
  ['Failed to recognize file format.', false],
  ['[vo/drm] Failed to acquire DRM master: Permission denied', false],
  ['Error opening/initializing the selected video_out (--vo) device.', false],
  ['[ffmpeg/video] h264: Invalid NAL unit size', false],
];

describe('player: mpv stderr noise', () => {
  for (const [line, noise] of rows)
    it(`${noise ? 'debug' : 'warning'}: ${line}`, () => {
      expect(isMpvNoise(line)).to.equal(noise);
    });

  it("a reason quotes mpv's complaint, never its probe noise", () => {
    const cuda = '[ffmpeg] AVHWDeviceContext: Cannot load libcuda.so.1\n[ffmpeg] AVHWDeviceContext: Could not dynamically load CUDA';
    expect(mpvComplaint(cuda)).to.equal(undefined);
    expect(mpvComplaint(`${cuda}\n[vo/drm] Failed to acquire DRM master: Permission denied\n${cuda}`)).to.equal(
      '[vo/drm] Failed to acquire DRM master: Permission denied',
    );
  });
});
