// The parts of the page's live connection (web/src/live), each on its own: seq gaps and rooms as a
// table, the status box, a polled state document turned into the socket's events, requests over the
// socket and their ends, and the typed `command` over REST against a real HTTP server on loopback.
// The `@ts-expect-error` lines are the compile-time half: a wrong plugin, action, payload or answer
// type must not build (tsc checks this file in `npm run lint` and before every test run).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { AnswerFor, PlayerState, StateDocument } from '../../core/protocol/index.js';
import { LiveConnection, LiveError } from '../../web/src/live/connection.js';
import { eventsOfState } from '../../web/src/live/polling.js';
import { Requests } from '../../web/src/live/requests.js';
import { StatusBox, type LiveStatus } from '../../web/src/live/status.js';
import { Subscriptions } from '../../web/src/live/subscriptions.js';
import { realTimers } from '../../web/src/live/transport.js';
import type { ServerMessage } from '../../web/src/live/messages.js';

const ev = (room: string, seq: number, snapshot = false): ServerMessage => ({ type: 'loop_updated', room, seq, snapshot });

describe('web live parts: rooms and seq gaps', () => {
  const cases: Array<{ story: string; after: ServerMessage[]; resubscribes: number }> = [
    { story: 'seqs that follow on ask for nothing', after: [ev('dashboard', 6), ev('dashboard', 7)], resubscribes: 0 },
    { story: 'a jump forward asks for the snapshot again', after: [ev('dashboard', 6), ev('dashboard', 8)], resubscribes: 1 },
    { story: 'an old duplicate is harmless', after: [ev('dashboard', 6), ev('dashboard', 6), ev('dashboard', 4)], resubscribes: 0 },
    { story: 'a snapshot resets the count', after: [ev('dashboard', 20, true), ev('dashboard', 21)], resubscribes: 0 },
    { story: 'a room the page never joined is not counted', after: [ev('wifi', 3), ev('wifi', 9)], resubscribes: 0 },
  ];
  for (const c of cases) {
    it(c.story, () => {
      const sent: Array<Record<string, unknown>> = [];
      const subs = new Subscriptions((m) => sent.push(m as Record<string, unknown>));
      subs.add('dashboard', true);
      subs.onSubscribed({ type: 'subscribe_response', room: 'dashboard', success: true, seq: 5 });
      for (const m of c.after) subs.onEvent(m);
      expect(sent.filter((m) => m.type === 'subscribe')).to.have.length(1 + c.resubscribes);
    });
  }

  it('counts readers: the second subscribe sends nothing, the last unsubscribe leaves, and a new socket rejoins all', () => {
    const sent: Array<Record<string, unknown>> = [];
    const subs = new Subscriptions((m) => sent.push(m as Record<string, unknown>));
    subs.add('dashboard', true);
    subs.add('dashboard', true);
    subs.add('wifi', false); // not live: joined when the socket is greeted
    expect(sent).to.deep.equal([{ type: 'subscribe', rooms: ['dashboard'] }]);
    subs.remove('dashboard', true);
    expect(sent).to.have.length(1);
    subs.remove('dashboard', true);
    expect(sent[1]).to.deep.equal({ type: 'unsubscribe', room: 'dashboard' });
    subs.rejoinAll();
    expect(sent[2]).to.deep.equal({ type: 'subscribe', rooms: ['wifi'] });
  });
});

describe('web live parts: status', () => {
  it('tells its listeners of changes only, with a copy they cannot change', () => {
    const box = new StatusBox();
    const heard: LiveStatus[] = [];
    box.listen((s) => heard.push(s));
    box.set({ state: 'connecting' }); // no change
    box.set({ state: 'live' });
    box.set({ state: 'live', attempt: 0 }); // no change
    expect(heard.map((s) => s.state)).to.deep.equal(['connecting', 'live']);
    heard[1]!.state = 'offline';
    expect(box.value.state).to.equal('live');
    expect(box.live).to.equal(true);
  });
});

