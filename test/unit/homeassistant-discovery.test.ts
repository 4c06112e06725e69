// The pure parts of the Home Assistant mapping: clip names, the discovery payload's shape,
// removals and number ranges, and the rule checker the integration tests rely on (shown to catch what HA refuses).
import { Type } from '@sinclair/typebox';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';
import { displayActions, loopActions, playerActions, type MediaItem } from '../../core/protocol/index.js';
import { clipNames } from '../../plugins/homeassistant/clip-names.js';
import { buildDiscovery, type DeviceFacts } from '../../plugins/homeassistant/discovery.js';
import { entities } from '../../plugins/homeassistant/entities/index.js';
import type { EntityContext } from '../../plugins/homeassistant/entity.js';
import { rangeOf } from '../../plugins/homeassistant/range.js';
import { componentProblems, devicePayloadProblems } from '../helpers/ha-rules.js';

const item = (slug: string, filename: string, status: MediaItem['processing_status'] = 'ready'): MediaItem => ({
  slug,
  filename,
  type: 'video/mp4',
  size: 1,
  uploadedAt: '',
  url: '',
  thumbnail_url: null,
  kind: 'video',
  width: 1,
  height: 1,
  frame_count: 1,
  processing_status: status,
  path: null,
});

const ctx = (names: string[] = []): EntityContext => ({
  t: { state: (r) => `loop/x/${r}`, set: (p) => `loop/x/${p}/set` },
  clipNames: names,
  config: { discovery_prefix: 'homeassistant', announce_delay_ms: 0, thumbnail: true, notify_seconds: 5 },
});
const facts = (running: string[]): DeviceFacts => ({
  id: 'x',
  name: 'X',
  version: '1',
  configUrl: null,
  model: 'm',
  baseTopic: 'loop/x',
  running: new Set(running),
  configured: new Set(running),
});

describe('homeassistant: clip names', () => {
  it('are file names without extension, unique in library order, ready items only, control characters gone', () => {
    const n = clipNames([
      item('a', 'Cat.mp4'),
      item('b', 'Cat.webm'),
      item('c', 'Dog.gif', 'processing'),
      item('d', 'Bad\nname\t.png'),
      item('e', '.mp4'),
    ]);
    expect(n.names).to.deep.equal(['Cat', 'Cat (2)', 'Bad name', 'e']);
    expect(n.slugOf.get('Cat (2)')).to.equal('b');
    expect(n.nameOf.get('d')).to.equal('Bad name');
  });
});

