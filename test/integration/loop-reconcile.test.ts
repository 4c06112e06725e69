// The loop is held against the library at start: a media delete acknowledged (2xx) and then a
// kill -9 before the loop heard of it must not leave the slug in the loop for good. On restart the
// slug is gone from the loop, the log says why, and playback goes on with what is left.
import { expect } from 'chai';
import { readFile, unlink } from 'node:fs/promises';
import { basename } from 'node:path';
import type { BridgeEvent, LoopState, MediaState, PlayerState } from '../../core/protocol/index.js';
import { makeClip } from '../helpers/clips.js';
import { http, removeDir, startLoopProcess, tempDir, type LoopProcess, MpvWatch, mpvSocket } from '../helpers/loop.js';
import { connectMqtt } from '../helpers/mqtt.js';
import { freePort } from '../helpers/ports.js';
import { playingProcessConfig } from '../helpers/player-bench.js';
import { uploadReadyClips } from '../helpers/upload-clips.js';
import { until } from '../helpers/wait.js';

describe('loop: reconciled with the library at start', function () {
  this.timeout(90_000);
  let proc: LoopProcess | null = null;
  const dataDir = tempDir();
  const socket = mpvSocket();
  const config = playingProcessConfig('reconcile', socket, { loop: { repeat: 1 } });

  after(async () => {
    await proc?.stop().catch(() => undefined);
    removeDir(dataDir);
  });

  it('kill -9 right after DELETE /api/media/<slug> answers 2xx, restart: the slug is not in the loop and playback goes on', async () => {
    const ports = { http: await freePort(), mqtt: await freePort() };
    proc = await startLoopProcess({ config, dataDir, ports });
    const slugs = await uploadReadyClips(proc);
    const loopOf = async (p: LoopProcess) => (await http('GET', `${p.http}/api/loop`)).json.data as LoopState & { loop: string[] };
    await until(async () => (await loopOf(proc as LoopProcess)).loop?.length === 3, 5000, 'auto-added items');
    // The deleted item is the one playing: the hardest case for "playback goes on".
    const victim = slugs[1] as string;
    expect((await http('POST', `${proc.http}/api/media/${victim}/activate`)).status).to.equal(200);
    const child = proc.child;
    const res = await fetch(`${proc.http}/api/media/${victim}`, { method: 'DELETE' });
    // kill -9 as soon as the answer is in: the loop may not have written its side yet.
    child.kill('SIGKILL');
    expect(res.status, 'the delete was acknowledged').to.be.within(200, 299);
    await proc.exited;

    proc = await startLoopProcess({ config, dataDir, ports });
    const restarted = proc;
    await until(async () => !(await loopOf(restarted)).loop.includes(victim), 3000, 'the deleted slug to leave the loop');
    const after = await loopOf(proc);
    expect(after.loop, 'the deleted slug is not in the loop').to.not.include(victim);
    expect(after.loop).to.have.members(slugs.filter((s) => s !== victim));
    expect(after.active, 'the active item moved on').to.be.oneOf(after.loop);
    const mpv = new MpvWatch(socket);
    try {
      await mpv.attach(8000);
      await until(
        async () => {
          const p = (await http('GET', `${proc?.http}/api/playback`)).json.data as PlayerState | undefined;
          return p?.state === 'playing' && p.slug !== null && after.loop.includes(p.slug);
        },
        8000,
        'playback to go on with what is left',
      );
    } finally {
      mpv.close();
    }
    await proc.stop();
  });

  it('a delete the loop never heard of (the loop plugin off at the time) is reconciled at the next start, and the log says so', async () => {
    const ports = { http: await freePort(), mqtt: await freePort() };
    proc = await startLoopProcess({ config, dataDir, ports });
    const before = (await http('GET', `${proc.http}/api/loop`)).json.data as { loop: string[] };
    expect(before.loop).to.have.length(2);
    await proc.stop();
    // Only the library runs: the delete is acknowledged and nobody drops the slug from the loop.
    proc = await startLoopProcess({ config: { ...config, plugins: ['system', 'media'] }, dataDir, ports });
    const victim = before.loop[0] as string;
    expect((await fetch(`${proc.http}/api/media/${victim}`, { method: 'DELETE' })).status).to.equal(200);
    await proc.stop();
    proc = await startLoopProcess({ config, dataDir, ports });
    const p = proc;
    const loopNow = async () => (await http('GET', `${p.http}/api/loop`)).json.data as LoopState & { loop: string[] };
    await until(async () => (await loopNow()).loop.join() === before.loop[1], 3000, 'the deleted slug to leave the loop');
    expect((await loopNow()).active).to.equal(before.loop[1]);
    await until(() => /no longer lists it/.test(p.output()), 3000, 'the log line');
    const said = p
      .output()
      .split('\n')
      .find((l) => l.includes('no longer lists it'));
    expect(said, 'the log says what was removed and why').to.include(victim);
    await until(
      async () => ((await http('GET', `${proc?.http}/api/playback`)).json.data as PlayerState | undefined)?.slug === before.loop[1],
      8000,
      'the one left to play',
    );
  });
});