describe('web live parts: a polled state document becomes the events the socket would send', () => {
  it('each topic as its event, each job by its stage, absent topics as nothing', () => {
    const player = { state: 'playing', slug: 'a' } as unknown as PlayerState;
    const doc = {
      topics: { player, media: { items: [], updated_at: 'x' } },
      jobs: [
        { job_id: 'u', slug: null, filename: 'u.mp4', stage: 'uploading', percent: 10, timestamp: 't' },
        { job_id: 'c', slug: null, filename: 'c.mp4', stage: 'converting', percent: 50, timestamp: 't' },
      ],
    } satisfies StateDocument;
    const events = eventsOfState(doc);
    expect(events.map((e) => e.type)).to.deep.equal(['playback_changed', 'media_updated', 'upload_progress', 'processing_progress']);
    expect(events[0]?.data).to.equal(player); // the payload as is: no first-version wrapping
  });
});

describe('web live parts: requests over the socket', () => {
  const requests = (timeoutMs = 5000) =>
    new Requests({ fetch: () => Promise.reject(new Error('no REST here')), httpBase: '', timers: realTimers, requestTimeoutMs: timeoutMs });

  it('sends a numbered request and settles it with the matching response, or with the refusal', async () => {
    const r = requests();
    const sent: Array<Record<string, unknown>> = [];
    const send = (m: object) => sent.push(m as Record<string, unknown>);
    const ok = r.run('player/next', {}, send);
    const refused = r.run('media/delete', { slug: 'x' }, send).catch((e: unknown) => e);
    expect(sent).to.deep.equal([
      { type: 'request', id: 1, action: 'player/next', data: {} },
      { type: 'request', id: 2, action: 'media/delete', data: { slug: 'x' } },
    ]);
    r.onResponse({ type: 'response', id: 2, success: false, message: 'unknown slug x', code: 'not_found' });
    r.onResponse({ type: 'response', id: 1, success: true, data: { state: 'playing' } });
    expect(await ok).to.deep.equal({ state: 'playing' });
    const err = (await refused) as LiveError;
    expect(err).to.be.instanceOf(LiveError);
    expect([err.message, err.code]).to.deep.equal(['unknown slug x', 'not_found']);
  });

  it('rejects what is still waiting when the socket is lost, and what is not answered in time', async () => {
    const r = requests(50);
    const lost = r.run('player/next', {}, () => undefined).catch((e: unknown) => e);
    r.rejectAll('the connection to Loop was lost');
    expect(((await lost) as LiveError).code).to.equal('disconnected');
    const late = await r.run('player/next', {}, () => undefined).catch((e: unknown) => e);
    expect((late as LiveError).code).to.equal('timeout');
  });
});

describe('web live parts: the typed command', () => {
  let server: Server;
  let base: string;
  const calls: Array<{ url: string; body: unknown }> = [];
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        calls.push({ url: req.url ?? '', body: body ? (JSON.parse(body) as unknown) : null });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ success: true, data: { networks: [{ ssid: 'home', signal: 70, secured: true }] } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  // No socket: commands go over REST, so the request is there to read.
  const conn = () =>
    new LiveConnection({
      wsUrl: 'ws://127.0.0.1:1/ws',
      httpBase: base,
      createSocket: () => {
        throw new Error('no socket in this test');
      },
      fetch: (u, i) => fetch(u, i),
    });

  it('names the plugin and the action in the path, sends the payload, and answers with the declared type', async () => {
    const c = conn();
    const scan: AnswerFor<'wifi', 'scan'> = await c.command('wifi', 'scan');
    expect(scan.networks[0]?.ssid).to.equal('home');
    await c.command('wifi', 'connect', { ssid: 'home', password: 'secret12' });
    expect(calls.map((x) => x.url)).to.deep.equal(['/api/actions/wifi/scan', '/api/actions/wifi/connect']);
    expect(calls.map((x) => x.body)).to.deep.equal([{}, { ssid: 'home', password: 'secret12' }]);
  });

  /** Never called: only compiled. Each line under `@ts-expect-error` must be a type error. */
  function wrongCommandsDoNotBuild(c: LiveConnection): void {
    // @ts-expect-error an action the player does not have
    void c.command('player', 'nxt');
    // @ts-expect-error a plugin that is not built in
    void c.command('kitchen', 'next');
    // @ts-expect-error a payload field the action does not declare
    void c.command('player', 'volume', { volum: 10 });
    // @ts-expect-error a payload the action needs, left out
    void c.command('wifi', 'connect');
    // @ts-expect-error a payload of the wrong type
    void c.command('display', 'brightness', { brightness: 'bright' });
    void c.command('player', 'next').then((a) => {
      // @ts-expect-error the answer is next's ({state, slug, index}), not a number
      const n: number = a;
      return n;
    });
  }
  void wrongCommandsDoNotBuild;
});
