// The broker's pure parts as tables: Mosquitto acl_file semantics, the packet-size guard's
// header reading, the password gate's cap and back-off, and retained quotas.
import { expect } from 'chai';
import { ClientAcl, covers, defaultAcl, parseAcl } from '../../core/broker/acl.js';
import { AuthGate } from '../../core/broker/auth-gate.js';
import { frameChecker } from '../../core/broker/frame-guard.js';
import { RetainedQuota } from '../../core/broker/retained-quota.js';

const ACL = `
# anonymous
topic read public/#
user ha
topic read loop/#
topic write loop/+/player/set
topic deny loop/+/secret
user nodered
topic readwrite #
pattern readwrite users/%u/#
pattern write clients/%c/status
`;

describe('broker ACL (Mosquitto acl_file semantics)', () => {
  const acl = parseAcl(ACL);

  const cases: Array<[string, string | undefined, string, 'pub' | 'sub' | 'read', string, boolean]> = [
    ['anonymous reads what the lines before any user grant', undefined, 'c1', 'sub', 'public/x', true],
    ['anonymous may not publish there (read only)', undefined, 'c1', 'pub', 'public/x', false],
    ['anonymous gets no user section', undefined, 'c1', 'sub', 'loop/#', false],
    ['ha subscribes to a narrower filter', 'ha', 'c2', 'sub', 'loop/+/player', true],
    ['ha may not subscribe to #', 'ha', 'c2', 'sub', '#', false],
    ['ha may not subscribe to $SYS/#', 'ha', 'c2', 'sub', '$SYS/#', false],
    ['ha publishes a command', 'ha', 'c2', 'pub', 'loop/d1/player/set', true],
    ['ha may not publish elsewhere', 'ha', 'c2', 'pub', 'loop/d1/loop/set', false],
    ['deny wins over read', 'ha', 'c2', 'read', 'loop/d1/secret', false],
    ['a subscription covered by a deny is refused', 'ha', 'c2', 'sub', 'loop/d1/secret', false],
    ['%u resolves to the username', 'ha', 'c2', 'pub', 'users/ha/x', true],
    ['%u of another user does not match', 'ha', 'c2', 'pub', 'users/nodered/x', false],
    ['%c resolves to the client id', 'ha', 'c2', 'pub', 'clients/c2/status', true],
    ['%u patterns skip anonymous clients', undefined, 'c1', 'pub', 'users//x', false],
    ['# in an ACL does not cover $ topics', 'nodered', 'c3', 'sub', '$SYS/broker/#', false],
    ['readwrite # gives everything else', 'nodered', 'c3', 'pub', 'any/thing', true],
  ];
  for (const [name, user, id, op, topic, expected] of cases) {
    it(name, () => {
      const c = new ClientAcl(acl, user, id);
      const got = op === 'pub' ? c.canPublish(topic) : op === 'sub' ? c.canSubscribe(topic) : c.canRead(topic);
      expect(got).to.equal(expected);
    });
  }

  it('a username with a wildcard or slash never widens a pattern', () => {
    const c = new ClientAcl(acl, 'a/#', 'c9');
    expect(c.canPublish('users/a/b')).to.equal(false);
  });

  it('filter coverage: + and # in the subscription', () => {
    expect(covers('a/+/c'.split('/'), 'a/b/c'.split('/'))).to.equal(true);
    expect(covers('a/b/c'.split('/'), 'a/+/c'.split('/'))).to.equal(false);
    expect(covers('a/#'.split('/'), 'a'.split('/'))).to.equal(true);
    expect(covers('a/+'.split('/'), 'a/#'.split('/'))).to.equal(false);
  });

  it('refuses a line it does not understand, naming the line', () => {
    expect(() => parseAcl('user x\ntopic read a/#/b\n', 'f.acl')).to.throw(/f\.acl line 2/);
    expect(() => parseAcl('topics read a\n')).to.throw(/unknown keyword/);
  });

  it('the default ACL gives a user what Home Assistant needs and nothing more', () => {
    const c = new ClientAcl(parseAcl(defaultAcl('loop')), 'ha', 'hass');
    expect(c.canSubscribe('homeassistant/#')).to.equal(true);
    expect(c.canSubscribe('loop/+/player')).to.equal(true);
    expect(c.canPublish('homeassistant/status')).to.equal(true);
    expect(c.canPublish('loop/dev/player/set')).to.equal(true);
    expect(c.canPublish('loop/dev/bridge/request/system/health')).to.equal(true);
    expect(c.canSubscribe('#')).to.equal(false);
    expect(c.canPublish('homeassistant/light/x/config')).to.equal(false);
    expect(c.canPublish('zigbee2mqtt/bulb/set')).to.equal(false);
    // State, events and answers by level; never others' requests.
    expect(c.canRead('loop/dev/bridge/event')).to.equal(true);
    expect(c.canRead('loop/dev/bridge/response/system/health')).to.equal(true);
    expect(c.canRead('loop/dev/bridge/request/wifi/connect')).to.equal(false);
    expect(c.canSubscribe('loop/dev/bridge/request/#')).to.equal(false);
    expect(c.canSubscribe('home/#')).to.equal(false);
  });

  it("the default ACL gives the user named nodered the example flows' topics too, and still no requests", () => {
    const c = new ClientAcl(parseAcl(defaultAcl('loop')), 'nodered', 'red');
    expect(c.canSubscribe('home/#')).to.equal(true);
    expect(c.canPublish('home/button/loop')).to.equal(false);
    expect(c.canPublish('nodered/loop/players')).to.equal(true);
    expect(c.canSubscribe('loop/+/player')).to.equal(true);
    expect(c.canSubscribe('loop/+/bridge/state')).to.equal(true);
    expect(c.canPublish('loop/dev/player/set')).to.equal(true);
    expect(c.canRead('loop/dev/bridge/request/wifi/connect')).to.equal(false);
    expect(c.canSubscribe('#')).to.equal(false);
  });
});

