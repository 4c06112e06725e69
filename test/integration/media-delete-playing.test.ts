// Read-your-writes for the first version's clients (issue 26): once `DELETE /api/media/<slug>`
// answers, the dashboard they read next says the same as the loop, for the clip on screen too. The
// clip leaves the loop before it leaves the library, and the answer waits (on the player's own
// state, not a clock) until the screen has moved off it.
import { expect } from 'chai';
import type { LoopState, PlayerState, V1Dashboard } from '../../core/protocol/index.js';
import { http, removeDir, startLoopProcess, tempDir, type LoopProcess, mpvSocket } from '../helpers/loop.js';
import { freePort } from '../helpers/ports.js';
import { uploadReadyClips } from '../helpers/upload-clips.js';
import { until } from '../helpers/wait.js';

describe('media: delete the clip on screen, then read the dashboard at once', function () {
  this.timeout(90_000);
  let proc: LoopProcess | null = null;
  const dataDir = tempDir();

  after(async () => {
    await proc?.stop().catch(() => undefined); // already stopped by a failed start
    removeDir(dataDir);
  });

  it('the dashboard never lists a deleted slug, in the loop, the library or on screen', async () => {
    const config = {
      device: { id: 'read-your-writes' },
      plugins: ['system', 'player', 'loop', 'media'],
      player: { vo: 'null', ao: 'null', ipc_socket: mpvSocket() },
      loop: { repeat: 1 },
    };
    proc = await startLoopProcess({ config, dataDir, ports: { http: await freePort(), mqtt: await freePort() } });
    const base = proc.http;
    const slugs = await uploadReadyClips(proc, 4);
    const loopOf = async () => (await http('GET', `${base}/api/loop`)).json.data as LoopState;
    await until(async () => (await loopOf()).items.length === 4, 5000, 'auto-added items');
    const dashboard = async () => (await http('GET', `${base}/api/dashboard`)).json as unknown as V1Dashboard;

    // Twice the clip on screen, once one that is not.
    for (const [victim, onScreen] of [
      [slugs[1], true],
      [slugs[2], true],
      [slugs[0], false],
    ] as Array<[string, boolean]>) {
      if (onScreen) {
        expect((await http('POST', `${base}/api/media/${victim}/activate`)).status).to.equal(200);
        await until(
          async () => ((await http('GET', `${base}/api/playback`)).json.data as PlayerState).slug === victim,
          10_000,
          `${victim} on screen`,
        );
      }
      const res = await http('DELETE', `${base}/api/media/${victim}`);
      expect(res.status, JSON.stringify(res.json)).to.equal(200);
      const seen = await dashboard();
      expect(seen.loop, `the dashboard's loop right after deleting ${victim}`).to.not.include(victim);
      expect(seen.media.map((m) => m.slug)).to.not.include(victim);
      expect(seen.status.player.current_media, 'the screen moved off it').to.not.equal(victim);
      expect(seen.active).to.not.equal(victim);
    }
  });
});
