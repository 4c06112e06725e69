// A full disk, played against the real Loop process with its data directory on a small tmpfs: a
// change is refused once with a clear error and not shown as applied, the process idles and leaves
// no temp files, deleting media from the page frees space, and a restart while full is quick.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { MediaItem } from '../../core/protocol/media.js';
import { connectMqtt, type TestMqtt } from '../helpers/mqtt.js';
import { http, removeDir, startLoopProcess, tempDir, type LoopProcess } from '../helpers/loop.js';
import { mediaFixtures, uploadFiles } from '../helpers/media-files.js';
import { skipBecause } from '../helpers/skip.js';
import { sleep, until } from '../helpers/wait.js';

const CLOCK_TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

/** User + system CPU seconds the process has used so far (/proc/<pid>/stat, fields 14 and 15). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Writes zeros into `dir` until the file system refuses (the disk is then full). */
function fill(dir: string): void {
  const fd = openSync(join(dir, `filler-${Date.now()}`), 'w');
  try {
    for (const size of [1024 * 1024, 64 * 1024, 4096, 512]) {
      const chunk = Buffer.alloc(size);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      }
    }
  } finally {
    closeSync(fd);
  }
}

const freeBytes = async (dir: string): Promise<number> => {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
};

const temps = (dataDir: string): string[] => readdirSync(join(dataDir, 'state')).filter((f) => f.includes('.tmp-'));

const repeatOf = async (base: string): Promise<number> => {
  const r = await http('GET', `${base}/api/loop`);
  return (r.json.data as { repeat: number }).repeat;
};

describe('store: a full disk (real process, data directory on an 8 MiB tmpfs)', function () {
  this.timeout(120_000);
  const mount = tempDir('loop-full-');
  const dataDir = join(mount, 'data');
  const config = { plugins: ['system', 'media', 'loop'], media: { min_free_bytes: 0 } };
  let mounted = false;
  let proc: LoopProcess | null = null;
  /** Subscribed to bridge/event: where a page learns of the failure. */
  let events: TestMqtt | null = null;
  let slug = '';
  /** Bytes of the converted clip, which the delete must give back. */
  let clipBytes = 0;

  before(async function () {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mount], { stdio: 'pipe' });
      mounted = true;
    } catch (err) {
      skipBecause(this, `cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]})`);
    }
    mkdirSync(dataDir);
    proc = await startLoopProcess({ dataDir, config });
    events = await connectMqtt(proc.mqtt);
    await events.subscribe(`${proc.baseTopic}/bridge/event`);
    const f = await mediaFixtures();
    const up = await uploadFiles(`${proc.http}/api/media`, [{ path: f.mp4, name: 'clip.mp4' }]);
    expect(up.status, JSON.stringify(up.json)).to.be.within(200, 299);
    const base = proc.http;
    let last: MediaItem[] = [];
    await until(
      async () => {
        const media = ((await http('GET', `${base}/api/media`)).json.data as { media: MediaItem[] }).media;
        last = media;
        slug = media[0] && ['ready', 'completed'].includes(media[0].processing_status) ? media[0].slug : '';
        clipBytes = media[0]?.converted_size ?? 0;
        return slug !== '';
      },
      30_000,
      'the clip to be converted',
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(last.map((m) => [m.processing_status, m.error]))}\n${proc?.output() ?? ''}`);
    });
  });

  after(async () => {
    await events?.end();
    await proc?.kill('SIGKILL');
    if (mounted) execFileSync('umount', ['-l', mount]);
    removeDir(mount);
  });

  it('a change is refused with 507 and a clear message, and a GET after it shows the old value', async () => {
    const p = proc as LoopProcess;
    const before = await repeatOf(p.http);
    fill(mount);
    const r = await http('PATCH', `${p.http}/api/loop/settings`, { repeat: before + 1 });
    expect(r.status, JSON.stringify(r.json)).to.equal(507);
    expect(r.json.code).to.equal('storage_full');
    expect(r.json.message).to.match(/disk is full/);
    expect(await repeatOf(p.http)).to.equal(before);
  });

  it('while full, the process is near idle, leaves no temp file, and reports the failure once', async () => {
    const p = proc as LoopProcess;
    const pid = p.child.pid as number;
    const before = await repeatOf(p.http);
    const refused = await http('PATCH', `${p.http}/api/loop/settings`, { repeat: before + 2 });
    const cpuBefore = cpuSeconds(pid);
    await sleep(3000);
    const cpu = cpuSeconds(pid) - cpuBefore;
    expect(cpu, `CPU seconds used in 3 s while full`).to.be.below(0.3);
    expect(temps(dataDir)).to.deep.equal([]);
    expect(refused.status).to.equal(507);
    const reports = p
      .output()
      .split('\n')
      .filter((l) => l.includes('changes are refused until space is freed'));
    expect(reports, 'one report for two refused changes').to.have.length(1);
    const storage = (events as TestMqtt).received
      .map((m) => m.json as { type?: string; level?: string; message?: string })
      .filter((e) => e.type === 'storage' && e.level === 'error');
    expect(storage.map((e) => e.message)).to.deep.equal([
      'the disk is full: changes are refused until space is freed (delete media from the library)',
    ]);
  });

  it('deleting media from the page on a full disk works and frees its space; changes are saved again', async () => {
    const p = proc as LoopProcess;
    const freeBefore = await freeBytes(mount);
    const r = await http('DELETE', `${p.http}/api/media/${slug}`);
    expect(r.status, JSON.stringify(r.json)).to.equal(200);
    const media = ((await http('GET', `${p.http}/api/media`)).json.data as { media: MediaItem[] }).media;
    expect(media.map((m) => m.slug)).to.not.include(slug);
    const freed = (await freeBytes(mount)) - freeBefore;
    expect(clipBytes).to.be.above(0);
    expect(freed, 'bytes freed by the delete').to.be.at.least(clipBytes);
    expect(readdirSync(join(dataDir, 'media', 'clips'))).to.deep.equal([]);
    // The reserve the delete used is made again from the space it freed, ready for the next time.
    expect(statSync(join(dataDir, 'state', '.space-reserve')).size).to.equal(2 * 1024 * 1024);
    const before = await repeatOf(p.http);
    const ok = await http('PATCH', `${p.http}/api/loop/settings`, { repeat: before + 3 });
    expect(ok.status, JSON.stringify(ok.json)).to.equal(200);
    expect(await repeatOf(p.http)).to.equal(before + 3);
    await (events as TestMqtt).next((m) => (m.json as { message?: string }).message === 'state is saved again', 5000);
  });

  it('a restart while the disk is full is up within 3 s (or twice a restart with room, on a loaded machine) and keeps what was saved', async () => {
    const saved = await repeatOf((proc as LoopProcess).http);
    await events?.end();
    events = null;
    const restart = async (): Promise<number> => {
      await (proc as LoopProcess).stop();
      proc = null;
      const started = performance.now();
      proc = await startLoopProcess({ dataDir, config });
      return performance.now() - started;
    };
    // The same restart with room on the disk: what this machine needs right now, whatever else runs on it.
    const withRoom = await restart();
    fill(mount);
    const whileFull = await restart();
    console.log(`      restart with room ${withRoom.toFixed(0)} ms, while full ${whileFull.toFixed(0)} ms`);
    expect(whileFull, 'ms from spawn to "Loop is up" while full').to.be.below(Math.max(3000, 2 * withRoom));
    expect(await repeatOf((proc as LoopProcess).http)).to.equal(saved);
    expect(temps(dataDir)).to.deep.equal([]);
  });
});
