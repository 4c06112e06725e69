// Gap between consecutive clips: Loop's playlist player (player.timeline off: one mpv, the loop as
// its playlist, prefetch; a loop of clips is a timeline by default, measured frame by frame in
// bench/frames and by the edl:// reference below) against
// a naive stop-and-load player (one mpv; at each end-of-file, `loadfile <next> replace`), measured in
// the same run, on the same clips, with the same instrument.
//
// Instrument: a second IPC connection to mpv records `playback-restart` (mpv's "first frame of this
// file is out") on CLOCK_MONOTONIC. For clips k and k+1: gap = restart(k+1) − restart(k) − length(k),
// i.e. how late the first frame of k+1 is compared with a continuous stream; 0 means seamless. The
// time from the last frame of k to the first of k+1 is gap + one frame interval (40 ms at 25 fps).
// Headless (--vo=null --ao=null): vo=null keeps mpv's frame timing, not a display's vsync.
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoopState } from '../core/protocol/index.js';
import { mpvArgs } from '../plugins/player/player.js';
import { playerDefaults } from '../plugins/player/config.js';
import { MpvIpc, type MpvEvent } from '../plugins/player/mpv-ipc.js';
import { makeClip, removeClips } from '../test/helpers/clips.js';
import { http, MpvWatch, publishLibrary, startPlayerLoop, type Media } from '../test/helpers/loop.js';
import { fmt, nowMs, percentile, ratio, table } from './lib.js';

const TRANSITIONS = Number(process.env.BENCH_GAP_TRANSITIONS ?? 50);
const CLIPS = 5;
const SECONDS = 0.6;
const FPS = 25;

interface Result {
  gaps: number[];
}

function summarise(name: string, r: Result): string[] {
  const s = [...r.gaps].sort((a, b) => a - b);
  return [
    name,
    String(s.length),
    fmt(percentile(s, 50)),
    fmt(percentile(s, 90)),
    fmt(s[s.length - 1] ?? NaN),
    fmt(percentile(s, 50) + 1000 / FPS),
  ];
}

/** Gaps from the first-frame times of consecutive files (entry ids change at each file). */
function gapsFrom(restarts: Array<{ t: number; id: number }>): number[] {
  const gaps: number[] = [];
  for (let i = 1; i < restarts.length && gaps.length < TRANSITIONS; i++) {
    const a = restarts[i - 1] as { t: number };
    const b = restarts[i] as { t: number };
    gaps.push(b.t - a.t - SECONDS * 1000);
  }
  return gaps;
}

async function loopPlayer(clips: Media[]): Promise<Result> {
  const socket = join(tmpdir(), `loop-bench-gap-${process.pid}.sock`);
  // The playlist: with the timeline (the default) a transition is no file start, so there is nothing to time here.
  const loop = await startPlayerLoop({ socket, player: { timeline: 'off' }, loop: { repeat: 1 } });
  const watch = new MpvWatch(socket);
  try {
    await publishLibrary(loop, clips);
    for (const c of clips) await http('POST', `${loop.http}/api/loop`, { slug: c.slug });
    await watch.attach();
    await watch.playing(clips[0]?.path as string);
    // Let the playlist settle, then record one restart per file.
    await new Promise((r) => setTimeout(r, 300));
    const restarts: Array<{ t: number; id: number }> = [];
    let id = -1;
    watch.ipc.on('event', (e: MpvEvent) => {
      const t = nowMs();
      if (e.event === 'start-file' && typeof e.playlist_entry_id === 'number') id = e.playlist_entry_id;
      if (e.event === 'playback-restart') restarts.push({ t, id });
    });
    await waitFor(() => restarts.length > TRANSITIONS + 1, (TRANSITIONS + 5) * SECONDS * 1000 + 10_000);
    const state = loop.runtime.bus.last('loop') as LoopState;
    if (state.items.length !== CLIPS) throw new Error('loop did not hold the clips');
    return { gaps: gapsFrom(restarts) };
  } finally {
    watch.close();
    await loop.stop();
  }
}

