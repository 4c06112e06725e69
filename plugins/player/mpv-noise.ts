// mpv's stderr lines that are expected on a healthy device and say nothing to act on: hardware
// decoders probed and not present (`hwdec: auto-safe` tries CUDA, VDPAU, VA-API in turn on a PC).
// They are logged at debug; everything else mpv says stays a warning. Data, not code: add a line.
// Also: the line of mpv's output that best says why it gave up (for the player's error reason).
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

/** The last line of mpv's output that reads as a complaint (else its last line), for a reason shown to people; never noise. */
export function mpvComplaint(stderr: string): string | undefined {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !isMpvNoise(l));
  return lines.filter((l) => /error|fail|cannot|can't/i.test(l)).pop() ?? lines.pop();
}
