// A fleet as examples/fleet describes it: Debian's mosquitto with the example's ACL file and
// logins, two Loop processes with the example player configs (their own device ids, users, data
// dirs and ports), watched by a client logged in as Home Assistant. Each player is its own HA
// device and is driven alone; a group command drives both; a player killed with SIGKILL goes
// offline by its last will while the other stays online.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packageRoot } from '../../core/paths.js';
import type { BridgeState, LoopState, PlayerState } from '../../core/protocol/index.js';
import { componentProblems, devicePayloadProblems, type Json } from '../helpers/ha-rules.js';
import { startLoopProcess, type LoopProcess } from '../helpers/loop.js';
import { MOSQUITTO, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { connectMqtt, type TestMqtt } from '../helpers/mqtt.js';
import { skipBecause } from '../helpers/skip.js';
import { sleep, until } from '../helpers/wait.js';

const FLEET = join(packageRoot, 'examples', 'fleet');
const PASSWD = '/usr/bin/mosquitto_passwd';
const example = (name: string): Json => parse(readFileSync(join(FLEET, name), 'utf8')) as Json;

describe('a fleet: two Loops on one Mosquitto with ACLs', function () {
  this.timeout(60000);
  let broker: Mosquitto;
  let ha: TestMqtt;
  const players: Record<string, LoopProcess> = {};
  const configs = { livingroom: example('loop-livingroom.yaml'), kitchen: example('loop-kitchen.yaml') };

  const stateOf = (id: string): PlayerState | undefined =>
    [...ha.received].reverse().find((m) => m.topic === `loop/${id}/player`)?.json as PlayerState | undefined;
  const online = (id: string): string | undefined =>
    ([...ha.received].reverse().find((m) => m.topic === `loop/${id}/bridge/state`)?.json as BridgeState | undefined)?.state;
  const volume = (id: string, v: number) => until(() => stateOf(id)?.volume === v, 8000, `${id} volume ${v} (is ${stateOf(id)?.volume})`);

  before(async function () {
    // Two Loop processes with mpv each: slow on a loaded machine (nothing asserts on time here).
    this.timeout(120_000);
    if (!MOSQUITTO || !existsSync(PASSWD)) skipBecause(this, 'mosquitto is not installed (apt-get install mosquitto)');
    broker = await startMosquitto((dir, port) => {
      copyFileSync(join(FLEET, 'acl'), join(dir, 'acl'));
      const pw = join(dir, 'passwd');
      execFileSync(PASSWD, ['-c', '-b', pw, 'homeassistant', 'ha-secret']);
      for (const c of Object.values(configs)) {
        const m = c.mqtt as Json;
        execFileSync(PASSWD, ['-b', pw, m.username as string, m.password as string]);
      }
      // Started as root, mosquitto reads its files as the `mosquitto` user.
      chmodSync(dir, 0o755);
      for (const f of ['acl', 'passwd']) chmodSync(join(dir, f), 0o644);
      // The example as it is, on a loopback port, with the test's files and no persistence.
      return (
        readFileSync(join(FLEET, 'mosquitto.conf'), 'utf8')
          .replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`)
          .replace('/etc/mosquitto/passwd', pw)
          .replace('/etc/mosquitto/acl', join(dir, 'acl'))
          .replace(/^persistence.*$/gm, '') + 'persistence false\nlog_dest stderr\n'
      );
    });
    ha = await connectMqtt(broker.url, { username: 'homeassistant', password: 'ha-secret' });
    await ha.subscribe('homeassistant/device/+/config');
    await ha.subscribe('loop/+/bridge/state');
    await ha.subscribe('loop/+/player');
    await ha.subscribe('loop/+/loop');
    for (const [id, c] of Object.entries(configs)) {
      players[id] = await startLoopProcess({
        config: {
          ...c,
          mqtt: { ...(c.mqtt as Json), url: broker.url, keepalive: 2 },
          plugins: ['system', 'player', 'loop', 'homeassistant'],
          player: { vo: 'null', ao: 'null', hang_timeout_ms: 3000 },
          log: { level: 'info' },
        },
        startTimeoutMs: 60_000,
      });
    }
    for (const id of Object.keys(configs)) await until(() => stateOf(id) !== undefined, 10000, `${id}'s player state`);
  });

  after(async () => {
    for (const p of Object.values(players)) await p.stop().catch(() => p.kill());
    await ha?.end();
    await broker?.stop();
  });

  it('both players appear as separate Home Assistant devices with their own entities', async () => {
    const payloads: Record<string, Json> = {};
    await until(
      () => {
        for (const id of Object.keys(configs)) {
          const m = [...ha.received].reverse().find((x) => x.topic === `homeassistant/device/${id}/config` && x.payload.length > 0);
          if ((m?.json as { cmps?: Json } | undefined)?.cmps?.volume) payloads[id] = m?.json as Json;
        }
        return Object.keys(payloads).length === 2;
      },
      10000,
      'two discovery payloads',
    );
    const [a, b] = [payloads.livingroom as Json, payloads.kitchen as Json];
    expect(devicePayloadProblems(a)).to.deep.equal([]);
    expect((a.device as Json).name).to.equal('Living room');
    expect((b.device as Json).name).to.equal('Kitchen');
    expect((a.device as Json).identifiers).to.not.deep.equal((b.device as Json).identifiers);
    const ua = Object.values(a.cmps as Record<string, Json>).map((c) => c.unique_id);
    const ub = Object.values(b.cmps as Record<string, Json>).map((c) => c.unique_id);
    expect(ua.filter((u) => ub.includes(u))).to.deep.equal([]);
    expect(Object.entries(b.cmps as Record<string, Json>).flatMap(([id, c]) => componentProblems(id, c))).to.deep.equal([]);
    expect((b.availability as Array<{ topic: string }>)[0]?.topic).to.equal('loop/kitchen/bridge/state');
  });

  it('each player is driven alone on its own topic', async () => {
    await ha.publish('loop/livingroom/player/set', { volume: 30 });
    await volume('livingroom', 30);
    await ha.publish('loop/kitchen/player/set', { volume: 20 });
    await volume('kitchen', 20);
    expect(stateOf('livingroom')?.volume).to.equal(30);
  });

  it('a player cannot command another one (the ACL), but can its own tree', async () => {
    const c = configs.livingroom.mqtt as Json;
    const lr = await connectMqtt(broker.url, { username: c.username as string, password: c.password as string });
    try {
      await lr.publish('loop/kitchen/player/set', { volume: 5 });
      await lr.publish('loop/livingroom/player/set', { volume: 31 });
      await volume('livingroom', 31);
      await sleep(300);
      expect(stateOf('kitchen')?.volume).to.equal(20);
    } finally {
      await lr.end();
    }
  });

  it('a group command drives both, and each keeps its own state', async () => {
    await ha.publish('loop/group/downstairs/player/set', { volume: 55 });
    await volume('livingroom', 55);
    await volume('kitchen', 55);
    // Any plugin's set topic works under a group: the loop's mode here.
    await ha.publish('loop/group/all/loop/set', { mode: 'one' });
    const mode = (id: string) =>
      ([...ha.received].reverse().find((x) => x.topic === `loop/${id}/loop`)?.json as LoopState | undefined)?.mode;
    await until(() => mode('livingroom') === 'one' && mode('kitchen') === 'one', 8000, 'both loops in mode one');
    // A group nobody lists reaches no one.
    await ha.publish('loop/group/upstairs/player/set', { volume: 70 });
    await sleep(300);
    expect([stateOf('livingroom')?.volume, stateOf('kitchen')?.volume]).to.deep.equal([55, 55]);
  });

  it('a player that hangs (SIGSTOP: socket open, silent) is offline within 1.5 × keep-alive, and online again when it resumes', async () => {
    const kitchen = players.kitchen as LoopProcess;
    const since = ha.mark();
    const t0 = Date.now();
    process.kill(kitchen.child.pid as number, 'SIGSTOP');
    try {
      await ha.next((x) => x.topic === 'loop/kitchen/bridge/state' && (x.json as BridgeState).state === 'offline', 15000, since);
      // keepalive 2 s: mosquitto gives up after 3 s of silence (loose bound for a loaded machine).
      expect(Date.now() - t0).to.be.within(2000, 12000);
      expect(online('livingroom')).to.equal('online');
    } finally {
      process.kill(kitchen.child.pid as number, 'SIGCONT');
    }
    await ha.next((x) => x.topic === 'loop/kitchen/bridge/state' && (x.json as BridgeState).state === 'online', 15000, since);
  });

  it('a player killed with SIGKILL goes offline by its last will within the keep-alive; the other stays online', async () => {
    expect([online('livingroom'), online('kitchen')]).to.deep.equal(['online', 'online']);
    const since = ha.mark();
    const t0 = Date.now();
    await (players.kitchen as LoopProcess).kill('SIGKILL');
    const m = await ha.next((x) => x.topic === 'loop/kitchen/bridge/state' && (x.json as BridgeState).state === 'offline', 15000, since);
    // The kernel closes its socket, so the broker sends the will at once (a hang takes the keep-alive, above).
    expect(Date.now() - t0).to.be.below(12000);
    expect(m.json).to.deep.equal({ state: 'offline' });
    expect(online('livingroom')).to.equal('online');
    // And it is retained: whoever looks later sees it offline.
    const late = await connectMqtt(broker.url, { username: 'homeassistant', password: 'ha-secret' });
    try {
      await late.subscribe('loop/+/bridge/state');
      await until(() => late.received.length >= 2, 5000, 'both retained states');
      const states = Object.fromEntries(late.received.map((x) => [x.topic, (x.json as BridgeState).state]));
      expect(states).to.deep.equal({ 'loop/livingroom/bridge/state': 'online', 'loop/kitchen/bridge/state': 'offline' });
    } finally {
      await late.end();
    }
  });
});
