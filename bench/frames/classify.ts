// Pure: what one captured frame shows (which clip, which of its frames, black, or a mix), and the
// per-transition figures from a run of classified frames. The test clips (clips.ts) are one solid
// colour each, with the frame number drawn as 8 black/white blocks along the bottom (bit k at
// x = 40k..40k+39), so a frame is read without OCR.

export const WIDTH = 320;
export const HEIGHT = 240;
export const BLOCK = 40;
export const STRIP_TOP = 200;

export type ClipColour = 'red' | 'green' | 'blue';
/** The photos' colours (stills.ts): one picture each, its strip reads frame 0 throughout. */
export type PhotoColour = 'yellow' | 'magenta';
export type Colour = ClipColour | PhotoColour;
export const COLOURS: readonly ClipColour[] = ['red', 'green', 'blue'];
export const PHOTO_COLOURS: readonly PhotoColour[] = ['yellow', 'magenta'];
export const RGB: Record<Colour, [number, number, number]> = {
  red: [255, 0, 0],
  green: [0, 255, 0],
  blue: [0, 0, 255],
  yellow: [255, 255, 0],
  magenta: [255, 0, 255],
};

/** One captured frame: a clip's frame `n`, black, or anything else (torn, blended, half drawn). */
export type Seen = { kind: 'clip'; clip: Colour; n: number } | { kind: 'black' } | { kind: 'mixed' };

function patch(rgb: Buffer, cx: number, cy: number, r = 4): [number, number, number] {
  let R = 0;
  let G = 0;
  let B = 0;
  let k = 0;
  for (let y = cy - r; y < cy + r; y++) {
    for (let x = cx - r; x < cx + r; x++) {
      const o = (y * WIDTH + x) * 3;
      R += rgb[o] as number;
      G += rgb[o + 1] as number;
      B += rgb[o + 2] as number;
      k++;
    }
  }
  return [R / k, G / k, B / k];
}

function colourOf([r, g, b]: [number, number, number]): Colour | 'black' | null {
  if (r < 40 && g < 40 && b < 40) return 'black';
  if (r > 170 && g < 80 && b < 80) return 'red';
  if (g > 170 && r < 80 && b < 80) return 'green';
  if (b > 170 && r < 80 && g < 80) return 'blue';
  if (r > 170 && g > 170 && b < 80) return 'yellow';
  if (r > 170 && b > 170 && g < 80) return 'magenta';
  return null;
}

/** Classifies one rgb24 frame of WIDTH × HEIGHT. */
export function classify(rgb: Buffer): Seen {
  // Top, middle and bottom of the colour area: a frame torn between two clips disagrees.
  const spots = [
    [40, 30],
    [160, 100],
    [280, 180],
    [60, 170],
    [260, 30],
  ].map(([x, y]) => colourOf(patch(rgb, x as number, y as number)));
  const first = spots[0];
  if (first === null || first === undefined || spots.some((s) => s !== first)) return { kind: 'mixed' };
  const strip: number[] = [];
  for (let k = 0; k < 8; k++) {
    const [r, g, b] = patch(rgb, k * BLOCK + BLOCK / 2, STRIP_TOP + 20, 6);
    const l = (r + g + b) / 3;
    if (l > 60 && l < 195) return { kind: 'mixed' };
    strip.push(l >= 128 ? 1 : 0);
  }
  if (first === 'black') return strip.every((b) => b === 0) ? { kind: 'black' } : { kind: 'mixed' };
  return { kind: 'clip', clip: first, n: strip.reduce((acc, bit, k) => acc + bit * 2 ** k, 0) };
}

export interface Transition {
  from: Colour;
  to: Colour;
  /** Frames of `from` whose number was never seen (dropped), over its whole run. */
  missing: number;
  /** The last frame of `from` seen, and the first of `to` (ideally last and 0). */
  lastN: number;
  firstN: number;
  black: number;
  mixed: number;
  /** How much longer than one frame period the last frame of `from` stayed (black/mixed included), ms. */
  holdBeyondMs: number;
  /** From the first frame of `from` to the first frame of `to`, ms (null when `from` began before the capture). */
  onScreenMs: number | null;
}

/**
 * Walks the classified capture (one entry per captured frame, `periodMs` apart) and reports every
 * clip-to-clip transition. `framePeriodMs` is the clips' own frame period.
 */
export function transitions(seen: readonly Seen[], periodMs: number, framePeriodMs: number, framesPerClip: number): Transition[] {
  const out: Transition[] = [];
  let run: { clip: Colour; start: number; complete: boolean; ns: Set<number>; lastN: number; lastStart: number } | null = null;
  let black = 0;
  let mixed = 0;
  let sawAnything = false;
  for (let i = 0; i < seen.length; i++) {
    const s = seen[i] as Seen;
    if (s.kind === 'black') {
      black++;
      continue;
    }
    if (s.kind === 'mixed') {
      mixed++;
      continue;
    }
    if (run && s.clip === run.clip && black === 0 && mixed === 0) {
      if (s.n !== run.lastN) {
        run.lastN = s.n;
        run.lastStart = i;
      }
      run.ns.add(s.n);
      continue;
    }
    if (run && s.clip === run.clip) {
      // Black or mixed inside one clip (a loop of one clip, or a glitch): counted on the next transition.
      run.lastN = s.n;
      run.lastStart = i;
      run.ns.add(s.n);
      continue;
    }
    if (run) {
      out.push({
        from: run.clip,
        to: s.clip,
        missing: framesPerClip - run.ns.size,
        lastN: run.lastN,
        firstN: s.n,
        black,
        mixed,
        holdBeyondMs: (i - run.lastStart) * periodMs - framePeriodMs,
        onScreenMs: run.complete ? (i - run.start) * periodMs : null,
      });
    }
    // A run is complete (its on-screen time means something) if it began after a transition seen here.
    run = { clip: s.clip, start: i, complete: sawAnything && run !== null, ns: new Set([s.n]), lastN: s.n, lastStart: i };
    sawAnything = true;
    black = 0;
    mixed = 0;
  }
  return out;
}

export interface Summary {
  transitions: number;
  blackPerTransition: number;
  mixedPerTransition: number;
  holdMedianMs: number;
  holdP90Ms: number;
  holdMaxMs: number;
  onScreenMedianMs: number | null;
  missingFrames: number;
  /** Transitions whose extra hold is more than one frame period (the target is none). */
  overOneFrame: number;
}

function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
}

export function summarise(ts: readonly Transition[], framePeriodMs: number): Summary {
  const holds = ts.map((t) => t.holdBeyondMs);
  const on = ts.map((t) => t.onScreenMs).filter((x): x is number => x !== null);
  return {
    transitions: ts.length,
    blackPerTransition: ts.length ? ts.reduce((a, t) => a + t.black, 0) / ts.length : Number.NaN,
    mixedPerTransition: ts.length ? ts.reduce((a, t) => a + t.mixed, 0) / ts.length : Number.NaN,
    holdMedianMs: quantile(holds, 0.5),
    holdP90Ms: quantile(holds, 0.9),
    holdMaxMs: holds.length ? Math.max(...holds) : Number.NaN,
    onScreenMedianMs: on.length ? quantile(on, 0.5) : null,
    missingFrames: ts.reduce((a, t) => a + t.missing, 0),
    overOneFrame: holds.filter((h) => h > framePeriodMs).length,
  };
}
