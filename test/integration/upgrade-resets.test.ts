// Clients that vanish mid-handshake, against the Loop process (its own child, so a crash is seen):
// each refused upgrade (421, 403, 404, 503 on /ws and /mqtt) reset right after the request, and a
// seeded fuzz that cuts every handshake (HTTP upgrade, /ws token, MQTT CONNECT over TCP and /mqtt)
// at a random byte with a random delay. Loop must survive them all and still answer /api/health.
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { expect } from 'chai';
import mqttPacket from 'mqtt-packet';
import { claim, makeToken, raw } from '../helpers/auth.js';
import { removeDir, startLoopProcess, tempDir, type LoopProcess } from '../helpers/loop.js';
import { connectMqtt, type TestMqtt } from '../helpers/mqtt.js';
import { sleep, until } from '../helpers/wait.js';
import { connectWs, type TestWs } from '../helpers/ws.js';
import { mulberry32 } from '../../core/util/random.js';

/** How many files and sockets a process has open. */
const openDescriptors = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

/** One client-to-server WebSocket frame (masked, as a client must send it). */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const len = payload.length;
  const header =
    len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : Buffer.from([0x80 | opcode, 0x80 | 126, (len >> 8) & 0xff, len & 0xff]);
  const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] ?? 0)));
  return Buffer.concat([header, mask, masked]);
}

interface Shape {
  path: string;
  host?: string;
  origin?: string;
  protocol?: string;
}

