// The idle card as a new owner sees it on a 320x240 panel: the real player on a real mpv (--vo=x11
// on Xvfb at 320x240), the screen grabbed with ffmpeg's x11grab and measured: every text line at
// least 16 pixels tall, nothing cut off at the edges, the setup code the largest. And the addresses
// it names, for the three ways HTTP can listen (loopback only, one address, every interface):
// every URL on the card is fetched and must answer.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEIGHT, WIDTH } from '../../bench/frames/classify.js';
import { startXvfb, type Screen } from '../../bench/frames/capture.js';
import { mpvSocket, startTestLoop, type TestLoop } from '../helpers/loop.js';
import { until } from '../helpers/wait.js';
import { skipBecause } from '../helpers/skip.js';

/** One frame of the screen as 8-bit grey, WIDTH x HEIGHT. */
function grab(display: string): Promise<Buffer> {
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'x11grab',
    '-draw_mouse',
    '0',
    '-video_size',
    `${WIDTH}x${HEIGHT}`,
    '-i',
    `${display}+0,0`,
  ];
  const ff = spawn('ffmpeg', [...args, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  let err = '';
  ff.stdout.on('data', (d: Buffer) => chunks.push(d));
  ff.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    ff.on('exit', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`x11grab exited ${code}: ${err}`))));
  });
}

/** The runs of rows holding white (text) pixels, top to bottom: one per text line, as [top, height]. */
function textRows(grey: Buffer): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let top = -1;
  for (let y = 0; y <= HEIGHT; y++) {
    const row = y < HEIGHT ? grey.subarray(y * WIDTH, (y + 1) * WIDTH) : Buffer.alloc(0);
    const white = row.some((v) => v > 200);
    if (white && top < 0) top = y;
    if (!white && top >= 0) {
      runs.push([top, y - top]);
      top = -1;
    }
  }
  return runs;
}

/** Every URL the card names, each fetched: the status, or the error when nothing answers. */
async function fetchAll(text: string): Promise<Record<string, string>> {
  const urls = text.match(/http:\/\/\S+/g) ?? [];
  const out: Record<string, string> = {};
  for (const url of urls) {
    out[url] = await fetch(url, { signal: AbortSignal.timeout(3000) }).then(
      (r) => `answers ${r.status}`,
      (err: Error) => `no answer: ${(err.cause as Error | undefined)?.message ?? err.message}`,
    );
  }
  return out;
}

const lanIpv4 = (): string | undefined =>
  Object.values(networkInterfaces())
    .flat()
    .find((a) => a?.family === 'IPv4' && !a.internal)?.address;

async function cardOf(loop: TestLoop): Promise<string> {
  const screenOf = (): string => loop.runtime.bus.last('player')?.screen ?? '';
  await until(() => screenOf() !== '', 15_000, 'the idle card');
  return screenOf();
}

describe('player: the idle card at 320x240 is readable and names only addresses that answer', function () {
  this.timeout(60_000);
  let screen: Screen | undefined;
  let loop: TestLoop | undefined;

  afterEach(async () => {
    await loop?.stop();
    loop = undefined;
    await screen?.stop();
    screen = undefined;
  });

  it('loopback only: the card says so, names 127.0.0.1 and http.host; its text is ≥ 16 px tall, the code largest', async () => {
    screen = await startXvfb();
    process.env.DISPLAY = screen.display;
    loop = await startTestLoop({
      auth: { mode: 'on' },
      plugins: ['system', 'player', 'loop'],
      player: { vo: 'x11', ao: 'null', ipc_socket: mpvSocket(), idle_screen: true },
    });
    const text = await cardOf(loop);

    // mpv draws the card a moment after it is handed over: wait until two grabs agree.
    let grey: Buffer = Buffer.alloc(0);
    await until(
      async () => {
        const before = grey;
        grey = await grab(screen?.display as string);
        return textRows(grey).length > 0 && grey.equals(before);
      },
      15_000,
      'the card on screen',
    );
    const file = join(tmpdir(), `idle-card-${process.pid}.gray`);
    writeFileSync(file, grey); // for a person: ffmpeg -f rawvideo -pix_fmt gray -s 320x240 -i <file> card.png
    const rows = textRows(grey);
    // Each line of the card (its text, then the code's label and the code) apart from the next.
    const lines = text.split('\n').length + 2;
    const heights = rows.map(([, h]) => h);
    expect(rows.length, `text lines on screen, each a run of rows (${heights.join(',')} px; ${file})`).to.equal(lines);
    expect(Math.min(...heights), `text line heights ${heights.join(',')} px (${file})`).to.be.at.least(16);
    expect(Math.max(...heights), 'the setup code is the largest line').to.equal(heights.at(-1));
    for (let y = 0; y < HEIGHT; y++) {
      const edge = [grey[y * WIDTH], grey[y * WIDTH + WIDTH - 1]];
      expect(
        edge.every((v) => (v as number) < 100),
        `text cut off at the edge on row ${y}`,
      ).to.equal(true);
    }
    expect(text)
      .to.match(/Loop answers only here/)
      .and.include('http.host');
    const answers = await fetchAll(text);
    expect(Object.keys(answers)).to.deep.equal([`${loop.http}`]);
    expect(
      Object.values(answers).every((a) => a.startsWith('answers')),
      JSON.stringify(answers),
    ).to.equal(true);
  });

  it('one address: the card names that address only, and it answers', async function () {
    const ip = lanIpv4();
    if (!ip) skipBecause(this, 'no LAN IPv4 address on this machine');
    loop = await startTestLoop({
      http: { host: ip },
      plugins: ['system', 'player', 'loop'],
      player: { vo: 'null', ao: 'null', ipc_socket: mpvSocket(), idle_screen: true },
    });
    const text = await cardOf(loop);
    const answers = await fetchAll(text);
    expect(Object.keys(answers)).to.deep.equal([`http://${ip}:${loop.runtime.httpPort}`]);
    expect(
      Object.values(answers).every((a) => a.startsWith('answers')),
      JSON.stringify(answers),
    ).to.equal(true);
  });

  it('every interface: every address the card names answers, the LAN IP among them', async function () {
    const ip = lanIpv4();
    if (!ip) skipBecause(this, 'no LAN IPv4 address on this machine');
    loop = await startTestLoop({
      http: { host: '0.0.0.0' },
      plugins: ['system', 'player', 'loop'],
      player: { vo: 'null', ao: 'null', ipc_socket: mpvSocket(), idle_screen: true },
    });
    const text = await cardOf(loop);
    const answers = await fetchAll(text);
    expect(Object.keys(answers)).to.include(`http://${ip}:${loop.runtime.httpPort}`);
    expect(
      Object.values(answers).every((a) => a.startsWith('answers')),
      JSON.stringify(answers),
    ).to.equal(true);
  });
});
