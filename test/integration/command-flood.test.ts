// Floods and oversized commands from an MQTT client against Loop as the service runs it (its own
// process, the shipped V8 flags, the default plugins, clips uploaded and converted): every open
// page stays connected, an error quotes only a short excerpt, the queue does not grow without bound
// (no listener leak), Loop's RSS stays within 20 MiB of its idle figure, and the player settles
// within about a second of the flood's end.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { expect } from 'chai';
import mqtt from 'mqtt';
import type { BridgeEvent, LoopState, MediaState, PlayerState } from '../../core/protocol/index.js';
import { makeClip } from '../helpers/clips.js';
import { mpvSocket, removeDir, startLoopProcess, tempDir, type LoopProcess } from '../helpers/loop.js';
import { connectMqtt, type TestMqtt } from '../helpers/mqtt.js';
import { sleep, until } from '../helpers/wait.js';
import { connectWs, ofType, type TestWs } from '../helpers/ws.js';

const DEFAULT_PLUGINS = ['system', 'player', 'loop', 'media', 'wifi', 'display', 'homeassistant'];

/** VmRSS of a process in MiB, from /proc (the figure the kernel charges it). */
function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** Samples a process's RSS while `work` runs (there is no event for memory); resolves with the peak. */
async function peakRss<T>(pid: number, work: () => Promise<T>): Promise<{ peak: number; result: T }> {
  let peak = rssMiB(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 20);
  try {
    const result = await work();
    peak = Math.max(peak, rssMiB(pid));
    return { peak, result };
  } finally {
    clearInterval(timer);
  }
}

