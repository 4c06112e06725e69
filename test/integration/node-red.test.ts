// The Node-RED examples run as shipped in a real Node-RED (4.1, headless on loopback) against a
// real Loop (player on mpv --vo=null): only the broker address, its login and each tab's
// environment (device id, clip, seconds) are set, as a user does after importing. Node-RED logs in
// as the documented remote setup has it (a `loop passwd` user named nodered, under the default ACL),
// and the broker counts its connections. Each flow is triggered the way it is in life (its input
// topic, or its inject node through the admin API) and Loop's state is read back.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from '../../core/broker/passwords.js';
import { packageRoot } from '../../core/paths.js';
import type { LoopState, PlayerState } from '../../core/protocol/index.js';
import { makeClip } from '../helpers/clips.js';
import { MpvWatch, mpvSocket, publishLibrary, startTestLoop, type Media, type TestLoop } from '../helpers/loop.js';
import { connectMqtt, type TestMqtt } from '../helpers/mqtt.js';
import { nodeRedBin, startNodeRed, type NodeRed } from '../helpers/node-red.js';
import { skipBecause } from '../helpers/skip.js';
import { sleep, until } from '../helpers/wait.js';

type Node = Record<string, unknown> & { id: string; type: string };

const EXAMPLES = join(packageRoot, 'examples', 'node-red');
const RED_USER = 'nodered';
const RED_PASSWORD = 'red-pass-5e1d';
const RED_CLIENT_ID = 'loop-nodered-test';
/** Long enough for a refused subscribe or publish to show as reconnects (Node-RED retries every ~5 s). */
const STABLE_MS = 15_000;
/** The nodes that ship with Node-RED and that the examples may use. */
const CORE_NODES = ['tab', 'mqtt in', 'mqtt out', 'mqtt-broker', 'inject', 'change', 'switch', 'function', 'delay', 'debug', 'comment'];

function examples(): Record<string, Node[]> {
  return Object.fromEntries(
    readdirSync(EXAMPLES)
      .filter((f) => f.endsWith('.json'))
      .map((f) => [f, JSON.parse(readFileSync(join(EXAMPLES, f), 'utf8')) as Node[]]),
  );
}

