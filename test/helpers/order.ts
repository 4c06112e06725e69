// What was on screen, in order: the sequence of changes of a watched value, and the check that it
// went round a loop in the loop's order (player-rounds, player-timeline).
import { expect } from 'chai';

/** Consecutive duplicates (and nulls) dropped: the sequence of what was on screen. */
export function changes(slugs: ReadonlyArray<string | null>): string[] {
  const out: string[] = [];
  for (const s of slugs) if (s !== null && s !== out[out.length - 1]) out.push(s);
  return out;
}

/** Every step goes to the next item of `order` (wrapping round). */
export function expectInOrder(seq: readonly string[], order: readonly string[], who: string): void {
  for (let i = 1; i < seq.length; i++) {
    const want = order[(order.indexOf(seq[i - 1] as string) + 1) % order.length];
    expect(seq[i], `${who}: step ${i} of ${seq.join(' → ')}`).to.equal(want);
  }
}
