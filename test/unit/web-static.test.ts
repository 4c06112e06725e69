// Serving the dashboard (core/http/static.ts) from a built-like folder: immutable hashed assets,
// precompressed variants by Accept-Encoding, index.html revalidated at every view path, and no
// fallback for API paths.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { expect } from 'chai';
import Fastify, { type FastifyInstance } from 'fastify';
import { serveDashboard, IMMUTABLE, REVALIDATE } from '../../core/http/static.js';
import { VIEW_PATHS } from '../../web/src/paths.js';

describe('web: the server serves the built dashboard', () => {
  let dir: string;
  let app: FastifyInstance;
  const js = 'console.log("loop");'.repeat(100);
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'loop-web-dist-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Loop</title>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), js);
    writeFileSync(join(dir, 'assets', 'index-abc123.js.gz'), gzipSync(js));
    writeFileSync(join(dir, 'assets', 'index-abc123.js.br'), brotliCompressSync(js));
    writeFileSync(join(dir, 'manifest.webmanifest'), '{"name":"Loop"}');
    app = Fastify();
    await serveDashboard(app, { deviceName: 'x', viewPaths: VIEW_PATHS, distDir: dir });
    app.get('/api/thing', async () => ({ ok: true }));
    await app.ready();
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hashed assets are immutable and come brotli, gzip or plain as the client accepts', async () => {
    const br = await app.inject({ url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(br.statusCode).to.equal(200);
    expect(br.headers['cache-control']).to.equal(IMMUTABLE);
    expect(br.headers['content-encoding']).to.equal('br');
    expect(br.headers['content-type']).to.match(/javascript/);
    expect(br.rawPayload.length).to.be.lessThan(js.length / 5);
    const gz = await app.inject({ url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).to.equal('gzip');
    const plain = await app.inject({ url: '/assets/index-abc123.js' });
    expect(plain.headers['content-encoding']).to.equal(undefined);
    expect(plain.body).to.equal(js);
    expect(plain.headers.vary).to.match(/accept-encoding/i);
  });

  it('every view path answers index.html, not cached', async () => {
    for (const path of VIEW_PATHS) {
      const res = await app.inject({ url: path });
      expect(res.statusCode, path).to.equal(200);
      expect(res.body, path).to.contain('<title>Loop</title>');
      expect(res.headers['cache-control'], path).to.equal(REVALIDATE);
    }
  });

  it('API paths and unknown paths are not answered with the page', async () => {
    expect((await app.inject({ url: '/api/thing' })).json()).to.deep.equal({ ok: true });
    expect((await app.inject({ url: '/api/nothing' })).statusCode).to.equal(404);
    expect((await app.inject({ url: '/ws' })).statusCode).to.equal(404);
    expect((await app.inject({ url: '/mqtt' })).statusCode).to.equal(404);
    expect((await app.inject({ url: '/assets/missing-123.js' })).statusCode).to.equal(404);
  });
});
