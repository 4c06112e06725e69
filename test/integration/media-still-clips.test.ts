// A still's clip (plugins/media/still-clip.ts) for a library converted before stills had one: made
// in the background from the picture it has, with progress, the picture kept; and a still whose
// clip cannot be made stays a ready picture (the player plays it outside the timeline), said on
// `media/progress`. The invariants after kill -9 are media-crash.test.ts's.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import type { MediaProgress } from '../../core/protocol/media.js';
import { makeStill } from '../helpers/clips.js';
import { removeDir, startTestLoop, tempDir, type TestLoop } from '../helpers/loop.js';
import { uploadConverted, waitItem } from '../helpers/media-files.js';

const run = promisify(execFile);

describe("media: a still's clip, made in the background for an older library; a failed one leaves the picture", function () {
  this.timeout(120_000);
  const loops: TestLoop[] = [];
  const dirs: string[] = [];
  const start = async (dataDir: string, media: Record<string, unknown> = {}): Promise<TestLoop> => {
    const loop = await startTestLoop({ plugins: ['system', 'media'], media }, { dataDir });
    loops.push(loop);
    return loop;
  };
  afterEach(async () => {
    for (const loop of loops.splice(0)) await loop.stop();
    for (const d of dirs.splice(0)) removeDir(d);
  });

  it('a library from before still clips gets them in the background, with progress; the picture is not converted again', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    let loop = await start(dataDir);
    const item = await uploadConverted(loop.http, await makeStill({ name: 'older' }));
    const clip = item.still_clip;
    expect(clip, 'a still clip made at upload').to.be.an('object');
    await loop.stop();
    loops.splice(0);
    // As an index written before still clips: no `still_clip`, and no file.
    const index = join(dataDir, 'state', 'media.library.json');
    const doc = JSON.parse(await readFile(index, 'utf8')) as { data: { items: Array<Record<string, unknown>> } };
    for (const e of doc.data.items) delete e.still_clip;
    await writeFile(index, JSON.stringify(doc));
    await rm(clip?.path as string);

    loop = await start(dataDir);
    const progress: MediaProgress[] = [];
    loop.runtime.bus.subscribe('media/progress', (p) => void progress.push(p));
    const before = await waitItem(loop.http, item.slug, (x) => x.processing_status === 'completed', 10_000);
    expect(before.still_clip, 'not yet: the picture plays meanwhile').to.equal(null);
    const after = await waitItem(loop.http, item.slug, (x) => !!x.still_clip, 30_000);
    expect(after.still_clip?.duration).to.equal(2);
    expect(after.path, 'the picture itself is kept').to.equal(item.path);
    // The job can start before the test listens (the retained `settings` at start already asks for
    // the library's conversions): its end, on the progress topic, is what is sure to be seen.
    const stages = progress.filter((p) => p.slug === item.slug).map((p) => p.stage);
    expect(stages, 'progress of the background job').to.include('done');
  });

  it('with media.video.keep_audio a still clip has a silent track as long as its picture (mpv stalls on a timeline mixing sound and none)', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const loop = await start(dataDir, { video: { keep_audio: true } });
    const item = await uploadConverted(loop.http, await makeStill({ name: 'silent' }));
    expect(item.still_clip?.has_audio).to.equal(true);
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_type,duration',
      '-of',
      'csv=p=0',
      item.still_clip?.path as string,
    ]);
    const streams = stdout
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    expect(streams.map(([type]) => type).sort()).to.deep.equal(['audio', 'video']);
    for (const [type, duration] of streams) expect(Number(duration), `${type} duration`).to.be.closeTo(2, 0.05);
  });

  it('a still clip ffmpeg cannot make leaves a ready picture, without a clip, and says so', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    // An ffmpeg that fails only at making a clip of a picture (the only run given `-loop`).
    const ffmpeg = join(dataDir, 'ffmpeg-no-still-clip');
    await writeFile(
      ffmpeg,
      '#!/bin/sh\nfor a in "$@"; do [ "$a" = "-loop" ] && { echo "refused for the test" >&2; exit 1; }; done\nexec ffmpeg "$@"\n',
    );
    await chmod(ffmpeg, 0o755);
    const loop = await start(dataDir, { ffmpeg_path: ffmpeg });
    const progress: MediaProgress[] = [];
    loop.runtime.bus.subscribe('media/progress', (p) => void progress.push(p));
    const item = await uploadConverted(loop.http, await makeStill({ name: 'nostill' }));
    expect(item.still_clip).to.equal(null);
    expect(item.path).to.match(/\.png$/);
    const done = progress.find((p) => p.slug === item.slug && p.stage === 'done');
    expect(done?.message).to.match(/plays as a picture.*refused for the test/s);
  });
});
