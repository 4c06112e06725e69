// `npm run bench -- frames`: what reaches the screen at every clip-to-clip transition, frame by
// frame. Xvfb, mpv on --vo=x11, the screen captured at 50 fps (x11grab) and every frame classified
// (capture.ts, classify.ts). Three 1.0 s solid-colour clips with the frame number burned in, repeat 1:
//   - Loop: the real player plugin, as shipped (player.timeline auto: the loop as one edl:// timeline);
//   - Loop with a reorder every 3 s (each edit takes over at the next clip boundary: one file boundary);
//   - Loop with player.timeline off (one mpv, the loop as its playlist: a file boundary per transition);
//   - baseline: a new mpv per clip (what a shell loop around `mpv clip` does);
//   - reference: one mpv on an edl:// timeline of the three files (no file boundary at all);
//   - then the loop of 3 clips + 2 photos (stills.ts), as shipped and with the timeline off.
// Per transition: black frames, mixed frames, how long the last frame is held beyond one frame
// period, and each clip's time on screen. Figures go to docs/performance.md.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http, publishLibrary, startPlayerLoop, type Media } from '../../test/helpers/loop.js';
import { playerDefaults } from '../../plugins/player/config.js';
import { mpvArgs } from '../../plugins/player/mpv-supervisor.js';
import { sleep } from '../lib.js';
import { capture, CAPTURE_FPS, CLIP_FPS, CLIP_SECONDS, makeClips, startXvfb, stopChild } from './capture.js';
import { makePhotos, photoHeader, photoLoop, photoRow, summarisePhotos } from './stills.js';
import { COLOURS, summarise, transitions, type ClipColour, type Seen, type Summary } from './classify.js';

const SECONDS = Number(process.env.FRAMES_SECONDS ?? 16);
/** The photo loop's cycle is 7.5 s (5 transitions): 32 s gives 20 or more. */
const PHOTO_LOOP_SECONDS = Number(process.env.FRAMES_PHOTO_SECONDS ?? 32);
const PERIOD = 1000 / CAPTURE_FPS;
const FRAME = 1000 / CLIP_FPS;
const MPV_X11 = [
  '--no-config',
  '--vo=x11',
  '--ao=null',
  '--fullscreen',
  '--no-osc',
  '--osd-level=0',
  '--cursor-autohide=always',
  '--really-quiet',
];

type Player = (display: string, clips: Record<ClipColour, string>) => Promise<Seen[]>;

/**
 * Loop: the player and loop plugins, the three clips in the loop, repeat 1; `editEveryMs` swaps the
 * last two clips over that often while the screen is captured.
 */
const loopPlayer =
  (timeline: 'auto' | 'off', editEveryMs = 0): Player =>
  async (display, clips) => {
    process.env.DISPLAY = display;
    const loop = await startPlayerLoop({ player: { vo: 'x11', ao: 'null', hang_timeout_ms: 3000, timeline }, loop: { repeat: 1 } });
    try {
      const media: Media[] = COLOURS.map((c, i) => ({
        slug: `frames_${c}_${String(i + 1).padStart(16, '0')}`,
        path: clips[c],
        kind: 'video',
        duration: CLIP_SECONDS,
      }));
      await publishLibrary(loop, media);
      for (const m of media) {
        const r = await http('POST', `${loop.http}/api/loop`, { slug: m.slug });
        if (r.status !== 200) throw new Error(`adding ${m.slug}: ${r.status} ${JSON.stringify(r.json)}`);
      }
      await sleep(1500);
      let editing: NodeJS.Timeout | null = null;
      if (editEveryMs > 0) {
        let k = 0;
        const orders = [media.map((m) => m.slug), [0, 2, 1].map((i) => (media[i] as Media).slug)];
        editing = setInterval(() => {
          void http('PUT', `${loop.http}/api/loop`, { loop: orders[++k % 2] });
        }, editEveryMs);
      }
      try {
        return await capture(display, SECONDS);
      } finally {
        if (editing) clearInterval(editing);
      }
    } finally {
      await loop.stop();
    }
  };

/** Baseline: a new mpv per clip, started when the previous one has exited. */
const mpvPerClip: Player = async (display, clips) => {
  let stop = false;
  const env = { ...process.env, DISPLAY: display };
  const cycle = (async () => {
    for (let k = 0; !stop; k++) {
      const p = spawn('mpv', [...MPV_X11, clips[COLOURS[k % 3] as ClipColour]], { env, stdio: 'ignore' });
      await new Promise((resolve) => p.once('exit', resolve));
    }
  })();
  await sleep(1500);
  const seen = await capture(display, SECONDS);
  stop = true;
  await cycle;
  return seen;
};

/** Reference: the three files as one edl:// timeline, looped; no file boundary for mpv to cross. */
const edlTimeline: Player = async (display, clips) => {
  const edl = `edl://${COLOURS.map((c) => clips[c]).join(';')}`;
  const p = spawn('mpv', [...MPV_X11, '--loop-file=inf', edl], { env: { ...process.env, DISPLAY: display }, stdio: 'ignore' });
  try {
    await sleep(1500);
    return await capture(display, SECONDS);
  } finally {
    await stopChild(p);
  }
};

