// The onboarding policy as a table: each row a situation (the facts the service gathers) and the
// decision Loop takes in it. Times are monotonic milliseconds; the delays are the defaults (two
// minutes each, every 5th look from the hotspot blind).
import { expect } from 'chai';
import { decide, type Decision, type OnboardingFacts } from '../../plugins/wifi/policy.js';

const NOW = 5_000_000;
const MINUTE = 60_000;

/** Online, started, nothing pending: each row changes what its situation changes. */
const base: OnboardingFacts = {
  now: NOW,
  mode: 'client',
  connecting: false,
  wired: false,
  known: 1,
  hotspotReason: null,
  lostSince: null,
  lookedAt: null,
  looks: 0,
  started: true,
  heldOff: false,
  delays: { autoHotspot: true, fallbackMs: 2 * MINUTE, retryMs: 2 * MINUTE, blindRetryEvery: 5 },
  asked: null,
};
const noAuto = { ...base.delays, autoHotspot: false };
const lost = { mode: 'disconnected', lostSince: NOW - 3 * MINUTE } as const;
const inHotspot = (reason: OnboardingFacts['hotspotReason'], lookedAt = NOW - 3 * MINUTE) =>
  ({ mode: 'hotspot', hotspotReason: reason, lookedAt }) as const;

const rows: Array<[string, Partial<OnboardingFacts>, Decision]> = [
  // ---- at start
  ['start: NetworkManager does not answer yet: wait for it', { started: false, mode: 'unavailable' }, { kind: 'nothing' }],
  ['start: already connected: keep it (an SSH session survives)', { started: false }, { kind: 'nothing', startup: true }],
  [
    'start: no network known at boot: the setup hotspot',
    { started: false, mode: 'disconnected', known: 0 },
    { kind: 'start_hotspot', reason: 'no_network', startup: true },
  ],
  [
    'start: networks known: try those in sight, else the setup hotspot',
    { started: false, mode: 'disconnected', known: 2 },
    { kind: 'rejoin', blind: false, otherwise: 'no_network', startup: true },
  ],
  [
    'start: networks known, auto_hotspot off: try them, no hotspot after',
    { started: false, mode: 'disconnected', known: 2, delays: noAuto },
    { kind: 'rejoin', blind: false, otherwise: null, startup: true },
  ],
  [
    'start: no network known but a cable connects Loop: leave the WiFi alone',
    { started: false, mode: 'disconnected', known: 0, wired: true },
    { kind: 'nothing', startup: true },
  ],
  [
    'start: no network known, auto_hotspot off',
    { started: false, mode: 'disconnected', known: 0, delays: noAuto },
    { kind: 'nothing', startup: true },
  ],
  [
    'start: the hotspot is up (Loop restarted while serving it): keep it as the fallback',
    { started: false, mode: 'hotspot' },
    { kind: 'keep_hotspot', reason: 'no_network', startup: true },
  ],
  [
    'start: NetworkManager is connecting by itself: let it finish',
    { started: false, mode: 'disconnected', connecting: true },
    { kind: 'nothing' },
  ],
  // ---- the home network disappears
  [
    'the home AP just disappeared: the fallback delay runs',
    { mode: 'disconnected', lostSince: NOW },
    { kind: 'wait', until: NOW + 2 * MINUTE },
  ],
  [
    'halfway through the fallback delay: wait for the rest',
    { mode: 'disconnected', lostSince: NOW - MINUTE },
    { kind: 'wait', until: NOW + MINUTE },
  ],
  ['the fallback delay has run: the hotspot, for a lost network', lost, { kind: 'start_hotspot', reason: 'lost' }],
  ['the delay has run, but a cable connects Loop: no hotspot', { ...lost, wired: true }, { kind: 'nothing' }],
  ['the delay has run, auto_hotspot off: no hotspot', { ...lost, delays: noAuto }, { kind: 'nothing' }],
  ['the delay has run while NetworkManager reconnects: let it', { ...lost, connecting: true }, { kind: 'nothing' }],
  ['NetworkManager went away: nothing to decide', { ...lost, mode: 'unavailable' }, { kind: 'nothing' }],
  ['back online: nothing to do', { lostSince: null }, { kind: 'nothing' }],
  // ---- the hotspot stands in
  ['fallback hotspot, the next look not due: wait for it', inHotspot('lost', NOW - MINUTE), { kind: 'wait', until: NOW + MINUTE }],
  [
    'fallback hotspot, look due (the home AP may be back): try known networks, else the hotspot again',
    inHotspot('lost'),
    { kind: 'rejoin', blind: false, otherwise: 'lost' },
  ],
  [
    'setup hotspot, look due: the same, keeping its reason',
    inHotspot('no_network'),
    { kind: 'rejoin', blind: false, otherwise: 'no_network' },
  ],
  [
    'the 5th look: blind (chips that cannot scan while serving the hotspot)',
    { ...inHotspot('lost'), looks: 4 },
    { kind: 'rejoin', blind: true, otherwise: 'lost' },
  ],
  [
    'blind_retry_every 0: never blind',
    { ...inHotspot('lost'), looks: 4, delays: { ...base.delays, blindRetryEvery: 0 } },
    { kind: 'rejoin', blind: false, otherwise: 'lost' },
  ],
  ['setup hotspot with nothing saved: nothing to look for', { ...inHotspot('no_network'), known: 0 }, { kind: 'nothing' }],
  ['a hotspot the person turned on: theirs to end', inHotspot('manual'), { kind: 'nothing' }],
  ['a hotspot Loop did not bring up: left alone', inHotspot(null), { kind: 'nothing' }],
  // ---- the person turns the hotspot on or off by hand
  ['turned on while online', { asked: { kind: 'hotspot', active: true } }, { kind: 'start_hotspot', reason: 'manual' }],
  [
    "toggled (the first version's button) while without a network: on",
    { mode: 'disconnected', asked: { kind: 'hotspot', active: null } },
    { kind: 'start_hotspot', reason: 'manual' },
  ],
  [
    'toggled while it is up: off, then a known network in sight',
    { ...inHotspot('manual'), asked: { kind: 'hotspot', active: null } },
    { kind: 'stop_hotspot', rejoin: true },
  ],
  [
    'turned off while it stands in for a lost network: off',
    { ...inHotspot('lost'), asked: { kind: 'hotspot', active: false } },
    { kind: 'stop_hotspot', rejoin: true },
  ],
  [
    'turned on while the fallback hotspot is up already: kept as it is',
    { ...inHotspot('lost'), asked: { kind: 'hotspot', active: true } },
    { kind: 'nothing' },
  ],
  ['turned off while it is off: nothing', { asked: { kind: 'hotspot', active: false } }, { kind: 'nothing' }],
  ['turned off by hand, no network since, delay long run: it stays off', { ...lost, heldOff: true }, { kind: 'nothing' }],
  ['asked while NetworkManager is away: nothing', { mode: 'unavailable', asked: { kind: 'hotspot', active: true } }, { kind: 'nothing' }],
  // ---- a connect that fails
  [
    'a wrong password, tried from the setup hotspot: the hotspot comes back, same reason',
    { mode: 'disconnected', asked: { kind: 'connect_failed', fromHotspot: 'no_network' } },
    { kind: 'start_hotspot', reason: 'no_network' },
  ],
  [
    'a wrong password, tried from the hotspot the person opened: it comes back as theirs',
    { mode: 'disconnected', asked: { kind: 'connect_failed', fromHotspot: 'manual' } },
    { kind: 'start_hotspot', reason: 'manual' },
  ],
  [
    'a wrong password, tried while online: nothing (the loss rule takes it from there)',
    { mode: 'client', asked: { kind: 'connect_failed', fromHotspot: null } },
    { kind: 'nothing' },
  ],
];

