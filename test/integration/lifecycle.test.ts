// Start-up and shutdown of the real process: SIGTERM publishes offline and exits within 5 s;
// with an external broker, kill -9 leaves the last will, and a broker restart is survived.
import { skipBecause } from '../helpers/skip.js';
import { expect } from 'chai';
import { connectMqtt } from '../helpers/mqtt.js';
import { startLoopProcess, startTestLoop, http } from '../helpers/loop.js';
import { withDeadline } from '../helpers/wait.js';
import { MOSQUITTO, startMosquitto } from '../helpers/mosquitto.js';
import { connectWs, ofType } from '../helpers/ws.js';
import type { SystemState } from '../../core/protocol/index.js';

describe('lifecycle: graceful shutdown and broker outages', function () {
  this.timeout(30_000);

  it('SIGTERM: bridge/state offline reaches outside clients, exit 0 within 5 s', async () => {
    const proc = await startLoopProcess({ config: { device: { id: 'grace' } } });
    const c = await connectMqtt(proc.mqtt, { reconnectPeriod: 0 });
    await c.subscribe(`${proc.baseTopic}/bridge/state`);
    await c.next((m) => (m.json as { state: string }).state === 'online');
    const t0 = Date.now();
    const exit = await proc.stop();
    expect(Date.now() - t0).to.be.below(5000);
    expect(exit.code).to.equal(0);
    const offline = await c.next((m) => (m.json as { state: string }).state === 'offline', 3000);
    expect(offline.topic).to.equal(`${proc.baseTopic}/bridge/state`);
    await c.end();
  });

  it('SIGINT (Ctrl-C) shuts down the same way', async () => {
    const proc = await startLoopProcess({ config: { device: { id: 'ctrlc' } } });
    const c = await connectMqtt(proc.mqtt, { reconnectPeriod: 0 });
    await c.subscribe(`${proc.baseTopic}/bridge/state`);
    await c.next((m) => (m.json as { state: string }).state === 'online');
    const exit = await proc.kill('SIGINT');
    expect(exit.code).to.equal(0);
    await c.next((m) => (m.json as { state: string }).state === 'offline', 3000);
    await c.end();
  });

  it('a bad config stops start-up with a message naming the key, the value and what was expected', async () => {
    const proc = await startLoopProcess({ env: { LOOP_HTTP_PORT: 'eighty' }, noWait: true });
    const exit = await proc.exited;
    expect(exit.code).to.equal(78);
    expect(proc.output()).to.match(/http\.port: is "eighty"; must be integer/);
  });

  it('a typo in plugins stops start-up (exit 78) naming the bad entry and the known plugins', async () => {
    const proc = await startLoopProcess({ config: { plugins: ['system', 'playr'] }, noWait: true });
    // A Loop that starts anyway (the defect) is stopped, not left running.
    const exit = await withDeadline(proc.exited, 10_000, 'Loop to refuse the config').finally(() => proc.kill());
    expect(exit.code).to.equal(78);
    expect(proc.output()).to.match(/plugins\.1: unknown plugin "playr": not a built-in \(system, player, loop, media,/);
  });

  describe('external broker (mosquitto)', () => {
    before(function () {
      if (!MOSQUITTO) skipBecause(this, 'mosquitto is not installed (.ci/run installs it)');
    });

    it('kill -9 of Loop leaves the last will: bridge/state offline, retained', async () => {
      const broker = await startMosquitto();
      const proc = await startLoopProcess({ config: { device: { id: 'will' }, mqtt: { url: broker.url } } });
      const c = await connectMqtt(broker.url);
      await c.subscribe(`${proc.baseTopic}/bridge/state`);
      await c.next((m) => (m.json as { state: string }).state === 'online');
      await proc.kill('SIGKILL');
      // The broker notices the dead socket at once (RST) and publishes the will.
      const will = await c.next((m) => (m.json as { state: string }).state === 'offline', 10_000);
      expect(will.topic).to.equal(`${proc.baseTopic}/bridge/state`);
      await c.end();
      const late = await connectMqtt(broker.url);
      await late.subscribe(`${proc.baseTopic}/bridge/state`);
      const retained = await late.next(() => true);
      expect(retained.retain).to.equal(true);
      expect(retained.json).to.deep.equal({ state: 'offline' });
      await late.end();
      await broker.stop();
    });

    it('after a broker restart (retained state lost), Loop reconnects, republishes its state, and serves again', async () => {
      const broker = await startMosquitto();
      const loop = await startTestLoop({ mqtt: { url: broker.url } });
      const ws = await connectWs(loop.ws);
      ws.send({ type: 'subscribe', room: 'system' });
      await ws.next(ofType('subscribe_response'));
      await broker.restart();
      // A fresh client of the restarted broker sees current state: republished by Loop.
      const c = await connectMqtt(broker.url);
      await c.subscribe(`${loop.baseTopic}/#`);
      const online = await c.next((m) => m.topic.endsWith('/bridge/state'), 15_000);
      expect(online.json).to.deep.equal({ state: 'online' });
      await c.next((m) => m.topic === `${loop.baseTopic}/system`, 15_000);
      const late = await connectMqtt(broker.url);
      await late.subscribe(`${loop.baseTopic}/system`);
      const sys = await late.next(() => true);
      expect(sys.retain).to.equal(true);
      expect((sys.json as SystemState).hostname).to.be.a('string');
      await late.end();
      // Requests flow again through the bus (REST → MQTT → plugin → MQTT → REST).
      const res = await http('GET', `${loop.http}/api/system`);
      expect(res.status).to.equal(200);
      // And the gateway, re-subscribed by mqtt.js, passes events to the page again.
      const since = ws.mark();
      await http('GET', `${loop.http}/api/system`);
      await ws.next(ofType('system_status_changed'), 5000, since);
      await ws.close();
      await c.end();
      await loop.stop();
      await broker.stop();
    });
  });
});
