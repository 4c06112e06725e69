// Which H.264 encoder a conversion uses (media.video.encoder). A Pi Zero 2 W, 3 or 4 has a hardware
// encoder that ffmpeg reaches as `h264_v4l2m2m` (the bcm2835-codec driver's "encode" device, usually
// /dev/video11); a Pi 5, a PC or this project's CI has none, and there libx264 is the encoder.
// `auto` uses the hardware when a V4L2 encode device is there. A hardware encode that fails (a busy
// or missing device, a size it refuses) is done again with libx264, and the hardware is not tried
// again until Loop restarts: one clip converts slower rather than not at all.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type EncoderChoice = 'auto' | 'libx264' | 'h264_v4l2m2m';
export type Encoder = 'libx264' | 'h264_v4l2m2m';

/** Where the kernel lists V4L2 devices, each with a `name` (the Pi's encoder: "bcm2835-codec-encode"). */
export const V4L2_SYSFS = '/sys/class/video4linux';

/** Whether a V4L2 memory-to-memory encode device exists (read once per Loop, at the first conversion). */
export function hardwareEncoderPresent(sysfs = V4L2_SYSFS): boolean {
  let devices: string[];
  try {
    devices = readdirSync(sysfs);
  } catch {
    return false; // no V4L2 at all (a container, a PC without cameras)
  }
  return devices.some((device) => {
    try {
      return /encode/i.test(readFileSync(join(sysfs, device, 'name'), 'utf8'));
    } catch {
      return false; // a device without a readable name is not one we can pick
    }
  });
}

export class EncoderPicker {
  private present: boolean | null = null;
  /** Why the hardware encoder was given up, once it failed. */
  private gaveUp: string | null = null;

  constructor(private readonly sysfs = V4L2_SYSFS) {}

  /** The encoder for the next conversion, as media.video.encoder asks. */
  pick(choice: EncoderChoice): Encoder {
    if (choice === 'libx264' || this.gaveUp !== null) return 'libx264';
    if (choice === 'h264_v4l2m2m') return 'h264_v4l2m2m';
    this.present ??= hardwareEncoderPresent(this.sysfs);
    return this.present ? 'h264_v4l2m2m' : 'libx264';
  }

  /** A conversion with `encoder` failed: true when it is worth doing again with libx264. */
  failed(encoder: Encoder, reason: string): boolean {
    if (encoder !== 'h264_v4l2m2m') return false;
    this.gaveUp = reason;
    return true;
  }

  /** Why the hardware encoder is no longer used (null while it is, or was never tried). */
  get hardwareGaveUp(): string | null {
    return this.gaveUp;
  }
}

/**
 * The hardware encoder's bitrate: it has no constant-quality mode (x264's crf), so the rate follows
 * the picture, 0.14 bits per pixel per frame (what libx264 at crf 23, veryfast, gave for ffmpeg's
 * busy testsrc2 at 320x240, 25 fps: 275 kbit/s), at least 256 kbit/s.
 */
export function hardwareBitrateKbps(width: number, height: number, fps: number): number {
  return Math.max(256, Math.round((width * height * fps * 0.14) / 1000));
}
