// The rounds of a shuffled loop, applied after every change of the document (index.ts): when the
// last item of a round comes on screen the next round is dealt (from the next seed), and when play
// wraps round to the first item that round starts. Pure.
//
// The player plays `order` as a ring: what follows the last item is order[0]. Dealing only at the
// wrap would keep the item the player wrapped to first in every round; so the next round is dealt
// while the last item of this one plays, the item on screen parked at the end of the published order
// (what follows it is the next round's first), and put back at its dealt place once that round starts.
import { slugsOf, type LoopDoc } from './queue.js';
import { deal, nextSeed } from './shuffle.js';

/** `after` with the round rules applied (the same object when they change nothing). */
export function withRounds(before: LoopDoc, after: LoopDoc): LoopDoc {
  if (after === before || !after.shuffle || after.seed === null || after.active === null) return after;
  const order = after.shuffled;
  if (order.length < 2) return after;
  if (before.active === after.active) return after;
  // Play left the last item of the round for the first one (by itself, next, or the last one removed).
  if (before.active !== null && before.active === before.shuffled[before.shuffled.length - 1] && after.active === order[0]) {
    return startRound(after, after.seed);
  }
  // Only when the last item comes on screen: a deal from a given seed stays as dealt, wherever the active item fell.
  const last = order[order.length - 1] as string;
  if (after.active === last && after.upcoming.length === 0) return dealAhead(after, after.seed, last);
  return after;
}

/** The last item of the round is on screen: the next round is dealt now, its first item follows this one. */
function dealAhead(doc: LoopDoc, seed: number, onScreen: string): LoopDoc {
  const upcoming = deal(slugsOf(doc), nextSeed(seed), { notFirst: onScreen });
  return { ...doc, shuffled: [...upcoming.filter((s) => s !== onScreen), onScreen], fresh: [], upcoming };
}

/**
 * Play wrapped round: the round dealt ahead starts (items added while the last one played, which
 * played in the round that ended, go to its end). Without one (a wrap no change announced), the
 * round is dealt now, starting with the item on screen.
 */
function startRound(doc: LoopDoc, seed: number): LoopDoc {
  const next = nextSeed(seed);
  const present = new Set(slugsOf(doc));
  const dealt = doc.upcoming.filter((s) => present.has(s));
  const inDeal = new Set(dealt);
  let order = [...dealt, ...slugsOf(doc).filter((s) => !inDeal.has(s))];
  if (dealt.length === 0 || order[0] !== doc.active) order = deal(slugsOf(doc), next, { first: doc.active });
  return { ...doc, seed: next, shuffled: order, fresh: [], upcoming: [] };
}
