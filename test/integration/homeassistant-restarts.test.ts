// Home Assistant across restarts of the real Loop process, on Home Assistant's own broker (a real
// mosquitto that outlives Loop, as in docs/homeassistant.md "A"), with a recorder subscribed to
// `homeassistant/#` the whole time: no removal of a running plugin's entities in twenty restarts,
// a plugin disabled by config removed and never re-added, ranges as the contract's, and a
// configuration_url Loop listens on.
import { expect } from 'chai';
import type { TSchema } from '@sinclair/typebox';
import { loopActions, playerActions } from '../../core/protocol/index.js';
import { makeClip } from '../helpers/clips.js';
import { mpvSocket, removeDir, startLoopProcess, tempDir, type LoopProcess } from '../helpers/loop.js';
import { uploadFiles } from '../helpers/media-files.js';
import { MOSQUITTO, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { connectMqtt, type Received, type TestMqtt } from '../helpers/mqtt.js';
import { freePort } from '../helpers/ports.js';
import { skipBecause } from '../helpers/skip.js';
import { sleep } from '../helpers/wait.js';

type Cmp = Record<string, unknown>;
type Cmps = Record<string, Cmp>;

/** A component sent with nothing but its platform: Home Assistant deletes it (names, areas, settings). */
const isRemoval = (c: Cmp): boolean => Object.keys(c).length === 1 && typeof c.p === 'string';
const cmpsOf = (m: Received): Cmps => (m.json as { cmps?: Cmps } | undefined)?.cmps ?? {};

describe('Home Assistant across restarts (real process, external broker)', function () {
  this.timeout(120_000);
  let broker: Mosquitto;
  let recorder: TestMqtt;
  const dirs: string[] = [];
  let current: LoopProcess | null = null;

  before(async function () {
    if (!MOSQUITTO) skipBecause(this, 'mosquitto is not installed (apt-get install mosquitto)');
    broker = await startMosquitto();
    recorder = await connectMqtt(broker.url);
    await recorder.subscribe('homeassistant/#');
  });

  after(async () => {
    await current?.stop().catch(() => undefined);
    await recorder?.end();
    await broker?.stop();
    for (const d of dirs) removeDir(d);
  });

  /** One run of Loop as a service runs it, until its first announcement of this run has gone out. */
  const run = async (id: string, dataDir: string, plugins: string[], ports: { http: number; mqtt: number }): Promise<LoopProcess> => {
    const since = recorder.mark();
    current = await startLoopProcess({
      dataDir,
      ports,
      config: {
        device: { id },
        plugins,
        mqtt: { url: broker.url },
        player: { vo: 'null', ao: 'null', ipc_socket: mpvSocket(), hang_timeout_ms: 2000 },
        system: { allow_restart: false },
      },
    });
    await recorder.next((m) => m.topic === `homeassistant/device/${id}/config` && m.payload.length > 0, 10_000, since);
    return current;
  };

  it('twenty restarts in a row never send a removal for a running plugin', async function () {
    // About 2 s a run on an idle machine; far more when the machine is shared.
    this.timeout(300_000);
    const id = `rs${Math.random().toString(36).slice(2, 7)}`;
    const dataDir = tempDir();
    dirs.push(dataDir);
    const ports = { http: await freePort(), mqtt: await freePort() };
    const topic = `homeassistant/device/${id}/config`;
    // One clip in the library, so the clip select (it exists only with options) is part of every run.
    const setup = await run(id, dataDir, ['system', 'player', 'loop', 'media', 'homeassistant'], ports);
    const upload = await uploadFiles(`${setup.http}/api/media`, [{ path: await makeClip({ seconds: 1 }), name: 'Door.mp4' }]);
    expect(upload.status).to.equal(200);
    await recorder.next((m) => m.topic === topic && (cmpsOf(m).clip?.options as unknown[] | undefined)?.length === 1, 60_000);
    await setup.stop();
    const since = recorder.mark();
    for (let i = 0; i < 20; i++) {
      const loop = await run(id, dataDir, ['system', 'player', 'loop', 'media', 'homeassistant'], ports);
      // Long enough for every announcement of the run to go out (start-up settles in a few 100 ms).
      await sleep(400);
      await loop.stop();
    }
    const discovery = recorder.received.slice(since).filter((m) => m.topic === topic);
    expect(discovery.length).to.be.at.least(20);
    const removals = discovery.flatMap((m) =>
      Object.entries(cmpsOf(m))
        .filter(([, c]) => isRemoval(c))
        .map(([cid]) => cid),
    );
    expect(removals, 'components sent as removed').to.deep.equal([]);
    const last = cmpsOf(discovery[discovery.length - 1] as Received);
    expect(Object.keys(last)).to.include.members(['loop_mode', 'repeat', 'still_duration', 'media_count', 'processing', 'volume', 'clip']);
    expect(last.clip?.options).to.deep.equal(['Door']);
  });

  it('a plugin disabled by config is removed once and never re-added, over seconds and across a restart', async () => {
    const id = `rd${Math.random().toString(36).slice(2, 7)}`;
    const dataDir = tempDir();
    dirs.push(dataDir);
    const ports = { http: await freePort(), mqtt: await freePort() };
    const topic = `homeassistant/device/${id}/config`;
    const loopIds = ['loop_mode', 'repeat', 'still_duration'];
    let loop = await run(id, dataDir, ['system', 'loop', 'homeassistant'], ports);
    await sleep(400);
    await loop.stop();
    const since = recorder.mark();
    loop = await run(id, dataDir, ['system', 'homeassistant'], ports);
    await sleep(2500);
    await loop.stop();
    loop = await run(id, dataDir, ['system', 'homeassistant'], ports);
    // Home Assistant coming back online (its birth message) makes Loop announce again.
    await recorder.publish('homeassistant/status', 'online', { qos: 0 });
    await sleep(2500);
    const discovery = recorder.received.slice(since).filter((m) => m.topic === topic && m.payload.length > 0);
    expect(discovery.length).to.be.at.least(2);
    for (const m of discovery) {
      const cmps = cmpsOf(m);
      for (const cid of loopIds) {
        // Never announced again; and every payload (the retained one above all) still says removed,
        // so a Home Assistant that was offline at the first one removes them too.
        expect(cmps[cid], `${cid} in ${m.payload.toString().slice(0, 200)}`).to.deep.equal({
          p: cid === 'loop_mode' ? 'select' : 'number',
        });
      }
      expect(cmps.storage_free).to.have.property('state_topic');
    }
    // What Home Assistant reads when it (re)subscribes: the retained payload says the same.
    const fresh = await connectMqtt(broker.url);
    try {
      await fresh.subscribe(topic);
      const retained = await fresh.next((m) => m.topic === topic);
      expect(retained.retain).to.equal(true);
      for (const cid of loopIds) expect(isRemoval(cmpsOf(retained)[cid] ?? {}), cid).to.equal(true);
    } finally {
      await fresh.end();
    }
    await loop.stop();
  });

  it("number ranges are the contract's, and configuration_url is the loopback address HTTP listens on", async () => {
    const id = `rr${Math.random().toString(36).slice(2, 7)}`;
    const dataDir = tempDir();
    dirs.push(dataDir);
    const ports = { http: await freePort(), mqtt: await freePort() };
    const since = recorder.mark();
    // startLoopProcess runs it with LOOP_HTTP_HOST=127.0.0.1: reachable from this machine only.
    const loop = await run(id, dataDir, ['system', 'player', 'loop', 'homeassistant'], ports);
    await sleep(400);
    const m = [...recorder.received.slice(since)].reverse().find((x) => x.topic === `homeassistant/device/${id}/config`) as Received;
    await loop.stop();
    const payload = m.json as { device: { configuration_url?: string }; cmps: Cmps };
    expect(payload.device.configuration_url).to.equal(`http://127.0.0.1:${ports.http}`);
    const bounds = (s: TSchema): { min: unknown; max: unknown } => ({
      min: (s.minimum as number | undefined) ?? s.exclusiveMinimum,
      max: s.maximum,
    });
    const settings = loopActions.settings.request.properties;
    const ha = (cid: string) => ({ min: payload.cmps[cid]?.min, max: payload.cmps[cid]?.max });
    expect(ha('repeat')).to.deep.equal(bounds(settings.repeat));
    expect(ha('volume')).to.deep.equal(bounds(playerActions.volume.request.properties.volume));
    // Still duration: Loop takes any number above 0, so HA's smallest value is one step above it.
    const still = payload.cmps.still_duration as Cmp;
    expect(still.max).to.equal(settings.image_duration.maximum);
    expect(still.min).to.equal((settings.image_duration.exclusiveMinimum as number) + (still.step as number));
  });
});
