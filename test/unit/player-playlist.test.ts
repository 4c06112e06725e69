// From loop + library to mpv's playlist: order, rotation, per-file options, what is skipped.
import { expect } from 'chai';
import type { LoopState } from '../../core/protocol/index.js';
import { planAll, planFrom, planKey, playableLibrary, sameOptions, startSlug } from '../../plugins/player/playlist.js';
import { screenAss, screenText } from '../../plugins/player/idle-screen.js';
import { hotspotWifi, loopState, media } from '../helpers/player-fixtures.js';

/** This table's loops repeat every clip twice unless a row says otherwise. */
const loop = (slugs: string[], over: Partial<LoopState> = {}): LoopState => loopState(slugs, { repeat: 2, ...over });

describe('player playlist', () => {
  const lib = playableLibrary([media('a'), media('b', 'image'), media('c'), media('d', 'video', 'processing')]);

  it('keeps only ready items with a file', () => {
    expect([...lib.keys()]).to.deep.equal(['a', 'b', 'c']);
  });

  it('plans the play order with repeats as loop-file and stills as image-display-duration', () => {
    const l = loop(['a', 'b', 'c', 'd']);
    l.items[2] = { slug: 'c', repeat: 1, duration: null };
    l.items[1] = { slug: 'b', repeat: null, duration: 3 };
    const plan = planAll(l, lib);
    expect(plan.map((e) => e.slug)).to.deep.equal(['a', 'b', 'c']);
    // The still's duration × the loop's repeat (2); every clip says its loop-file, even `no`.
    expect(plan.map((e) => e.options)).to.deep.equal([{ 'loop-file': 1 }, { 'image-display-duration': 6 }, { 'loop-file': 'no' }]);
    expect(plan[0]?.path).to.equal('/m/a');
    expect(plan[0]?.title).to.equal('a');
  });

  it('a lone clip loops inside its file (seamless); a lone still is shown again each duration', () => {
    expect(planAll(loop(['a']), lib).map((e) => e.options)).to.deep.equal([{ 'loop-file': 'inf' }]);
    expect(planAll(loop(['b'], { repeat: 1 }), lib).map((e) => e.options)).to.deep.equal([{ 'image-display-duration': 10 }]);
    expect(
      planAll(loop(['a', 'd']), lib).map((e) => e.options),
      'd is not ready: a is alone',
    ).to.deep.equal([{ 'loop-file': 'inf' }]);
  });

  it('gives a still its clip (for a timeline) and each entry whether its converted file has sound', () => {
    const still = { ...media('s', 'image'), still_clip: { path: '/m/s.mp4', url: '/s.mp4', duration: 2, has_audio: true } };
    const talking = { ...media('t'), source: { format: 'mp4', codec: 'h264', width: 1, height: 1, duration: 1, has_audio: true } };
    const library = playableLibrary([still, media('b', 'image'), talking, { ...talking, slug: 'u', has_audio: false }]);
    const plan = planAll(loop(['s', 'b', 't', 'u'], { repeat: 1 }), library);
    expect(plan.map((e) => [e.slug, e.stillClip ?? null, e.audio])).to.deep.equal([
      ['s', { path: '/m/s.mp4', length: 2 }, true],
      // Not made yet: the picture plays, outside a timeline.
      ['b', null, false],
      // An older library says only whether the upload had sound; a newer one, whether the file has.
      ['t', null, true],
      ['u', null, false],
    ]);
  });

  it('compares per-file options as mpv would read them', () => {
    expect(sameOptions({ 'loop-file': 1 }, { 'loop-file': '1' })).to.equal(true);
    expect(sameOptions({ 'loop-file': 'inf' }, { 'loop-file': 'no' })).to.equal(false);
    expect(sameOptions({ 'loop-file': 'no', start: '1.200' }, { 'loop-file': 'no' })).to.equal(false);
  });

  it('rotates the playlist so the current item comes first (mpv loops the playlist round)', () => {
    const l = loop(['a', 'b', 'c'], { order: ['c', 'a', 'b'] });
    expect(planFrom(l, lib, 'a').map((e) => e.slug)).to.deep.equal(['a', 'b', 'c']);
    expect(planFrom(l, lib, 'b').map((e) => e.slug)).to.deep.equal(['b', 'c', 'a']);
  });

  it('in mode one holds only the current item, forever', () => {
    const l = loop(['a', 'b'], { mode: 'one' });
    expect(planFrom(l, lib, 'a')).to.deep.equal([
      { slug: 'a', path: '/m/a', kind: 'video', title: 'a', options: { 'loop-file': 'inf' }, audio: false },
    ]);
    expect(planFrom(l, lib, 'b')[0]?.options).to.deep.equal({ 'image-display-duration': 'inf' });
  });

  it('starts at the active item, or the next playable one after it', () => {
    const l = loop(['d', 'a', 'c']);
    expect(startSlug(l, lib, 'c')).to.equal('c');
    expect(startSlug(l, lib, 'd')).to.equal('a');
    expect(startSlug(l, lib, null)).to.equal('a');
    expect(startSlug(loop(['d']), lib, 'd')).to.equal(null);
    expect(startSlug(loop([]), lib, null)).to.equal(null);
  });

  it('needs no rebuild when only the active item moved, and one when order or settings change', () => {
    const l = loop(['a', 'b', 'c']);
    const k = planKey(l, lib, 'a');
    expect(planKey({ ...l, active: 'b', current_index: 1 }, lib, 'b')).to.equal(k);
    expect(planKey({ ...l, order: ['b', 'a', 'c'] }, lib, 'a')).to.not.equal(k);
    expect(planKey({ ...l, repeat: 3 }, lib, 'a')).to.not.equal(k);
    expect(planKey({ ...l, mode: 'one' }, lib, 'a')).to.not.equal(k);
  });

  it('the idle card says where to go, or which hotspot to join', () => {
    const lan = { hostname: 'loop', ips: ['192.168.1.20', '10.0.0.5'], mdns: true, port: 8080, wifi: undefined, why: 'empty' as const };
    const text = screenText({ ...lan, host: '0.0.0.0' });
    expect(text).to.include('http://loop.local:8080').and.include('http://192.168.1.20:8080').and.include('empty');
    expect(text.split('\n'), 'each URL on a line of its own').to.include('http://10.0.0.5:8080');
    const hot = screenText({
      hostname: 'loop',
      ips: [],
      mdns: false,
      host: '0.0.0.0',
      port: 80,
      why: 'empty',
      wifi: hotspotWifi('LOOP-Setup', ''),
    });
    expect(hot).to.include('"LOOP-Setup"').and.include('http://192.168.100.1').and.not.include(':80');
    expect(screenAss('a {b}\nc')).to.equal('{\\an5\\fs70\\bord1\\b1}a \\{b\\}{\\b0}\\N{\\fs66}c');
  });

  it('the idle card names only addresses Loop listens on (http.host)', () => {
    const lan = { hostname: 'loop', ips: ['192.168.1.20', '10.0.0.5'], port: 8080, wifi: undefined, why: 'empty' as const };
    const urls = (text: string): string[] => text.match(/http:\/\/\S+/g) ?? [];
    // Every interface: the mDNS name only when a responder answers for it, and the IPs.
    expect(urls(screenText({ ...lan, mdns: true, host: '0.0.0.0' }))).to.deep.equal([
      'http://loop.local:8080',
      'http://192.168.1.20:8080',
      'http://10.0.0.5:8080',
    ]);
    expect(urls(screenText({ ...lan, mdns: false, host: '::' }))).to.deep.equal(['http://192.168.1.20:8080', 'http://10.0.0.5:8080']);
    // One address: that one.
    expect(urls(screenText({ ...lan, mdns: true, host: '10.0.0.5' }))).to.deep.equal(['http://10.0.0.5:8080']);
    expect(urls(screenText({ ...lan, mdns: true, host: 'fd00::5' }))).to.deep.equal(['http://[fd00::5]:8080']);
    // Loopback only: said plainly, with the way to change it.
    const local = screenText({ ...lan, mdns: true, host: '127.0.0.1' });
    expect(urls(local)).to.deep.equal(['http://127.0.0.1:8080']);
    expect(local).to.include('Loop answers only here').and.include('set http.host: 0.0.0.0');
    // The hotspot's address only when Loop listens there.
    const hotspot = { ...lan, ips: [], mdns: false, port: 80, wifi: hotspotWifi('LOOP-Setup', '') };
    expect(screenText({ ...hotspot, host: '10.0.0.5' })).not.to.include('http://192.168.100.1');
  });
});

describe('player: video output without a screen', () => {
  it('vo auto becomes null when there is no display and no DRM card; explicit choices stand', async () => {
    const { effectiveVo, hasScreen } = await import('../../plugins/player/screen.js');
    expect(hasScreen({}, '/nonexistent-dri')).to.equal(false);
    expect(hasScreen({ DISPLAY: ':0' }, '/nonexistent-dri')).to.equal(true);
    expect(effectiveVo('auto', false)).to.equal('null');
    expect(effectiveVo('auto', true)).to.equal('auto');
    expect(effectiveVo('drm', false)).to.equal('drm');
  });
});
