// Shuffle in rounds, reproducible from a seed: each round (a pass) plays every item once, in an
// order dealt from the round's 32-bit seed, so two players given the same seed and the same items
// deal the same order. Pure: no clock, no Math.random (a fresh seed comes from the caller).
import { mulberry32 } from '../../core/util/random.js';

/** The rule for the next round's seed: the first output of mulberry32(seed), as an unsigned 32-bit integer. */
export function nextSeed(seed: number): number {
  return Math.floor(mulberry32(seed)() * 4294967296) >>> 0;
}

/** A fresh seed when shuffle is turned on (or an old document gets one): not reproducible, by design. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296) >>> 0;
}

export interface DealRule {
  /** This slug comes first (it is on screen as the round starts). */
  first?: string | null;
  /** This slug does not come first when there are 2+ items (it ended the previous round). */
  notFirst?: string | null;
}

/**
 * One round's order: a Fisher-Yates shuffle of `slugs` (in the given order) driven by mulberry32(seed).
 * Same slugs + same seed + same rule → same order, on any machine.
 */
export function deal(slugs: readonly string[], seed: number, rule: DealRule = {}): string[] {
  const random = mulberry32(seed);
  const first = rule.first ?? null;
  const rest = slugs.filter((s) => s !== first);
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [rest[i], rest[j]] = [rest[j] as string, rest[i] as string];
  }
  if (first !== null && slugs.includes(first)) return [first, ...rest];
  const avoid = rule.notFirst ?? null;
  if (avoid !== null && rest.length > 1 && rest[0] === avoid) {
    // Swapped with a later place the same generator picks, so the order stays reproducible.
    const j = 1 + Math.floor(random() * (rest.length - 1));
    [rest[0], rest[j]] = [rest[j] as string, avoid];
  }
  return rest;
}

/**
 * Places slugs added since the round was dealt first in the rest of the round: right after the
 * item on screen and after the ones added before them (`fresh`, in the order they came).
 */
export function placeNew(order: readonly string[], added: readonly string[], active: string | null, fresh: readonly string[]): string[] {
  const out = [...order];
  const isFresh = new Set(fresh);
  for (const slug of added) {
    let at = active === null ? 0 : out.indexOf(active) + 1;
    while (at > 0 && at < out.length && isFresh.has(out[at] as string)) at++;
    out.splice(at, 0, slug);
    isFresh.add(slug);
  }
  return out;
}