/**
 * Experiments for the stutter (FRAMES_VARIANTS="--flag a b;--other" runs one plain mpv playlist per
 * `;`-separated set of extra flags, with Loop's own mpv flags): does any mpv setting shorten the hold?
 */
const playlistWith =
  (extra: string[]): Player =>
  async (display, clips) => {
    const args = mpvArgs({ ...playerDefaults, vo: 'x11', ao: 'null' }, 100, 10, true);
    const p = spawn('mpv', [...args, ...extra, ...COLOURS.map((c) => clips[c])], {
      env: { ...process.env, DISPLAY: display },
      stdio: 'ignore',
    });
    try {
      await sleep(1500);
      return await capture(display, SECONDS);
    } finally {
      await stopChild(p);
    }
  };

function row(name: string, s: Summary): string {
  const f = (x: number | null, d = 1): string => (x === null || Number.isNaN(x) ? '-' : x.toFixed(d));
  return `| ${name} | ${s.transitions} | ${f(s.blackPerTransition, 2)} | ${f(s.mixedPerTransition, 2)} | ${f(s.holdMedianMs, 0)} | ${f(s.holdP90Ms, 0)} | ${f(s.holdMaxMs, 0)} | ${s.overOneFrame} | ${f(s.onScreenMedianMs, 0)} | ${s.missingFrames} |`;
}

export default async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loop-frames-'));
  const screen = await startXvfb();
  try {
    const clips = await makeClips(dir);
    console.log(
      `Xvfb ${screen.display} 320x240x24, x11grab at ${CAPTURE_FPS} fps (one capture every ${PERIOD} ms), ${SECONDS} s per player;`,
    );
    console.log(`clips: red, green, blue, ${CLIP_SECONDS} s at ${CLIP_FPS} fps (frame period ${FRAME} ms), repeat 1.`);
    console.log('hold = how much longer than one frame period the last frame of a clip stays (black and mixed frames included).\n');
    console.log(
      '| player | transitions | black/transition | mixed/transition | hold p50 ms | hold p90 ms | hold max ms | holds > 1 frame | on screen p50 ms | frames missing |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    const players: Array<[string, Player]> = [
      ['Loop (timeline)', loopPlayer('auto')],
      ['Loop (timeline), a reorder every 3 s', loopPlayer('auto', 3000)],
      ['Loop (playlist, timeline off)', loopPlayer('off')],
      ['new mpv per clip (baseline)', mpvPerClip],
      ['edl:// timeline (reference)', edlTimeline],
    ];
    for (const v of (process.env.FRAMES_VARIANTS ?? '')
      .split(';')
      .map((x) => x.trim())
      .filter(Boolean)) {
      players.push([`mpv playlist ${v}`, playlistWith(v.split(/\s+/))]);
    }
    const results: Record<string, Summary> = {};
    for (const [name, player] of players) {
      const seen = await player(screen.display, clips);
      const s = summarise(transitions(seen, PERIOD, FRAME, CLIP_FPS * CLIP_SECONDS), FRAME);
      results[name] = s;
      console.log(row(name, s));
      if (process.env.FRAMES_DUMP) console.log(seen.map((x) => (x.kind === 'clip' ? `${x.clip[0]}${x.n}` : x.kind[0])).join(' '));
    }
    const loop = results['Loop (timeline)'];
    const playlist = results['Loop (playlist, timeline off)'];
    const base = results['new mpv per clip (baseline)'];
    if (loop && base && playlist) {
      console.log(
        `\nLoop vs a new mpv per clip: black ${loop.blackPerTransition.toFixed(2)} vs ${base.blackPerTransition.toFixed(2)} frames per transition; ` +
          `median hold ${loop.holdMedianMs.toFixed(0)} vs ${base.holdMedianMs.toFixed(0)} ms beyond one frame ` +
          `(the playlist: ${playlist.holdMedianMs.toFixed(0)} ms); holds over one frame: ${loop.overOneFrame} of ${loop.transitions} ` +
          `(playlist ${playlist.overOneFrame} of ${playlist.transitions}).`,
      );
    }
    const photos = await makePhotos(dir);
    console.log(`\nThe loop of 3 clips and 2 photos: red, yellow (photo), green, magenta (photo), blue; ${PHOTO_LOOP_SECONDS} s each.`);
    console.log(
      "A clip's transition counts its hold; a photo's, its time on screen against its seconds (over one frame: off by more than one frame period).\n",
    );
    console.log(photoHeader());
    for (const [name, timeline] of [
      ['Loop (timeline), 3 clips + 2 photos', 'auto'],
      ['Loop (playlist, timeline off), 3 clips + 2 photos', 'off'],
    ] as const) {
      const r = await photoLoop(screen.display, clips, photos, timeline, PHOTO_LOOP_SECONDS);
      console.log(photoRow(name, r, summarisePhotos(transitions(r.seen, PERIOD, FRAME, CLIP_FPS * CLIP_SECONDS), FRAME)));
      if (process.env.FRAMES_DUMP) console.log(r.seen.map((x) => (x.kind === 'clip' ? `${x.clip[0]}${x.n}` : x.kind[0])).join(' '));
    }
  } finally {
    await screen.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