describe('Node-RED examples in a real Node-RED', function () {
  this.timeout(40000);
  let loop: TestLoop;
  let red: NodeRed;
  let mqtt: TestMqtt;
  let mpv: MpvWatch;
  const socket = mpvSocket();
  const media: Media[] = [];
  let device: string;

  const T = (rel: string): string => `${loop.baseTopic}/${rel}`;
  const player = (): PlayerState => loop.runtime.bus.last('player') as PlayerState;
  const loopSlugs = (): string[] => (loop.runtime.bus.last('loop') as LoopState).items.map((i) => i.slug);
  /** Node-RED's connections and disconnections, as the broker announces them ($SYS, read by Loop's own client). */
  const redConnects: number[] = [];
  const redDisconnects: number[] = [];
  let redStartedAt = 0;

  it('every example imports as it is: core nodes only, one broker config node, a comment that explains it', () => {
    const files = examples();
    expect(Object.keys(files)).to.have.length.of.at.least(5);
    for (const [file, nodes] of Object.entries(files)) {
      expect(
        nodes.map((n) => n.type).filter((t) => !CORE_NODES.includes(t)),
        file,
      ).to.deep.equal([]);
      expect(
        nodes.filter((n) => n.type === 'mqtt-broker').map((n) => n.id),
        file,
      ).to.deep.equal(['loop_broker']);
      expect(
        nodes.filter((n) => n.type === 'tab'),
        file,
      ).to.have.length(1);
      const note = nodes.find((n) => n.type === 'comment');
      expect((note?.info as string | undefined)?.length ?? 0, `${file} explains itself`).to.be.greaterThan(80);
      const ids = nodes.map((n) => n.id);
      expect(new Set(ids).size, `${file} ids unique`).to.equal(ids.length);
      // Every wire leads to a node of the same file.
      for (const n of nodes)
        for (const out of (n.wires as string[][] | undefined) ?? [])
          for (const to of out) expect(ids, `${file}: ${n.id} → ${to}`).to.include(to);
    }
  });

  describe('each flow, triggered, changes Loop', function () {
    before(async function () {
      // Node-RED and mpv start: slow on a loaded machine (nothing asserts on time here).
      this.timeout(120_000);
      if (!nodeRedBin()) skipBecause(this, 'node-red is not installed (npm ci installs the devDependency)');
      const paths = await Promise.all([makeClip({ seconds: 8 }), makeClip({ seconds: 8 }), makeClip({ seconds: 8 })]);
      media.push(
        { slug: 'first_0000000000000001', path: paths[0], kind: 'video', duration: 8 },
        { slug: 'second_0000000000000002', path: paths[1], kind: 'video', duration: 8 },
        { slug: 'doorbell_0000000000000003', path: paths[2], kind: 'video', duration: 8 },
      );
      loop = await startTestLoop({
        plugins: ['system', 'player', 'loop'],
        player: { vo: 'null', ao: 'null', ipc_socket: socket, hang_timeout_ms: 1000 },
        loop: { repeat: 1, image_duration: 1 },
        mqtt: { users: [{ username: RED_USER, password_hash: hashPassword(RED_PASSWORD) }] },
      });
      device = loop.runtime.config.device.id as string;
      await publishLibrary(loop, media);
      mqtt = await connectMqtt(loop.mqtt as string);
      await mqtt.subscribe(`${loop.baseTopic}/#`);
      await mqtt.subscribe('nodered/#');
      for (const m of media.slice(0, 2)) await mqtt.publish(T('bridge/request/loop/add'), { slug: m.slug });
      await until(() => player()?.state === 'playing', 10000, 'the loop to play');
      mpv = new MpvWatch(socket);
      await mpv.attach();

      // All examples in one Node-RED, as if imported one after another: the shared broker node once.
      const port = new URL(loop.mqtt as string).port;
      const env: Record<string, string> = { LOOP_DEVICE: device, DOORBELL_CLIP: 'doorbell_0000000000000003', DOORBELL_SECONDS: '2' };
      const all = new Map<string, Node>();
      for (const nodes of Object.values(examples())) {
        for (const n of nodes) {
          if (n.type === 'mqtt-broker') Object.assign(n, { broker: '127.0.0.1', port, clientid: RED_CLIENT_ID });
          if (n.type === 'tab')
            n.env = (n.env as Array<{ name: string; value: string; type: string }>).map((e) => ({ ...e, value: env[e.name] ?? e.value }));
          all.set(n.id, n);
        }
      }
      const ofRed = (list: number[]) => (buf: Buffer) => void (buf.toString('utf8') === RED_CLIENT_ID && list.push(performance.now()));
      loop.runtime.bus.subscribeRaw('$SYS/+/new/clients', ofRed(redConnects), { absolute: true });
      loop.runtime.bus.subscribeRaw('$SYS/+/disconnect/clients', ofRed(redDisconnects), { absolute: true });
      redStartedAt = performance.now();
      red = await startNodeRed([...all.values()], {
        timeoutMs: 90_000,
        credentials: { loop_broker: { user: RED_USER, password: RED_PASSWORD } },
      });
    });

    after(async () => {
      mpv?.close();
      await red?.stop();
      await mqtt?.end();
      await loop?.stop();
    });

    it('next every N minutes: its timer (injected now) plays the next clip', async () => {
      const before = player().slug;
      await red.inject('next_timer');
      await until(() => player().slug !== before && player().state === 'playing', 8000, 'the next clip');
      await mpv.playing(media.find((m) => m.slug === player().slug)?.path as string);
    });

    it('a physical button toggles play/pause; its release does nothing', async () => {
      await mqtt.publish('home/button/loop', 'single');
      await until(() => player().state === 'paused', 5000, 'paused');
      expect(await mpv.ipc.getProperty('pause')).to.equal(true);
      await mqtt.publish('home/button/loop', { action: 'release' });
      await sleep(500);
      expect(player().state).to.equal('paused');
      await mqtt.publish('home/button/loop', { action: 'single' });
      await until(() => player().state === 'playing', 5000, 'playing again');
      expect(await mpv.ipc.getProperty('pause')).to.equal(false);
    });

    it('a Zigbee2MQTT battery report and the action reset do nothing; only a real action toggles', async () => {
      expect(player().state).to.equal('playing');
      const since = mqtt.mark();
      await mqtt.publish('home/button/loop', { battery: 97, voltage: 2900, linkquality: 80 });
      await mqtt.publish('home/button/loop', { action: '', battery: 97, linkquality: 80 });
      await mqtt.publish('home/button/loop', { action: null, battery: 97 });
      await mqtt.publish('home/button/loop', '');
      await mqtt.publish('home/button/loop', { action: 'single', battery: 97, linkquality: 80 });
      await until(() => player().state === 'paused', 5000, 'paused by the real press');
      // The flow keeps arrival order: a toggle for any earlier message would have come first.
      const sent = mqtt.received.slice(since).filter((m) => m.topic === T('player/set'));
      expect(sent.map((m) => m.payload.toString())).to.deep.equal(['toggle']);
      await mqtt.publish('home/button/loop', { action: 'single' });
      await until(() => player().state === 'playing', 5000, 'playing again');
    });

    it('the doorbell plays its clip with "Doorbell" on screen, then goes back to the clip it interrupted', async () => {
      const was = player().slug as string;
      const members = loopSlugs();
      expect(members).not.to.include('doorbell_0000000000000003');
      const since = mqtt.mark();
      await mqtt.publish('home/doorbell', 'ding');
      await until(() => player().slug === 'doorbell_0000000000000003' && player().state === 'playing', 8000, 'the doorbell clip');
      const osd = await mqtt.next(
        (m) => m.topic === T('player/set') && (m.json as { action?: string })?.action === 'show_text',
        3000,
        since,
      );
      expect(osd.json).to.deep.equal({ action: 'show_text', text: 'Doorbell', seconds: 5 });
      await until(() => player().slug === was && player().state === 'playing', 8000, `back to ${was}`);
      // The loop is put back as it was: the doorbell clip, added to play it, is taken out again.
      await until(() => JSON.stringify(loopSlugs()) === JSON.stringify(members), 5000, `the loop back to ${members.join(', ')}`);
      expect(player().slug).to.equal(was);
      expect(
        mqtt.received
          .slice(since)
          .filter((m) => m.topic === T('bridge/event') && (m.json as { level: string }).level === 'error')
          .map((m) => m.json),
      ).to.deep.equal([]);
    });

    it('the doorbell leaves its clip in the loop when it was there before the ring', async () => {
      await mqtt.publish(T('bridge/request/loop/add'), { slug: 'doorbell_0000000000000003' });
      await until(() => loopSlugs().includes('doorbell_0000000000000003'), 5000, 'the doorbell clip in the loop');
      const members = loopSlugs();
      const was = player().slug as string;
      await mqtt.publish('home/doorbell', 'ding');
      await until(() => player().slug === 'doorbell_0000000000000003', 8000, 'the doorbell clip');
      await until(() => player().slug === was && player().state === 'playing', 8000, `back to ${was}`);
      await sleep(500); // a removal would be in the same batch as the return
      expect(loopSlugs()).to.deep.equal(members);
      await mqtt.publish(T('bridge/request/loop/remove'), { slug: 'doorbell_0000000000000003' });
      await until(() => !loopSlugs().includes('doorbell_0000000000000003'), 5000, 'the doorbell clip out of the loop');
    });

    it("dim at night: its 22:00 and 07:00 injects send the display plugin's brightness command", async () => {
      const since = mqtt.mark();
      await red.inject('dim_night');
      const night = await mqtt.next((m) => m.topic === T('display/set'), 5000, since);
      expect(night.json).to.deep.equal({ brightness: 10 });
      await red.inject('dim_morning');
      const day = await mqtt.next(
        (m) => m.topic === T('display/set') && (m.json as { brightness: number }).brightness === 100,
        5000,
        since,
      );
      expect(day.json).to.deep.equal({ brightness: 100 });
    });

    it('the dashboard keeps one row per player from loop/+/player and loop/+/bridge/state', async () => {
      const row = await until(
        () => {
          const m = [...mqtt.received].reverse().find((x) => x.topic === 'nodered/loop/players');
          const r = (m?.json as Record<string, { state: string; online: boolean; title: string }> | undefined)?.[device];
          return r?.online === true && r.state === player().state && r.title === player().title;
        },
        8000,
        'the dashboard row of this player',
      ).then(() => true);
      expect(row).to.equal(true);
      // Retained, so a dashboard that opens later gets the table at once.
      const late = await connectMqtt(loop.mqtt as string);
      try {
        await late.subscribe('nodered/loop/players');
        const m = await late.next(() => true);
        expect(m.retain).to.equal(true);
        expect(m.json).to.have.property(device);
      } finally {
        await late.end();
      }
    });

    it('logged in as a named user, Node-RED connected once and stayed connected: no refusal, no reconnect loop', async () => {
      const waited = performance.now() - redStartedAt;
      if (waited < STABLE_MS) await sleep(STABLE_MS - waited);
      expect(redConnects, 'connections the broker saw').to.have.length(1);
      expect(redDisconnects, 'disconnections the broker saw').to.deep.equal([]);
      expect(red.output()).not.to.match(/Disconnected from broker|Connection failed|Not authori[sz]ed|subscription failed/i);
    });
  });
});