function upgradeRequest(port: number, s: Shape): Buffer {
  const lines = [
    `GET ${s.path} HTTP/1.1`,
    `Host: ${s.host ?? `127.0.0.1:${port}`}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    ...(s.origin ? [`Origin: ${s.origin}`] : []),
    ...(s.protocol ? [`Sec-WebSocket-Protocol: ${s.protocol}`] : []),
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);
}

const connectPacket = (): Buffer =>
  mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: '', keepalive: 30 });

/** Opens a socket, writes `bytes` (or the first `cut` of them), waits `delayMs`, then resets it. */
function resetAfter(port: number, bytes: Buffer, cut: number, delayMs: number): Promise<void> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    // The client's own errors (the server closing first) are not what is under test.
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      socket.write(bytes.subarray(0, cut));
      const reset = () => {
        if (!socket.destroyed) socket.resetAndDestroy();
        resolve();
      };
      if (delayMs === 0) reset();
      else setTimeout(reset, delayMs);
    });
    socket.on('close', () => resolve());
  });
}

describe('clients that vanish mid-handshake, against the Loop process', function () {
  this.timeout(90_000);
  let proc: LoopProcess | null = null;
  let httpPort: number;
  let mqttPort: number;
  let token: string;
  const dataDirs: string[] = [];

  /** A fresh, claimed Loop whenever the last one died, so each case below fails on its own. */
  const running = async (): Promise<LoopProcess> => {
    if (proc && proc.child.exitCode === null && proc.child.signalCode === null) return proc;
    const dataDir = tempDir();
    dataDirs.push(dataDir);
    proc = await startLoopProcess({
      dataDir,
      config: {
        device: { id: 'resets' },
        auth: { mode: 'on' },
        // Small limits, so that the fuzz meets the over-capacity refusals too.
        gateway: { max_connections: 2, max_unauthenticated: 2, auth_timeout_ms: 60_000 },
        mqtt: { limits: { max_connections: 2 } },
      },
    });
    httpPort = Number(new URL(proc.http).port);
    mqttPort = Number(new URL(proc.mqtt).port);
    token = (await makeToken(proc.http, await claim({ http: proc.http, dataDir }))).token;
    return proc;
  };

  after(async () => {
    await proc?.stop();
    for (const dir of dataDirs) removeDir(dir);
  });

  const alive = async (loop: LoopProcess): Promise<void> => {
    expect(loop.child.exitCode, `Loop exited:\n${loop.output().slice(-3000)}`).to.equal(null);
    const health = await raw('GET', `${loop.http}/api/health`);
    expect(health.status).to.equal(200);
  };

  /** Fills /ws and /mqtt to capacity for the 503 cases; answers what to close afterwards. */
  async function fillToCapacity(loop: LoopProcess): Promise<{ close: () => Promise<void> }> {
    const pages: TestWs[] = [];
    const clients: TestMqtt[] = [];
    for (let i = 0; i < 2; i++) {
      const page = await connectWs(loop.ws, { waitInitial: false });
      page.send({ type: 'auth', data: { token } });
      await page.next((m) => m.type === 'auth_response', 5000);
      // A silent one too: sockets without a session have their own limit (max_unauthenticated).
      pages.push(page, await connectWs(loop.ws, { waitInitial: false }));
      clients.push(await connectMqtt(loop.mqtt, { reconnectPeriod: 0 }));
    }
    await sleep(100);
    // Full indeed: one more of each is refused with 503.
    for (const path of ['/ws', '/mqtt']) {
      const headers = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': randomBytes(16).toString('base64') };
      const answer = await raw('GET', `${loop.http}${path}`, { headers: { ...headers, 'sec-websocket-version': '13' } });
      expect(answer.status, path).to.equal(503);
    }
    return {
      close: async () => {
        for (const p of pages) await p.close();
        for (const c of clients) await c.end();
        await sleep(100);
      },
    };
  }

  const refusals: Array<{ name: string; shape: Shape; full?: boolean }> = [
    { name: 'a wrong Host on /ws (421)', shape: { path: '/ws', host: 'x' } },
    { name: 'a foreign Origin on /ws (403)', shape: { path: '/ws', origin: 'http://evil.example' } },
    { name: 'a wrong Host on /mqtt (421)', shape: { path: '/mqtt', host: 'x', protocol: 'mqtt' } },
    { name: 'a foreign Origin on /mqtt (403)', shape: { path: '/mqtt', origin: 'http://evil.example', protocol: 'mqtt' } },
    { name: 'an unknown path (404)', shape: { path: '/nope' } },
    { name: '/ws over capacity (503)', shape: { path: '/ws' }, full: true },
    { name: '/mqtt over capacity (503)', shape: { path: '/mqtt', protocol: 'mqtt' }, full: true },
  ];

  for (const r of refusals) {
    it(`survives ${r.name} reset right after the request`, async () => {
      const loop = await running();
      const filled = r.full ? await fillToCapacity(loop) : null;
      try {
        for (let i = 0; i < 12; i++) {
          const request = upgradeRequest(httpPort, r.shape);
          await resetAfter(httpPort, request, request.length, 0);
        }
        await sleep(200);
        await alive(loop);
      } finally {
        await filled?.close();
      }
    });
  }

  it('closes refused sockets whose clients read the answer but never close their side, within 2 s', async () => {
    const loop = await running();
    const pid = loop.child.pid as number;
    const before = openDescriptors(pid);
    const clients = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const socket = connect({ port: httpPort, host: '127.0.0.1', allowHalfOpen: true });
        socket.on('error', () => undefined);
        let answer = '';
        await new Promise<void>((resolve) => {
          socket.on('data', (d: Buffer) => {
            answer += d.toString();
            resolve();
          });
          socket.on('connect', () => socket.write(upgradeRequest(httpPort, { path: '/ws', host: 'x' })));
        });
        expect(answer).to.match(/^HTTP\/1\.1 421 Misdirected Request\r\n/);
        return socket;
      }),
    );
    // Held by Loop while the clients keep their side open...
    expect(openDescriptors(pid)).to.be.at.least(before + 5);
    // ...and released by the refusal's deadline (no event for a descriptor count: a short poll).
    const started = performance.now();
    await until(
      () => openDescriptors(pid) <= before,
      4000,
      `Loop to close the refused sockets (${openDescriptors(pid)} open, ${before} before)`,
    );
    console.log(`      released after ${Math.round(performance.now() - started)} ms`);
    for (const socket of clients) socket.destroy();
    await alive(loop);
  });

  it('survives 1,000 handshakes cut at random bytes and moments, and answers /api/health afterwards', async () => {
    const loop = await running();
    const seed = Number(process.env.LOOP_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`      fuzz seed ${seed} (replay with LOOP_FUZZ_SEED=${seed})`);
    const random = mulberry32(seed); // replayable with LOOP_FUZZ_SEED
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const auth = Buffer.from(JSON.stringify({ type: 'auth', data: { token } }));
    // Each script is what a client would send: the upgrade and then its first message.
    const scripts: Array<{ port: number; bytes: () => Buffer }> = [
      ...refusals.map((r) => ({ port: httpPort, bytes: () => upgradeRequest(httpPort, r.shape) })),
      { port: httpPort, bytes: () => Buffer.concat([upgradeRequest(httpPort, { path: '/ws' }), clientFrame(1, auth)]) },
      {
        port: httpPort,
        bytes: () => Buffer.concat([upgradeRequest(httpPort, { path: '/mqtt', protocol: 'mqtt' }), clientFrame(2, connectPacket())]),
      },
      { port: mqttPort, bytes: connectPacket },
    ];
    const pid = loop.child.pid as number;
    const descriptorsBefore = openDescriptors(pid);
    const filled = await fillToCapacity(loop);
    let full = true;
    const started = performance.now();
    try {
      // Eight at a time, half of the run with /ws and /mqtt full (the 503 paths), half with room.
      for (let round = 0; round < 125; round++) {
        if (round === 62 && full) {
          await filled.close();
          full = false;
        }
        await Promise.all(
          Array.from({ length: 8 }, () => {
            const script = pick(scripts);
            const bytes = script.bytes();
            const cut = random() < 0.3 ? bytes.length : 1 + Math.floor(random() * bytes.length);
            const delay = random() < 0.3 ? 0 : Math.floor(random() * 6);
            return resetAfter(script.port, bytes, cut, delay);
          }),
        );
        expect(loop.child.exitCode, `Loop exited at round ${round} (seed ${seed}):\n${loop.output().slice(-3000)}`).to.equal(null);
      }
    } finally {
      if (full) await filled.close();
    }
    console.log(`      1,000 cut handshakes in ${Math.round(performance.now() - started)} ms`);
    await sleep(200);
    await alive(loop);
    // Costs nothing: every socket is closed again (a refusal's deadline is 2 s; there is no event
    // for a process's descriptor count, hence the short poll).
    await until(
      () => openDescriptors(pid) <= descriptorsBefore,
      5000,
      `descriptors back to ${descriptorsBefore} (now ${openDescriptors(pid)})`,
    );
    // Capacity came back: nothing leaked a connection slot.
    const page = await connectWs(loop.ws, { waitInitial: false });
    page.send({ type: 'auth', data: { token } });
    await page.next((m) => m.type === 'auth_response', 5000);
    await page.close();
    const client = await connectMqtt(loop.mqtt);
    await client.end();
  });
});