async function naivePlayer(clips: Media[]): Promise<Result> {
  const socket = join(tmpdir(), `loop-bench-naive-${process.pid}.sock`);
  const mpv = new MpvIpc({
    binary: '/usr/bin/mpv',
    socket,
    args: mpvArgs({ ...playerDefaults, vo: 'null', ao: 'null' }, 100, 10).filter(
      (a) => !a.startsWith('--prefetch') && !a.startsWith('--loop-playlist'),
    ),
  });
  await mpv.start();
  try {
    const restarts: Array<{ t: number; id: number }> = [];
    let k = 0;
    let id = -1;
    mpv.on('event', (e: MpvEvent) => {
      const t = nowMs();
      if (e.event === 'start-file' && typeof e.playlist_entry_id === 'number') id = e.playlist_entry_id;
      if (e.event === 'playback-restart') restarts.push({ t, id });
      // Stop-and-load: the next file is asked for only when the current one has ended.
      if (e.event === 'end-file' && e.reason === 'eof') {
        k = (k + 1) % clips.length;
        void mpv.load(clips[k]?.path as string, 'replace');
      }
    });
    await mpv.load(clips[0]?.path as string, 'replace');
    await waitFor(() => restarts.length > TRANSITIONS + 1, (TRANSITIONS + 5) * SECONDS * 1000 + 10_000);
    return { gaps: gapsFrom(restarts) };
  } finally {
    await mpv.quit();
  }
}

/**
 * Reference, not a player Loop uses: the same clips concatenated into one timeline (mpv's edl://),
 * where no file boundary exists. Instrument: wall time of the whole run minus the timeline length,
 * per transition (a mean only: EDL has no per-file events).
 */
async function edlReference(clips: Media[]): Promise<number> {
  const socket = join(tmpdir(), `loop-bench-edl-${process.pid}.sock`);
  const mpv = new MpvIpc({ binary: '/usr/bin/mpv', socket, args: ['--no-config', '--vo=null', '--ao=null'] });
  await mpv.start();
  try {
    const list = Array.from({ length: TRANSITIONS + 1 }, (_, i) => clips[i % clips.length]?.path as string);
    let first: number | null = null;
    let end: number | null = null;
    mpv.on('event', (e: MpvEvent) => {
      if (e.event === 'playback-restart' && first === null) first = nowMs();
      if (e.event === 'end-file') end = nowMs();
    });
    await mpv.load(`edl://${list.join(';')}`, 'replace');
    await waitFor(() => end !== null, (TRANSITIONS + 5) * SECONDS * 1000 + 10_000);
    return ((end as unknown as number) - (first as unknown as number) - list.length * SECONDS * 1000) / TRANSITIONS;
  } finally {
    await mpv.quit();
  }
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export default async function run(): Promise<void> {
  const mpvVersion = await new Promise<string>((resolve) => {
    const p = spawn('/usr/bin/mpv', ['--version']);
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', () => resolve(out.split('\n')[0] ?? '?'));
  });
  console.log(
    `${mpvVersion}; ${CLIPS} H.264 clips of ${SECONDS} s at ${FPS} fps (320x240), ${TRANSITIONS} transitions each; --vo=null --ao=null`,
  );
  const clips: Media[] = [];
  for (let i = 0; i < CLIPS; i++) {
    clips.push({
      slug: `gap_${i}_${String(i).padStart(16, '0')}`,
      path: await makeClip({ seconds: SECONDS, rate: FPS }),
      kind: 'video',
      duration: SECONDS,
    });
  }
  try {
    const loop = await loopPlayer(clips);
    const naive = await naivePlayer(clips);
    const edl = await edlReference(clips);
    console.log('gap = first frame of the next clip later than a continuous stream would show it (ms); last→first frame = gap + 40 ms');
    table([
      ['player', 'n', 'median', 'p90', 'worst', 'last→first (median)'],
      summarise('Loop (playlist + prefetch, timeline off)', loop),
      summarise('naive stop-and-load', naive),
    ]);
    const med = (r: Result): number =>
      percentile(
        [...r.gaps].sort((a, b) => a - b),
        50,
      );
    const worst = (r: Result): number => Math.max(...r.gaps);
    console.log(
      `  Loop / naive: median ${ratio(med(loop), med(naive))}, worst ${ratio(worst(loop), worst(naive))}; ` +
        `target median < ${1000 / FPS} ms: ${med(loop) < 1000 / FPS ? 'met' : 'NOT met'}`,
    );
    console.log(`  reference, one concatenated timeline (edl://, no file boundaries): mean ${fmt(edl)} ms per transition`);
  } finally {
    await removeClips();
  }
}