describe('loop: a converted file missing on disk, with the media plugin', function () {
  this.timeout(90_000);
  let proc: LoopProcess | null = null;
  const dataDir = tempDir();
  const socket = mpvSocket();
  const config = playingProcessConfig('refill', socket);

  after(async () => {
    await proc?.stop().catch(() => undefined);
    removeDir(dataDir);
  });

  it('is marked with an event while the others play, and uploading the clip again makes it play again', async () => {
    proc = await startLoopProcess({ config, dataDir });
    const p = proc;
    const files = await Promise.all([makeClip({ seconds: 1 }), makeClip({ seconds: 1 }), makeClip({ seconds: 1 })]);
    const upload = async (paths: string[]) => {
      const form = new FormData();
      for (const f of paths) form.append('files', new Blob([await readFile(f)], { type: 'video/mp4' }), basename(f));
      const res = await fetch(`${p.http}/api/media`, { method: 'POST', body: form });
      expect(res.status, await res.clone().text()).to.equal(200);
    };
    const mqtt = await connectMqtt(p.mqtt);
    try {
      await mqtt.subscribe(`${p.baseTopic}/#`);
      await upload(files);
      const ready = await mqtt.next(
        (m) =>
          m.topic === `${p.baseTopic}/media` &&
          (m.json as MediaState).items?.length === 3 &&
          (m.json as MediaState).items.every((i) => i.processing_status === 'ready'),
        30_000,
      );
      const items = (ready.json as MediaState).items;
      // The one made from files[2], which is uploaded again below.
      const gone = items.find((i) => i.filename === basename(files[2])) as MediaState['items'][number];
      const loopNow = async () => (await http('GET', `${p.http}/api/loop`)).json.data as LoopState & { loop: string[] };
      await until(async () => (await loopNow()).loop.length === 3, 5000, 'auto-added items');
      const mark = mqtt.mark();
      await unlink(gone.path as string);
      // A loop edit makes the player plan again, and find the file gone.
      expect(
        (await http('PATCH', `${p.http}/api/loop/items/${items.find((i) => i.slug !== gone.slug)?.slug}`, { repeat: 2 })).status,
      ).to.equal(200);
      const ev = await mqtt.next(
        (m) => m.topic === `${p.baseTopic}/bridge/event` && (m.json as BridgeEvent).type === 'loop_item_missing',
        5000,
        mark,
      );
      expect((ev.json as BridgeEvent).data).to.deep.include({ slug: gone.slug });
      const marked = (await loopNow()).items.find((i) => i.slug === gone.slug);
      expect(marked?.unplayable, 'marked on the loop').to.equal('file_missing');
      await until(
        async () => {
          const s = (await http('GET', `${p.http}/api/playback`)).json.data as PlayerState | undefined;
          return s?.state === 'playing' && s.slug !== gone.slug;
        },
        5000,
        'the others playing',
      );
      // The same clip uploaded again is converted again (not "already in the library"), and plays.
      const back = mqtt.mark();
      await upload([files[2]]);
      await mqtt.next(
        (m) => m.topic === `${p.baseTopic}/bridge/event` && (m.json as BridgeEvent).type === 'loop_item_restored',
        30_000,
        back,
      );
      expect((await loopNow()).items.find((i) => i.slug === gone.slug)?.unplayable).to.equal(undefined);
      await mqtt.next((m) => m.topic === `${p.baseTopic}/player` && (m.json as PlayerState).slug === gone.slug, 15_000, back);
    } finally {
      await mqtt.end();
    }
  });

  it('removed while Loop is down: at the next start it is marked and skipped, the log says why, the others play', async () => {
    const before = (await http('GET', `${(proc as LoopProcess).http}/api/loop`)).json.data as { loop: string[] };
    const lib = (await http('GET', `${(proc as LoopProcess).http}/api/media`)).json.data as { media: MediaState['items'] };
    const victim = lib.media.find((i) => i.slug === before.loop[0]) as MediaState['items'][number];
    await (proc as LoopProcess).stop();
    await unlink(victim.path as string);
    proc = await startLoopProcess({ config, dataDir });
    const p = proc;
    const itemNow = async () =>
      ((await http('GET', `${p.http}/api/loop`)).json.data as LoopState).items.find((i) => i.slug === victim.slug);
    await until(async () => (await itemNow())?.unplayable === 'failed', 3000, 'the item marked');
    await until(() => /loop item skipped/.test(p.output()), 3000, 'the log line');
    expect(
      p
        .output()
        .split('\n')
        .find((l) => l.includes('loop item skipped')),
    ).to.include(victim.slug);
    await until(
      async () => {
        const s = (await http('GET', `${p.http}/api/playback`)).json.data as PlayerState | undefined;
        return s?.state === 'playing' && s.slug !== victim.slug;
      },
      8000,
      'the others playing',
    );
  });
});