describe('wifi: the onboarding policy', () => {
  for (const [situation, facts, decision] of rows) {
    it(situation, () => expect(decide({ ...base, ...facts })).to.deep.equal(decision));
  }

  it('reads no wall clock: NTP stepping the date by hours during a delay changes no decision', () => {
    const before = rows.map(([, facts]) => decide({ ...base, ...facts }));
    const wallClock = Date.now;
    try {
      for (const step of [3 * 3600_000, -3 * 3600_000]) {
        Date.now = () => wallClock() + step;
        expect(rows.map(([, facts]) => decide({ ...base, ...facts }))).to.deep.equal(before);
      }
    } finally {
      Date.now = wallClock;
    }
  });

  it('the home AP goes and comes back: the delay, the hotspot, the look that finds it', () => {
    // The service's side, in monotonic time: it records when the network went and when it last looked.
    const at = (minutes: number) => NOW + minutes * MINUTE;
    const gone = { ...base, mode: 'disconnected' as const, lostSince: at(0) };
    expect(decide({ ...gone, now: at(1) })).to.deep.equal({ kind: 'wait', until: at(2) });
    expect(decide({ ...gone, now: at(2) })).to.deep.equal({ kind: 'start_hotspot', reason: 'lost' });
    const serving = { ...base, ...inHotspot('lost', at(2)), lostSince: null };
    expect(decide({ ...serving, now: at(3) })).to.deep.equal({ kind: 'wait', until: at(4) });
    expect(decide({ ...serving, now: at(4) })).to.deep.equal({ kind: 'rejoin', blind: false, otherwise: 'lost' });
    expect(decide({ ...base, now: at(4) }), 'rejoined').to.deep.equal({ kind: 'nothing' });
  });
});
