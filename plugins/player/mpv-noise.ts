// mpv's stderr lines that are expected on a healthy device and say nothing to act on: hardware
// decoders probed and not present (`hwdec: auto-safe` tries CUDA, VDPAU, VA-API in turn on a PC).
// They are logged at debug; everything else mpv says stays a warning. Data, not code: add a line.
export const MPV_NOISE: readonly RegExp[] = [
  /AVHWDeviceContext: (Cannot load|Could not dynamically load|Failed to)/,
  /Cannot load libcuda\.so/,
  /Failed to open VDPAU backend/,
  /\[vaapi\] libva: /,
];

/** Whether an mpv stderr line is a known, harmless probe message. */
export function isMpvNoise(line: string): boolean {
  return MPV_NOISE.some((re) => re.test(line));
}
