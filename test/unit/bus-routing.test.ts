// The small rules every message passes through, as tables: how a `<plugin>/set` body becomes an
// action, which topic filters match, which room and event a topic becomes, and the route tags.
import { expect } from 'chai';
import { topicMatches } from '../../core/bus/match.js';
import { parseSet } from '../../core/plugins/dispatch.js';
import { ActionError, isCommandTopic, isStateTopic, loopActions, playerActions } from '../../core/protocol/index.js';
import { routeFor } from '../../core/protocol/rooms.js';
import { V1_SHAPES } from '../../core/gateway/v1.js';
import { tagOf } from '../../core/http/action-routes.js';
import { throttle } from '../../core/util/throttle.js';

describe('parseSet: a <plugin>/set body becomes an action', () => {
  const cases: Array<[string, string, { action: string; payload: unknown }]> = [
    ['a bare word', 'next', { action: 'next', payload: {} }],
    ['a bare word with spaces around', '  pause \n', { action: 'pause', payload: {} }],
    ['a JSON string', '"toggle"', { action: 'toggle', payload: {} }],
    ['an object with action', '{"action":"seek","position":3}', { action: 'seek', payload: { position: 3 } }],
    [
      'an object with action drops transaction',
      '{"action":"seek","position":3,"transaction":9}',
      { action: 'seek', payload: { position: 3 } },
    ],
    ['a shorthand', '{"volume":40}', { action: 'volume', payload: { volume: 40 } }],
    ['a shorthand keeps other fields', '{"seek":5,"relative":true}', { action: 'seek', payload: { position: 5, relative: true } }],
  ];
  for (const [name, body, want] of cases) {
    it(name, () => expect(parseSet(playerActions, Buffer.from(body))).to.deep.equal(want));
  }
  it('a loop shorthand names its own field (loop_mode)', () => {
    expect(parseSet(loopActions, Buffer.from('{"mode":"one"}'))).to.deep.equal({ action: 'mode', payload: { loop_mode: 'one' } });
  });
  const refused: Array<[string, string, RegExp]> = [
    ['broken JSON', '{"action":', /neither an action name nor valid JSON/],
    ['an array', '[1,2]', /action name or a JSON object/],
    ['a number', '42', /action name or a JSON object/],
    ['an object with no action and no shorthand', '{"colour":"red"}', /no action in payload/],
  ];
  for (const [name, body, msg] of refused) {
    it(`refuses ${name} as invalid`, () => {
      expect(() => parseSet(playerActions, Buffer.from(body))).to.throw(ActionError, msg);
    });
  }
});

describe('topicMatches: MQTT filters for local dispatch', () => {
  const cases: Array<[string, string, boolean]> = [
    ['player', 'player', true],
    ['player', 'player/position', false],
    ['player/#', 'player', true],
    ['player/#', 'player/position', true],
    ['#', 'bridge/info', true],
    ['+/set', 'player/set', true],
    ['+/set', 'player/x/set', false],
    ['bridge/request/+/+', 'bridge/request/loop/add', true],
    ['bridge/request/+/+', 'bridge/request/loop', false],
    ['bridge/+/loop/#', 'bridge/response/loop/add', true],
    ['media/+', 'media', false],
    ['#', '$SYS/broker/uptime', false],
    ['+/broker/uptime', '$SYS/broker/uptime', false],
    ['$SYS/#', '$SYS/broker/uptime', true],
  ];
  for (const [filter, topic, want] of cases) {
    it(`${filter} ${want ? 'matches' : 'does not match'} ${topic}`, () => expect(topicMatches(filter, topic)).to.equal(want));
  }
});

describe('command and state topics', () => {
  const cases: Array<[string, boolean, boolean]> = [
    ['player/set', true, false],
    ['set', true, false],
    ['bridge/request/media/delete', true, false],
    ['bridge/response/media/delete', false, false],
    ['player', false, true],
    ['bridge/info', false, true],
    ['settings', false, true],
  ];
  for (const [topic, command, state] of cases) {
    it(`${topic}: command ${command}, state ${state}`, () => {
      expect(isCommandTopic(topic)).to.equal(command);
      expect(isStateTopic(topic)).to.equal(state);
    });
  }
});

describe('rooms: which room and event a topic becomes', () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['player', { state: 'playing' }, 'dashboard', 'playback_changed'],
    ['media/progress', { stage: 'uploading' }, 'progress', 'upload_progress'],
    ['media/progress', { stage: 'converting' }, 'progress', 'processing_progress'],
    ['media/event', { type: 'added' }, 'dashboard', 'media_uploaded'],
    ['media/event', { type: 'deleted' }, 'dashboard', 'media_deleted'],
    ['wifi', {}, 'wifi', 'wifi_status_changed'],
    ['bridge/event', { level: 'error' }, 'all', 'error'],
    ['bridge/event', { level: 'info' }, 'system', 'notification'],
  ];
  for (const [topic, payload, room, event] of cases) {
    it(`${topic} ${JSON.stringify(payload)} → ${room}/${event}`, () => {
      expect(routeFor(topic, payload)).to.include({ room, event });
    });
  }
  it('a topic with no route goes nowhere', () => expect(routeFor('player/set', {})).to.equal(undefined));
  it("the player shape keeps the first version's fields", () => {
    expect(V1_SHAPES.player({ state: 'playing', slug: 'a', index: 2 })).to.deep.include({
      player: { state: 'playing', slug: 'a', index: 2, is_playing: true, current_media: 'a', loop_index: 2 },
    });
  });
});

describe('REST tags and progress throttle', () => {
  it("the OpenAPI tag is the path's first segment after /api", () => {
    expect(
      ['/api/loop', '/api/loop/:slug', '/api/playback/loop-mode', '/api/media/:slug/activate', '/api/dashboard/storage'].map(tagOf),
    ).to.deep.equal(['loop', 'loop', 'playback', 'media', 'dashboard']);
  });
  it('a throttle lets one report per interval through, and every forced one', () => {
    let t = 0;
    const gate = throttle(100, () => t);
    const seen: number[] = [];
    for (t = 0; t <= 350; t += 25) if (gate(t === 275)) seen.push(t);
    expect(seen).to.deep.equal([0, 100, 200, 275]);
  });
});
