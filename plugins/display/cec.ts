// HDMI-CEC screen power through cec-ctl (v4l-utils): argument arrays, never a shell.
import { execFile } from 'node:child_process';

export function cecPower(bin: string, device: string, on: boolean): Promise<void> {
  // --playback claims a logical address first; address 0 is the TV. "Image View On" wakes it; "Standby" puts it to sleep.
  const args = ['-d', device, '--playback', '--to', '0', on ? '--image-view-on' : '--standby'];
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: 10_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`cec-ctl: ${String(stderr).trim() || err.message}`)) : resolve(),
    );
  });
}
