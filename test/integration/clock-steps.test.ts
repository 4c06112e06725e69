// The wall clock stepping while Loop runs (NTP's first sync on a Pi without a real-time clock):
// the Loop process under libfaketime, its clock moved back a day and forward again through a
// control file; dashboard_update on /ws and the player's retained state on MQTT keep flowing. And
// the embedded broker, whose will sweep (Aedes) judged brokers' liveness by the wall clock.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { pino } from 'pino';
import { EmbeddedBroker } from '../../core/broker/embedded.js';
import type { PlayerState } from '../../core/protocol/index.js';
import { mpvSocket, mqttRequest, removeDir, startLoopProcess, tempDir, type LoopProcess } from '../helpers/loop.js';
import { connectMqtt, type TestMqtt } from '../helpers/mqtt.js';
import { skipBecause } from '../helpers/skip.js';
import { sleep } from '../helpers/wait.js';
import { connectWs, ofType, type TestWs } from '../helpers/ws.js';

/** Debian's libfaketime (package faketime; .ci/run installs it). */
const LIBFAKETIME = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1'].find(
  (p) => existsSync(p),
);
/** How often libfaketime re-reads the control file, in seconds. */
const RE_READ_SECONDS = 1;

describe('a wall clock that steps while Loop runs (libfaketime)', function () {
  this.timeout(60_000);
  let proc: LoopProcess;
  let watcher: TestMqtt;
  let page: TestWs;
  const dataDir = tempDir();
  const control = join(tempDir('loop-faketime-'), 'offset');

  /** Moves Loop's wall clock (only it: the monotonic clock is left alone, as NTP leaves it). */
  const stepClock = async (offset: string): Promise<void> => {
    writeFileSync(control, `${offset}\n`);
    await sleep(RE_READ_SECONDS * 1000 + 300);
  };

  /**
   * A volume change must reach MQTT (retained player state) and the page (dashboard_update). The
   * failure this guards against is a stop for a day (timers on a stepped-back wall clock), so 10 s
   * is room enough for a loaded CI machine (3 s was missed once there) and still fails it.
   */
  const changeFlows = async (volume: number): Promise<void> => {
    const sincePage = page.mark();
    const sinceMqtt = watcher.mark();
    const answer = await mqttRequest(watcher, proc.baseTopic, 'player', 'volume', { volume }).catch((err: Error) => {
      throw new Error(`volume ${volume}: ${err.message}\n${proc.output().slice(-2000)}`);
    });
    expect(answer.status, JSON.stringify(answer)).to.equal('ok');
    await watcher
      .next((m) => m.topic === `${proc.baseTopic}/player` && (m.json as PlayerState).volume === volume, 10_000, sinceMqtt)
      .catch(() => expect.fail(`volume ${volume}: no player state on MQTT within 10 s`));
    await page
      .next(ofType('dashboard_update'), 10_000, sincePage)
      .catch(() => expect.fail(`volume ${volume}: no dashboard_update within 10 s`));
  };

  before(async function () {
    if (!LIBFAKETIME) skipBecause(this, 'libfaketime is not installed (Debian package faketime; .ci/run installs it)');
    writeFileSync(control, '+0\n');
    proc = await startLoopProcess({
      dataDir,
      config: {
        device: { id: 'clock' },
        plugins: ['system', 'player'],
        player: { vo: 'null', ao: 'null', ipc_socket: mpvSocket() },
      },
      env: {
        LD_PRELOAD: LIBFAKETIME,
        FAKETIME_TIMESTAMP_FILE: control,
        FAKETIME_CACHE_DURATION: String(RE_READ_SECONDS),
        // NTP steps CLOCK_REALTIME only; CLOCK_MONOTONIC goes on as before.
        FAKETIME_DONT_FAKE_MONOTONIC: '1',
      },
    });
    watcher = await connectMqtt(proc.mqtt);
    await watcher.subscribe(`${proc.baseTopic}/player`);
    await watcher.subscribe(`${proc.baseTopic}/bridge/response/player/volume`);
    page = await connectWs(proc.ws);
    page.send({ type: 'subscribe', room: 'dashboard' });
  });

  after(async () => {
    await page?.close();
    await watcher?.end();
    await proc?.stop();
    removeDir(dataDir);
  });

  it('keeps dashboard_update and the player state flowing after a step back of a day and forward again', async () => {
    await changeFlows(40);
    await changeFlows(41);
    await stepClock('-1d');
    // Loop itself sees the step (its dashboard timestamps are a day earlier): libfaketime re-reads its
    // control file every second, later on a loaded machine, so a change or two may come before it.
    let behind = 0;
    for (let tries = 0; tries < 10 && behind <= 23 * 3600; tries++) {
      const since = page.mark();
      await changeFlows(60 + tries); // a new volume each time: an unchanged one publishes nothing
      const update = await page.next(ofType('dashboard_update'), 10_000, since);
      behind = Date.now() / 1000 - (update.timestamp as number);
      if (behind <= 23 * 3600) await sleep(500);
    }
    expect(behind, 'seconds the stepped clock is behind').to.be.above(23 * 3600);
    await changeFlows(43);
    await stepClock('+0');
    await changeFlows(44);
    await changeFlows(45);
    // What was published last is what a newcomer gets, retained.
    const late = await connectMqtt(proc.mqtt);
    await late.subscribe(`${proc.baseTopic}/player`);
    const retained = await late.next(() => true, 3000);
    await late.end();
    expect(retained.retain).to.equal(true);
    expect((retained.json as PlayerState).volume).to.equal(45);
  });
});

describe("the embedded broker's last wills when the wall clock steps forward", function () {
  this.timeout(20_000);

  it('publishes no live client’s will while the clock keeps stepping forward, and still the will of one that vanishes', async () => {
    // Aedes' heartbeat shortened from 60 s to 50 ms, so its will sweep (every 4 heartbeats) runs
    // within the test; the wall clock then steps a day forward every 20 ms.
    const broker = new EmbeddedBroker({
      listen: true,
      host: '127.0.0.1',
      port: 0,
      allowAnonymous: true,
      users: [],
      passwordFile: null,
      baseTopic: 'loop/sweep',
      log: pino({ level: 'silent' }),
      heartbeatMs: 50,
    });
    await broker.start();
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const will = { topic: 'home/sweep/state', payload: Buffer.from('{"state":"offline"}'), retain: true, qos: 1 as const };
    const live = await connectMqtt(url, { will, reconnectPeriod: 0 });
    const watcher = await connectMqtt(url, { reconnectPeriod: 0 });
    await watcher.subscribe('home/sweep/state');
    const wallClock = Date.now;
    let stepped = 0;
    const stepper = setInterval(() => (stepped += 86_400_000), 20);
    Date.now = () => wallClock() + stepped;
    try {
      await sleep(600);
    } finally {
      clearInterval(stepper);
      Date.now = wallClock;
    }
    expect(stepped).to.be.above(0);
    expect(watcher.received.map((m) => m.payload.toString())).to.deep.equal([]);
    expect(live.client.connected).to.equal(true);
    // A client that really goes away still leaves its will.
    live.client.stream.destroy();
    const left = await watcher.next(() => true, 5000);
    expect(left.payload.toString()).to.equal('{"state":"offline"}');
    live.client.end(true);
    await watcher.end();
    await broker.close();
  });
});