describe('command floods and oversized commands, against the Loop process', function () {
  this.timeout(120_000);
  let proc: LoopProcess;
  let watcher: TestMqtt;
  let pages: TestWs[] = [];
  const closed: number[] = [];
  const dataDir = tempDir();
  let idle = 0;
  const last = <T>(topic: string): T | undefined => {
    const m = watcher.received.filter((r) => r.topic === `${proc.baseTopic}/${topic}`).pop();
    return m?.json as T | undefined;
  };

  before(async () => {
    proc = await startLoopProcess({
      shippedFlags: true,
      dataDir,
      config: {
        device: { id: 'flood' },
        plugins: DEFAULT_PLUGINS,
        player: { vo: 'null', ao: 'null', ipc_socket: mpvSocket() },
        loop: { repeat: 1 },
      },
    });
    watcher = await connectMqtt(proc.mqtt);
    for (const t of ['media', 'loop', 'player', 'bridge/event']) await watcher.subscribe(`${proc.baseTopic}/${t}`);

    const files = await Promise.all([0, 1, 2].map(() => makeClip({ seconds: 3 })));
    const form = new FormData();
    for (const f of files) form.append('files', new Blob([await readFile(f)], { type: 'video/mp4' }), basename(f));
    const up = await fetch(`${proc.http}/api/media`, { method: 'POST', body: form });
    expect(up.status, await up.clone().text()).to.be.oneOf([200, 201, 202]);
    await watcher.next(
      (m) => (m.json as MediaState).items?.length === 3 && (m.json as MediaState).items.every((i) => i.processing_status === 'ready'),
      60_000,
    );
    await until(() => last<LoopState>('loop')?.items.length === 3, 10_000, 'three clips in the loop');
    await until(() => last<PlayerState>('player')?.state === 'playing', 10_000, 'the player playing');

    pages = await Promise.all([0, 1].map(() => connectWs(proc.ws)));
    for (const [i, p] of pages.entries()) {
      p.send({ type: 'subscribe', room: 'dashboard' });
      await p.next(ofType('subscribe_response'));
      p.ws.on('close', (code) => closed.push(i * 10_000 + code));
    }
    // Idle: playing, pages open, conversions done; the lowest of a few samples (a GC may be mid-way).
    await sleep(3000);
    const samples: number[] = [];
    for (let i = 0; i < 10; i++) {
      samples.push(rssMiB(proc.child.pid!));
      await sleep(200);
    }
    idle = Math.min(...samples);
  });

  after(async () => {
    for (const p of pages) await p.close();
    await watcher?.end();
    await proc?.stop().catch(() => undefined);
    removeDir(dataDir);
  });

  it('a 1.1 MB command cuts its sender off at the packet limit; a 0.9 MB bad one gets a short error; pages stay, RSS within 20 MiB of idle', async () => {
    const { peak } = await peakRss(proc.child.pid!, async () => {
      // Past mqtt.limits.max_packet_bytes (1 MB): the broker closes that client while the bytes arrive.
      const big = await mqtt.connectAsync(proc.mqtt, { clientId: `big-${Date.now()}`, reconnectPeriod: 0 });
      const gone = new Promise<void>((resolve) => big.once('close', () => resolve()));
      big.publish(`${proc.baseTopic}/player/set`, JSON.stringify({ action: 'volume', volume: 'x'.repeat(1_100_000) }), { qos: 0 });
      await gone;
      big.end(true);
      // Under the limit, a bad command is refused, and the error quotes only an excerpt of it.
      const since = watcher.mark();
      const sinceWs = pages.map((p) => p.mark());
      await watcher.publish(`${proc.baseTopic}/player/set`, JSON.stringify({ action: 'volume', volume: 'x'.repeat(900_000) }), { qos: 1 });
      const ev = (await watcher.next((m) => m.topic.endsWith('/bridge/event') && (m.json as BridgeEvent).level === 'error', 5000, since))
        .json as BridgeEvent;
      expect(JSON.stringify(ev).length).to.be.lessThan(2000);
      expect(ev.message).to.match(/volume/);
      for (const [i, p] of pages.entries()) {
        const err = await p.next(ofType('error'), 5000, sinceWs[i]);
        expect(JSON.stringify(err).length).to.be.lessThan(2000);
      }
      await sleep(500);
    });
    expect(closed, 'pages closed').to.deep.equal([]);
    expect(peak - idle, `RSS ${peak.toFixed(1)} MiB against ${idle.toFixed(1)} idle`).to.be.lessThan(20);
  });

  it('10k next commands in a second: pages stay, the queue coalesces, RSS within 20 MiB of idle, the player settles within a second', async () => {
    const flooder = await mqtt.connectAsync(proc.mqtt, { clientId: `flood-${Date.now()}`, reconnectPeriod: 0 });
    const topic = `${proc.baseTopic}/player/set`;
    const cueBefore = last<LoopState>('loop')!.cue;
    const { peak, result: end } = await peakRss(proc.child.pid!, async () => {
      for (let i = 0; i < 10_000; i++) {
        flooder.publish(topic, 'next', { qos: 0 });
        if (i % 500 === 499) await sleep(50);
      }
      await flooder.endAsync();
      const end = Date.now();
      await sleep(1000);
      return end;
    });
    // The loop's cue counts applied moves: it must stop climbing within a second of the flood's end.
    const cueAt1s = last<LoopState>('loop')!.cue;
    await sleep(1500);
    const cueLater = last<LoopState>('loop')!.cue;
    expect(cueLater, `cue still moving ${Date.now() - end} ms after the flood`).to.equal(cueAt1s);
    // Coalescing: far fewer moves were applied than commands sent, but some were.
    expect(cueLater - cueBefore).to.be.within(1, 4999);
    // The player plays what the loop says.
    await until(() => last<PlayerState>('player')?.slug === last<LoopState>('loop')?.active, 5000, 'player on the active item');
    expect(closed, 'pages closed').to.deep.equal([]);
    for (const p of pages) expect(p.ws.readyState).to.equal(p.ws.OPEN);
    expect(proc.output(), 'listener leaks').not.to.match(/MaxListenersExceeded/);
    expect(peak - idle, `RSS ${peak.toFixed(1)} MiB against ${idle.toFixed(1)} idle`).to.be.lessThan(20);
  });
});
