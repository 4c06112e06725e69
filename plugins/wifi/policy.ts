// The onboarding policy, pure: the facts about the network (what NetworkManager shows, the saved
// networks, how long Loop has been without a network, why the hotspot is up, the configured delays,
// what the person just asked) in, one decision out. The service (service.ts) gathers the facts,
// carries the decision out through nmcli and asks again once the state has changed or the time it
// was told to wait until has come. Times are monotonic milliseconds (core/util/clock.ts), so a
// wall-clock step (NTP's first sync on a Pi without a real-time clock) neither fires a delay early
// nor holds it back. The rules:
// - at start, a connection that exists is kept (never cut an SSH session); a hotspot found up is
//   kept as the fallback; else the known networks are tried; else the setup hotspot starts;
// - without a network (not connecting, no cable) for fallback, the hotspot starts (`lost`);
// - while the hotspot stands in (`no_network`, `lost`) the known networks are looked for every
//   retry, every blind_retry_every-th time even when the scan does not show them; one that holds
//   ends the hotspot, else the hotspot comes back;
// - a hotspot the person turned on stays until they turn it off; one they turned off stays off until
//   Loop has a network again (or restarts);
// - a connect from the hotspot that fails brings the hotspot back, with the reason it had.
import type { WifiState } from '../../core/protocol/index.js';

export type HotspotReason = NonNullable<WifiState['hotspot_reason']>;

/** What the person just asked, and how it went. */
export type Asked =
  /** `hotspot {active}`; null toggles (the first version's button). */
  | { kind: 'hotspot'; active: boolean | null }
  /** A connect failed; `fromHotspot` is why the hotspot was up when it began (null: it was not). */
  | { kind: 'connect_failed'; fromHotspot: HotspotReason | null };

export interface OnboardingDelays {
  autoHotspot: boolean;
  fallbackMs: number;
  retryMs: number;
  /** Every Nth look from the hotspot tries the known networks blindly; 0 = never. */
  blindRetryEvery: number;
}

export interface OnboardingFacts {
  /** Monotonic milliseconds. */
  now: number;
  /** What NetworkManager shows. */
  mode: WifiState['mode'];
  /** A connection is being made (by NetworkManager, or by Loop). */
  connecting: boolean;
  /** A cable connects Loop: no reason to take the WiFi over with a hotspot. */
  wired: boolean;
  /** How many networks are saved (not counting the hotspot). */
  known: number;
  /** Why the hotspot is up; null when Loop did not bring it up (or it is down). */
  hotspotReason: HotspotReason | null;
  /** Since when Loop has been without any network (monotonic); null while it has one. */
  lostSince: number | null;
  /** When the hotspot came up, or Loop last looked for known networks from it (monotonic). */
  lookedAt: number | null;
  /** Looks for known networks since the hotspot came up. */
  looks: number;
  /** The start-up decision has been taken. */
  started: boolean;
  /** The person turned the hotspot off, and Loop has had no network since. */
  heldOff: boolean;
  delays: OnboardingDelays;
  asked: Asked | null;
}

export type Decision =
  | { kind: 'nothing'; startup?: true }
  /** Ask again at `until` (monotonic), or sooner if the state changes. */
  | { kind: 'wait'; until: number }
  | { kind: 'start_hotspot'; reason: HotspotReason; startup?: true }
  /** A hotspot found up at start: keep it, with this reason. */
  | { kind: 'keep_hotspot'; reason: HotspotReason; startup: true }
  /** Stop the hotspot; then bring up a known network in sight, if `rejoin`. */
  | { kind: 'stop_hotspot'; rejoin: boolean }
  /**
   * Bring up the known networks in sight (all of them, newest first, when `blind`), leaving the hotspot
   * only when there is one to try; if none holds, start the hotspot for `otherwise` (null: do not).
   */
  | { kind: 'rejoin'; blind: boolean; otherwise: HotspotReason | null; startup?: true };

const NOTHING: Decision = { kind: 'nothing' };

export function decide(facts: OnboardingFacts): Decision {
  if (facts.asked) return answer(facts, facts.asked);
  if (facts.mode === 'unavailable' || facts.connecting) return NOTHING;
  if (!facts.started) return startUp(facts);
  if (facts.mode === 'hotspot') return fromHotspot(facts);
  if (facts.mode === 'disconnected') return withoutNetwork(facts);
  return NOTHING;
}

/** The hotspot may take the radio by itself: allowed by config, and no cable connects Loop. */
const mayFallBack = (facts: OnboardingFacts): boolean => facts.delays.autoHotspot && !facts.wired;

function startUp(facts: OnboardingFacts): Decision {
  if (facts.mode === 'client') return { kind: 'nothing', startup: true };
  // Loop restarted while its hotspot was up: keep it, and keep looking for known networks.
  if (facts.mode === 'hotspot') return { kind: 'keep_hotspot', reason: facts.hotspotReason ?? 'no_network', startup: true };
  const otherwise = mayFallBack(facts) ? 'no_network' : null;
  if (facts.known > 0) return { kind: 'rejoin', blind: false, otherwise, startup: true };
  return otherwise ? { kind: 'start_hotspot', reason: otherwise, startup: true } : { kind: 'nothing', startup: true };
}

function withoutNetwork(facts: OnboardingFacts): Decision {
  if (!mayFallBack(facts) || facts.heldOff) return NOTHING;
  const due = (facts.lostSince ?? facts.now) + facts.delays.fallbackMs;
  return facts.now >= due ? { kind: 'start_hotspot', reason: 'lost' } : { kind: 'wait', until: due };
}

function fromHotspot(facts: OnboardingFacts): Decision {
  const reason = facts.hotspotReason;
  // A hotspot the person asked for (or that Loop did not bring up) is theirs to end.
  if (reason !== 'no_network' && reason !== 'lost') return NOTHING;
  // Nothing saved: nothing to look for until a network is saved (a connect, which changes the facts).
  if (facts.known === 0) return NOTHING;
  const due = facts.lookedAt === null ? facts.now : facts.lookedAt + facts.delays.retryMs;
  if (facts.now < due) return { kind: 'wait', until: due };
  const every = facts.delays.blindRetryEvery;
  return { kind: 'rejoin', blind: every > 0 && (facts.looks + 1) % every === 0, otherwise: reason };
}

function answer(facts: OnboardingFacts, asked: Asked): Decision {
  if (facts.mode === 'unavailable') return NOTHING;
  if (asked.kind === 'connect_failed') return asked.fromHotspot ? { kind: 'start_hotspot', reason: asked.fromHotspot } : NOTHING;
  const on = asked.active ?? facts.mode !== 'hotspot';
  if (on && facts.mode !== 'hotspot') return { kind: 'start_hotspot', reason: 'manual' };
  if (!on && facts.mode === 'hotspot') return { kind: 'stop_hotspot', rejoin: true };
  return NOTHING;
}
