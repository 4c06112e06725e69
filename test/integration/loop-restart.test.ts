// What was acknowledged survives: after a clean restart, and after kill -9 of the Loop process,
// the loop, its active item and its settings are as last answered, and playback resumes at the
// active item.
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoopState, PlayerState } from '../../core/protocol/index.js';
import { makeClip, makeStill } from '../helpers/clips.js';
import {
  http,
  removeDir,
  startLoopProcess,
  tempDir,
  type LoopProcess,
  MpvWatch,
  mpvSocket,
  publishLibrary,
  startPlayerLoop,
  type Media,
} from '../helpers/loop.js';
import { freePort } from '../helpers/ports.js';
import { playingProcessConfig } from '../helpers/player-bench.js';
import { uploadReadyClips } from '../helpers/upload-clips.js';
import { until } from '../helpers/wait.js';

const strip = (s: Record<string, unknown>): Record<string, unknown> => {
  const { updated_at: _u, ...rest } = s;
  return rest;
};

describe('loop: a clean restart of Loop resumes the loop and the active item', function () {
  this.timeout(30000);

  it('keeps order, per-item settings, defaults, mode, active item and volume; mpv plays the active item again', async () => {
    const dataDir = tempDir();
    const socket = mpvSocket();
    const [a, b, s] = await Promise.all([makeClip({ seconds: 2 }), makeClip({ seconds: 2 }), makeStill()]);
    const lib: Media[] = [
      { slug: 'r_a_00000000000000a1', path: a, kind: 'video' },
      { slug: 'r_b_00000000000000b1', path: b, kind: 'video' },
      { slug: 'r_s_00000000000000c1', path: s, kind: 'image' },
    ];
    let loop = await startPlayerLoop({ socket, dataDir });
    let before: Record<string, unknown>;
    try {
      await publishLibrary(loop, lib);
      for (const m of lib) await http('POST', `${loop.http}/api/loop`, { slug: m.slug });
      expect(
        (await http('PUT', `${loop.http}/api/loop`, { loop: ['r_s_00000000000000c1', 'r_a_00000000000000a1', 'r_b_00000000000000b1'] }))
          .status,
      ).to.equal(200);
      expect((await http('PATCH', `${loop.http}/api/loop/settings`, { repeat: 3, image_duration: 4 })).status).to.equal(200);
      expect((await http('PATCH', `${loop.http}/api/loop/items/r_s_00000000000000c1`, { duration: 7 })).json.data).to.deep.equal({
        slug: 'r_s_00000000000000c1',
        repeat: null,
        duration: 7,
      });
      expect((await http('POST', `${loop.http}/api/playback/loop-mode`, { loop_mode: 'one' })).status).to.equal(200);
      expect((await http('POST', `${loop.http}/api/media/r_b_00000000000000b1/activate`)).status).to.equal(200);
      expect((await http('POST', `${loop.http}/api/playback/volume`, { volume: 40 })).json).to.deep.equal({
        success: true,
        data: { volume: 40 },
      });
      before = strip(loop.runtime.bus.last('loop') as LoopState);
    } finally {
      await loop.stop();
    }
    loop = await startPlayerLoop({ socket, dataDir });
    const mpv = new MpvWatch(socket);
    try {
      const got = await http('GET', `${loop.http}/api/loop`);
      expect(strip(got.json.data as Record<string, unknown>)).to.deep.equal({
        loop: ['r_s_00000000000000c1', 'r_a_00000000000000a1', 'r_b_00000000000000b1'],
        ...before,
      });
      // The library comes back (here published by the test; on a device by the media plugin): B plays.
      await publishLibrary(loop, lib);
      await mpv.attach();
      await mpv.playing(b);
      expect(await mpv.ipc.getProperty('volume')).to.equal(40);
      expect(await mpv.ipc.getProperty('loop-file')).to.equal('inf');
      await until(() => loop.runtime.bus.last('player')?.slug === 'r_b_00000000000000b1', 2000, 'player state');
      expect(loop.runtime.bus.last('player')).to.include({ state: 'playing', volume: 40, loop_mode: 'one', index: 2 });
    } finally {
      mpv.close();
      await loop.stop();
      removeDir(dataDir);
    }
  });
});

describe('loop: kill -9 of the Loop process loses nothing that was acknowledged', function () {
  this.timeout(60000);
  let proc: LoopProcess | null = null;
  const dataDir = tempDir();
  const socket = mpvSocket();
  const config = playingProcessConfig('killtest', socket);

  after(async () => {
    await proc?.stop().catch(() => undefined);
    removeDir(dataDir);
  });

  it('uploads, loop changes, kill -9 right after the last answer, restart: same loop, same active item playing', async () => {
    const ports = { http: await freePort(), mqtt: await freePort() };
    proc = await startLoopProcess({ config, dataDir, ports });
    const slugs = await uploadReadyClips(proc);
    // media.add_to_loop put them all in, in some order; make it ours.
    await until(
      async () => ((await http('GET', `${proc?.http}/api/loop`)).json.data as { loop?: string[] } | undefined)?.loop?.length === 3,
      5000,
      'auto-added items',
    );
    const order = [slugs[2], slugs[0], slugs[1]] as string[];
    expect((await http('PUT', `${proc.http}/api/loop`, { loop: order })).status).to.equal(200);
    expect((await http('PATCH', `${proc.http}/api/loop/items/${order[1]}`, { repeat: 4 })).status).to.equal(200);
    expect((await http('POST', `${proc.http}/api/media/${order[2]}/activate`)).status).to.equal(200);
    const acked = strip((await http('GET', `${proc.http}/api/loop`)).json.data as Record<string, unknown>);
    const oldMpv = Number((await readFile(join(dataDir, 'run', 'player-mpv.pid'), 'utf8')).trim());
    expect(existsSync(`/proc/${oldMpv}`), 'mpv runs').to.equal(true);
    await proc.kill('SIGKILL');
    // mpv does not outlive the Loop that started it (its watch script quits it within a second or so).
    await until(
      () => !existsSync(`/proc/${oldMpv}`) || readFileSync(`/proc/${oldMpv}/stat`, 'utf8').split(' ')[2] === 'Z',
      3000,
      'the orphaned mpv to quit',
    );

    proc = await startLoopProcess({ config, dataDir, ports });
    const got = strip((await http('GET', `${proc.http}/api/loop`)).json.data as Record<string, unknown>);
    // The activated clip plays 2 × 1 s, so the kill lands before playback could move `active` on.
    expect(got).to.deep.equal(acked);
    expect(got.active).to.equal(order[2]);
    expect((got.items as LoopState['items'])[1]).to.deep.equal({ slug: order[1], repeat: 4, duration: null });
    const mpv = new MpvWatch(socket);
    try {
      await mpv.attach(8000);
      await until(
        async () => {
          const p = (await http('GET', `${proc?.http}/api/playback`)).json.data as PlayerState | undefined;
          return p?.state === 'playing' && p.slug === got.active;
        },
        8000,
        'the active item to play after the restart',
      );
      expect(String(await mpv.path())).to.include('/');
    } finally {
      mpv.close();
    }
  });
});
