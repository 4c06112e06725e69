// A seeded PRNG for what must be reproducible: the loop's shuffle (two players dealing alike) and
// the tests' random runs (replayed from a seed).

/**
 * mulberry32 (Tommy Ettinger, 2017; public domain): a 32-bit state PRNG, small and well known,
 * good enough to deal a playlist. Returns floats in [0, 1).
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
