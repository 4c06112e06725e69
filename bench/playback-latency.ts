// Latency of "next" as a person feels it: POST /api/playback/next → the `playback_changed` event
// for the new clip at a WebSocket client of the dashboard room. Also the REST answer itself (which
// returns once mpv started the new file), and the floor: mpv alone, `loadfile` → `start-file`.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mpvArgs } from '../plugins/player/player.js';
import { playerDefaults } from '../plugins/player/config.js';
import { MpvIpc, type MpvEvent } from '../plugins/player/mpv-ipc.js';
import { makeClip, removeClips } from '../test/helpers/clips.js';
import { connectWs, ofType } from '../test/helpers/ws.js';
import { fmt, nowMs, percentile, ratio, table } from './lib.js';
import { publishLibrary, startPlayerLoop, type Media } from '../test/helpers/loop.js';

const ROUNDS = Number(process.env.BENCH_LATENCY_ROUNDS ?? 100);

const stats = (xs: number[]): { p50: number; p99: number; max: number } => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
};

async function viaLoop(clips: Media[]): Promise<{ event: number[]; rest: number[] }> {
  const loop = await startPlayerLoop({ loop: { repeat: 1 } });
  const ws = await connectWs(loop.ws);
  try {
    await publishLibrary(loop, clips);
    for (const c of clips)
      await fetch(`${loop.http}/api/loop`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ slug: c.slug }),
      });
    ws.send({ type: 'subscribe', room: 'dashboard' });
    await ws.next(ofType('subscribe_response'));
    const event: number[] = [];
    const rest: number[] = [];
    let expected = 1;
    for (let i = 0; i < ROUNDS + 3; i++) {
      const slug = clips[expected % clips.length]?.slug;
      const since = ws.mark();
      const t0 = nowMs();
      const changed = ws.next(
        ofType('playback_changed', (m) => (m.data as { player: { current_media: string } }).player.current_media === slug),
        5000,
        since,
      );
      const res = await fetch(`${loop.http}/api/playback/next`, { method: 'POST' });
      const t1 = nowMs();
      if (!res.ok) throw new Error(`next answered ${res.status}: ${await res.text()}`);
      await changed;
      const t2 = nowMs();
      if (i >= 3) {
        rest.push(t1 - t0);
        event.push(t2 - t0);
      }
      expected++;
      await new Promise((r) => setTimeout(r, 30));
    }
    return { event, rest };
  } finally {
    await ws.close();
    await loop.stop();
  }
}

async function floor(clips: Media[]): Promise<number[]> {
  const socket = join(tmpdir(), `loop-bench-lat-${process.pid}.sock`);
  const mpv = new MpvIpc({ binary: '/usr/bin/mpv', socket, args: mpvArgs({ ...playerDefaults, vo: 'null', ao: 'null' }, 100, 10) });
  await mpv.start();
  try {
    const out: number[] = [];
    for (let i = 0; i < ROUNDS + 3; i++) {
      const started = new Promise<number>((resolve) => {
        const on = (e: MpvEvent): void => {
          if (e.event !== 'start-file') return;
          mpv.off('event', on);
          resolve(nowMs());
        };
        mpv.on('event', on);
      });
      const t0 = nowMs();
      await mpv.load(clips[i % clips.length]?.path as string, 'replace');
      const t = await started;
      if (i >= 3) out.push(t - t0);
      await new Promise((r) => setTimeout(r, 30));
    }
    return out;
  } finally {
    await mpv.quit();
  }
}

export default async function run(): Promise<void> {
  const clips: Media[] = [];
  for (let i = 0; i < 3; i++)
    clips.push({ slug: `lat_${i}_${String(i).padStart(16, '0')}`, path: await makeClip({ seconds: 10 }), kind: 'video', duration: 10 });
  try {
    const loop = await viaLoop(clips);
    const mpvOnly = await floor(clips);
    const e = stats(loop.event);
    const r = stats(loop.rest);
    const f = stats(mpvOnly);
    console.log(`${ROUNDS} rounds each; in-process Loop (player, loop, gateway), one ws client, mpv --vo=null`);
    table([
      ['path', 'p50 ms', 'p99 ms', 'max ms'],
      ['POST next → playback_changed at ws', fmt(e.p50), fmt(e.p99), fmt(e.max)],
      ['POST next → HTTP answer', fmt(r.p50), fmt(r.p99), fmt(r.max)],
      ['floor: mpv loadfile → start-file', fmt(f.p50), fmt(f.p99), fmt(f.max)],
    ]);
    console.log(`  Loop / mpv floor: p50 ${ratio(e.p50, f.p50)}, p99 ${ratio(e.p99, f.p99)}`);
  } finally {
    await removeClips();
  }
}