describe('homeassistant: the discovery payload', () => {
  it('offers only the entities of running plugins, and a select only with options', () => {
    const { payload, components } = buildDiscovery(facts(['system']), ctx(), entities);
    expect(Object.keys(components)).to.have.members(['storage_free', 'cpu_temperature', 'restart']);
    expect(devicePayloadProblems(payload)).to.deep.equal([]);
    expect(Object.keys(buildDiscovery(facts(['player']), ctx(), entities).components)).to.not.include('clip');
    expect(Object.keys(buildDiscovery(facts(['player']), ctx(['A']), entities).components)).to.include('clip');
  });

  it('sends a component that went away with only its platform, as removed, until it comes back', () => {
    const { payload, components, removed } = buildDiscovery(facts(['system']), ctx(), entities, {
      components: { volume: 'number', restart: 'button' },
      removed: {},
    });
    expect((payload.cmps as Record<string, unknown>).volume).to.deep.equal({ p: 'number' });
    expect(components).to.not.have.property('volume');
    expect(removed).to.deep.equal({ volume: 'number' });
    const again = buildDiscovery(facts(['system']), ctx(), entities, { components, removed });
    expect((again.payload.cmps as Record<string, unknown>).volume).to.deep.equal({ p: 'number' });
    const back = buildDiscovery(facts(['system', 'player']), ctx(), entities, { components, removed });
    expect(back.removed).to.deep.equal({});
    expect(back.components).to.have.property('volume', 'number');
  });

  it('keeps what a plugin that failed at start announced before (nothing removed), and adds nothing new for it', () => {
    const before = buildDiscovery(facts(['system', 'loop']), ctx(), entities);
    const failed = { ...facts(['system']), configured: new Set(['system', 'loop', 'display']) };
    const { payload, components, removed } = buildDiscovery(failed, ctx(), entities, { components: before.components, removed: {} });
    expect(removed).to.deep.equal({});
    expect(components).to.include({ loop_mode: 'select', repeat: 'number', still_duration: 'number' });
    expect((payload.cmps as Record<string, Record<string, unknown>>).loop_mode).to.have.property('command_topic');
    expect(components).to.not.have.property('brightness');
    // Turned off in the config (not listed at all): removed.
    const off = buildDiscovery(facts(['system']), ctx(), entities, { components: before.components, removed: {} });
    expect(off.removed).to.include({ loop_mode: 'select' });
  });

  it("takes every number entity's range from the contract (min, max; an exclusive bound one step inside)", () => {
    const all = ['player', 'loop', 'media', 'system', 'wifi', 'display', 'homeassistant'];
    const cmps = buildDiscovery(facts(all), ctx(['A']), entities).payload.cmps as Record<string, Record<string, unknown>>;
    const settings = loopActions.settings.request.properties;
    const pick = (id: string) => ({ min: cmps[id]?.min, max: cmps[id]?.max });
    expect(pick('repeat')).to.deep.equal({ min: settings.repeat.minimum, max: settings.repeat.maximum });
    expect(pick('volume')).to.deep.equal({ min: 0, max: playerActions.volume.request.properties.volume.maximum });
    const brightness = displayActions.brightness.request.properties.brightness;
    expect(pick('brightness')).to.deep.equal({ min: brightness.minimum, max: brightness.maximum });
    expect(pick('still_duration')).to.deep.equal({
      min: (settings.image_duration.exclusiveMinimum as number) + (cmps.still_duration?.step as number),
      max: settings.image_duration.maximum,
    });
    const numbers = Object.entries(cmps).filter(([, c]) => c.p === 'number');
    expect(numbers.map(([id]) => id)).to.have.members(['repeat', 'still_duration', 'volume', 'brightness']);
    expect(() => rangeOf(Type.Number({ minimum: 0 }), 1, 'unbounded')).to.throw(/no bounded range/);
  });

  it("every entity of every plugin (wifi and display too) follows HA's rules", () => {
    const all = ['player', 'loop', 'media', 'system', 'wifi', 'display', 'homeassistant'];
    const { payload } = buildDiscovery(facts(all), ctx(['A', 'B']), entities);
    const problems = Object.entries(payload.cmps as Record<string, Record<string, unknown>>).flatMap(([id, c]) => componentProblems(id, c));
    expect(problems).to.deep.equal([]);
  });

  it('the rule checker catches what Home Assistant refuses', () => {
    expect(componentProblems('a', { p: 'sensor', unique_id: 'u', state_topic: 't', entity_category: 'config' })).to.have.length(1);
    expect(componentProblems('b', { p: 'button', unique_id: 'u' })).to.deep.equal(['b: button requires command_topic']);
    expect(componentProblems('c', { p: 'select', unique_id: 'u', command_topic: 't', options: ['a', 'a'] })).to.deep.equal([
      'c: options must be unique',
    ]);
    expect(componentProblems('d', { p: 'sensor', state_topic: 't/#' })).to.have.length(2);
    expect(componentProblems('e', { p: 'sensor', uniq_id: 'u', stat_t: 't', device_class: 'enum', unit_of_meas: 'B' })).to.have.length(2);
    expect(
      componentProblems('f', { p: 'image', unique_id: 'u', image_topic: 'a', url_topic: 'b', content_type: 'image/jpeg' }),
    ).to.have.length(1);
    expect(componentProblems('g', { p: 'number', unique_id: 'u', command_topic: 't', colour: 1 })).to.deep.equal([
      'g: number has no option colour',
    ]);
    expect(devicePayloadProblems({ cmps: {} })).to.include('device discovery requires device');
  });
});

describe('homeassistant: the docs name entities that exist', () => {
  it('every entity id in docs/homeassistant.md and the fleet snippet is one Home Assistant would make', () => {
    // HA's entity id: <platform>.<device name>_<entity name>, lower-cased, non-alphanumerics as _.
    const slug = (s: string) =>
      s
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '_')
        .replace(/^_|_$/g, '');
    const all = ['player', 'loop', 'media', 'system', 'wifi', 'display', 'homeassistant'];
    const { payload } = buildDiscovery(facts(all), ctx(['A']), entities);
    const made = new Set(Object.values(payload.cmps as Record<string, { p: string; name: string }>).map((c) => `${c.p}.${slug(c.name)}`));
    const docs = ['docs/homeassistant.md', 'examples/fleet/homeassistant/configuration.yaml']
      .map((f) => readFileSync(join(packageRoot, f), 'utf8'))
      .join('\n');
    const named = [
      ...docs.matchAll(/\b(sensor|binary_sensor|switch|select|number|button|image|notify)\.(living_room|kitchen)_([a-z0-9_]+)/g),
    ].map((m) => `${m[1]}.${m[3]}`);
    expect(named.length).to.be.greaterThan(10);
    expect(named.filter((n) => !made.has(n))).to.deep.equal([]);
  });
});
