// The frame harness's reading of a screen (bench/frames/classify.ts), checked on frames drawn
// here: a clip frame and its number, black, a torn frame, and the figures of a transition.
import { expect } from 'chai';
import {
  BLOCK,
  classify,
  HEIGHT,
  RGB,
  STRIP_TOP,
  summarise,
  transitions,
  WIDTH,
  type Colour,
  type Seen,
} from '../../bench/frames/classify.js';

function frame(top: (y: number) => [number, number, number], n: number): Buffer {
  const b = Buffer.alloc(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const o = (y * WIDTH + x) * 3;
      const px: [number, number, number] =
        y < STRIP_TOP ? top(y) : Math.floor(n / 2 ** Math.floor(x / BLOCK)) % 2 ? [255, 255, 255] : [0, 0, 0];
      b[o] = px[0];
      b[o + 1] = px[1];
      b[o + 2] = px[2];
    }
  }
  return b;
}
const clip = (c: Colour, n: number): Buffer => frame(() => RGB[c], n);

describe('player frames harness: reading the screen', () => {
  it('reads the clip by its colour and the frame number from the blocks', () => {
    expect(classify(clip('red', 0))).to.deep.equal({ kind: 'clip', clip: 'red', n: 0 });
    expect(classify(clip('green', 24))).to.deep.equal({ kind: 'clip', clip: 'green', n: 24 });
    expect(classify(clip('blue', 13))).to.deep.equal({ kind: 'clip', clip: 'blue', n: 13 });
  });

  it('tells black from a torn frame (top of one clip, bottom of another)', () => {
    expect(classify(frame(() => [0, 0, 0], 0))).to.deep.equal({ kind: 'black' });
    expect(classify(frame((y) => (y < 100 ? RGB.red : RGB.green), 3))).to.deep.equal({ kind: 'mixed' });
    expect(classify(frame(() => [128, 128, 128], 3)), 'a blend of two colours').to.deep.equal({ kind: 'mixed' });
  });

  it('measures holds, black and on-screen time per transition', () => {
    // Two captures per clip frame (50 fps capture, 25 fps clip); red's last frame held 3 extra captures, then 2 black.
    const run = (c: Colour, from: number, to: number): Seen[] =>
      Array.from({ length: to - from + 1 }, (_, i): Seen[] => [
        { kind: 'clip', clip: c, n: from + i },
        { kind: 'clip', clip: c, n: from + i },
      ]).flat();
    const seen: Seen[] = [
      ...run('blue', 20, 24),
      ...run('red', 0, 24),
      { kind: 'clip', clip: 'red', n: 24 },
      { kind: 'clip', clip: 'red', n: 24 },
      { kind: 'clip', clip: 'red', n: 24 },
      { kind: 'black' },
      { kind: 'black' },
      ...run('green', 0, 24),
      ...run('blue', 0, 3),
    ];
    const ts = transitions(seen, 20, 40, 25);
    expect(ts.map((t) => [t.from, t.to, t.black, t.mixed, t.holdBeyondMs, t.onScreenMs, t.missing])).to.deep.equal([
      ['blue', 'red', 0, 0, 0, null, 20],
      ['red', 'green', 2, 0, 100, 1100, 0],
      ['green', 'blue', 0, 0, 0, 1000, 0],
    ]);
    const s = summarise(ts, 40);
    expect(s).to.include({ transitions: 3, overOneFrame: 1, holdMaxMs: 100, onScreenMedianMs: 1100 });
  });
});