describe('broker packet-size guard', () => {
  const varint = (n: number): number[] => {
    const out: number[] = [];
    do {
      let b = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) b |= 0x80;
      out.push(b);
    } while (n > 0);
    return out;
  };
  it('passes packets under the limit split anywhere, and stops at the header of one over it', () => {
    const check = frameChecker(1000);
    const small = Buffer.from([0x30, ...varint(500), ...Buffer.alloc(500)]);
    const big = Buffer.from([0x30, ...varint(256 * 1024 * 1024)]);
    const stream = Buffer.concat([small, small, big]);
    let ok = true;
    for (let i = 0; i < stream.length && ok; i += 7) ok = check(stream.subarray(i, i + 7));
    expect(ok).to.equal(false);
    const check2 = frameChecker(1000);
    expect(check2(Buffer.concat([small, small]))).to.equal(true);
  });
  it('refuses a length of more than four bytes', () => {
    expect(frameChecker(1 << 30)(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]))).to.equal(false);
  });
});

describe('broker password gate', () => {
  it('runs at most `concurrency` checks, refuses past the queue, backs off per address', async () => {
    let t = 0;
    const gate = new AuthGate({ concurrency: 1, maxQueued: 1, backoffBaseMs: 100, backoffMaxMs: 1000, now: () => t });
    let running = 0;
    let most = 0;
    const slow = (ok: boolean) => async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return ok;
    };
    const results = await Promise.all([gate.check('a', slow(true)), gate.check('b', slow(true)), gate.check('c', slow(true))]);
    expect(most).to.equal(1);
    expect(results.sort()).to.deep.equal(['busy', 'ok', 'ok']);
    expect(await gate.check('x', slow(false))).to.equal('bad');
    expect(await gate.check('x', slow(true))).to.equal('backoff');
    expect(await gate.check('y', slow(true))).to.equal('ok');
    t += 100;
    expect(await gate.check('x', slow(false))).to.equal('bad');
    t += 150;
    expect(await gate.check('x', slow(true))).to.equal('backoff'); // 200 ms after the second failure
    t += 100;
    expect(await gate.check('x', slow(true))).to.equal('ok');
  });
});

describe('broker retained quota', () => {
  it('counts messages and bytes per user; replacing or clearing frees them', () => {
    const q = new RetainedQuota({ maxMessages: 2, maxBytes: 100 });
    expect(q.take('u', 'a', 40)).to.equal(null);
    expect(q.take('u', 'b', 40)).to.equal(null);
    expect(q.take('u', 'c', 1)).to.match(/retained messages/);
    expect(q.take('u', 'b', 60)).to.equal(null); // replaces its own
    expect(q.take('u', 'a', 41)).to.match(/retained bytes/);
    expect(q.take('u', 'a', 0)).to.equal(null);
    expect(q.usageOf('u')).to.deep.equal({ messages: 1, bytes: 60 });
    expect(q.take(null, 'b', 10)).to.equal(null); // Loop overwrote it
    expect(q.usageOf('u')).to.deep.equal({ messages: 0, bytes: 0 });
  });
});
