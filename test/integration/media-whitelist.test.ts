// Uploads that would make ffmpeg read something else: HLS, DASH and concat manifests naming a
// local file (file://), and containers outside the whitelist. Each is refused with 415 and a
// clear reason, nothing is converted, and nothing of the referenced file appears anywhere.
// Also: a multipart body cut before its closing boundary is the client's fault (400).
import { expect } from 'chai';
import { request } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MediaItem } from '../../core/protocol/media.js';
import { ffmpegArgv } from '../../plugins/media/ffmpeg-run.js';
import { makeClip } from '../helpers/clips.js';
import { http, startTestLoop, tempDir, type TestLoop } from '../helpers/loop.js';
import { ffmpeg, mediaFiles, uploadFiles } from '../helpers/media-files.js';
import { sleep } from '../helpers/wait.js';

describe('Media uploads: manifests and unlisted formats are refused', () => {
  let loop: TestLoop;
  let secret: string;
  let dir: string;
  const url = (): string => `${loop.http}/api/media`;

  before(async function () {
    this.timeout(60_000);
    loop = await startTestLoop({ plugins: ['system', 'media'] });
    dir = tempDir('loop-wl-');
    // The "secret" a manifest points at: a real, playable local clip that must never be converted.
    secret = await makeClip({ name: 'private-secret-clip', seconds: 1 });
  });
  after(async () => loop.stop());

  const manifests = (): Array<[string, string, RegExp]> => [
    [
      'playlist.m3u8',
      `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:1.0,\nfile://${secret}\n#EXT-X-ENDLIST\n`,
      /HLS \/ M3U playlist is not accepted/,
    ],
    ['innocent.mp4', `#EXTM3U\n#EXTINF:1.0,\nfile://${secret}\n`, /HLS \/ M3U playlist is not accepted/],
    [
      'manifest.mpd',
      `<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT1S"><Period><AdaptationSet><Representation id="1" bandwidth="1000" width="64" height="48"><BaseURL>file://${secret}</BaseURL></Representation></AdaptationSet></Period></MPD>\n`,
      /DASH manifest is not accepted/,
    ],
    ['list.txt', `ffconcat version 1.0\nfile '${secret}'\n`, /concat list is not accepted/],
    ['clip.mov', `file '${secret}'\n`, /concat list is not accepted/],
    [
      'session.sdp',
      'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 5004 RTP/AVP 96\r\n',
      /SDP session description is not accepted/,
    ],
  ];

  it('refuses HLS, DASH, concat and SDP files with 415, whatever their name, and converts nothing', async () => {
    for (const [name, body, reason] of manifests()) {
      const path = join(dir, `upload-${name}`);
      await writeFile(path, body);
      const r = await uploadFiles(url(), [{ path, name }]);
      expect(r.status, `${name}: ${JSON.stringify(r.json)}`).to.equal(415);
      expect(r.json.message, name).to.match(reason);
      expect(r.json.message, name).to.match(/upload the video or picture itself/);
      expect(JSON.stringify(r.json), 'the referenced path is not echoed').to.not.include('private-secret-clip');
    }
    await sleep(300);
    const list = (await http('GET', url())).json.data as { media: MediaItem[] };
    expect(list.media).to.deep.equal([]);
    const disk = await mediaFiles(loop.dataDir);
    expect(disk).to.deep.equal({ incoming: [], originals: [], clips: [], thumbs: [] });
    const state = loop.runtime.bus.lastRaw('media')?.toString() ?? '';
    expect(state).to.not.include('private-secret-clip');
  });

  it('refuses a container outside the whitelist (FLV) with 415 naming it, after ffprobe declined to open it', async () => {
    const flv = join(dir, 'clip.flv');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=5', '-t', '1', '-c:v', 'flv1', '-f', 'flv', flv]);
    const r = await uploadFiles(url(), [{ path: flv, name: 'clip.flv' }]);
    expect(r.status, JSON.stringify(r.json)).to.equal(415);
    expect(r.json.message).to.match(/format is not accepted \(flv\)/);
  });

  it('still accepts an ordinary MP4', async () => {
    const clip = await makeClip({ name: 'ordinary', seconds: 1 });
    const r = await uploadFiles(url(), [{ path: clip, name: 'ordinary.mp4' }]);
    expect(r.status, JSON.stringify(r.json)).to.equal(200);
  });

  it('gives ffmpeg the same whitelist as ffprobe (the argv the plugin and the bench run)', () => {
    const argv = ffmpegArgv('/in', '/out', { input: [], output: [] });
    expect(argv.slice(0, 4)).to.deep.equal(['-format_whitelist', argv[1], '-protocol_whitelist', 'file']);
    expect(argv[1]).to.not.match(/hls|dash|concat|sdp/);
  });
});

describe('Media uploads: a truncated multipart body', () => {
  let loop: TestLoop;
  before(async () => {
    loop = await startTestLoop({ plugins: ['system', 'media'] });
  });
  after(async () => loop.stop());

  it("is answered 400 (the client's fault), not 500, and leaves nothing behind", async () => {
    const boundary = '----loopTruncated';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="cut.mp4"\r\nContent-Type: video/mp4\r\n\r\n`),
      Buffer.alloc(20_000, 7),
    ]); // no closing boundary, but the body is complete as far as HTTP is concerned
    const res = await new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
      const req = request(
        `${loop.http}/api/media`,
        {
          method: 'POST',
          headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length },
        },
        (r) => {
          let text = '';
          r.on('data', (d: Buffer) => (text += d.toString()));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(res.status, JSON.stringify(res.json)).to.equal(400);
    expect(res.json.message).to.match(/ended before|truncated|malformed/i);
    const disk = await mediaFiles(loop.dataDir);
    expect(disk.incoming).to.deep.equal([]);
  });
});
