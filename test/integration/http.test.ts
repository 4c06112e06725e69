// The REST surface the first version's clients use, its error envelope, OpenAPI and CORS;
// and MQTT over WebSocket on the same port.
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectMqtt } from '../helpers/mqtt.js';
import { http, startTestLoop, tempDir, type TestLoop } from '../helpers/loop.js';
import { hashPassword } from '../../core/broker/passwords.js';
import type { StorageReport } from '../../core/protocol/index.js';

describe('HTTP API (core and system routes)', () => {
  let loop: TestLoop;
  before(async () => {
    loop = await startTestLoop({ http: { cors_origins: ['http://phone.example'] } });
  });
  after(async () => loop.stop());

  it("GET /api/dashboard answers the first version's document, unwrapped", async () => {
    const r = await http('GET', `${loop.http}/api/dashboard`);
    expect(r.status).to.equal(200);
    expect(r.json).to.have.keys('status', 'media', 'active', 'loop', 'last_updated', 'processing');
    const status = r.json.status as Record<string, Record<string, unknown>>;
    expect(status.wifi).to.have.keys(
      'connected',
      'hotspot_active',
      'current_ssid',
      'ip_address',
      'configured_ssid',
      'hotspot_ssid',
      'signal_strength',
    );
    expect(status.system?.hostname).to.be.a('string');
  });

  it('GET /api/dashboard/storage: total, used, free, system, app, media in bytes', async () => {
    const r = await http('GET', `${loop.http}/api/dashboard/storage`);
    const s = r.json as unknown as StorageReport;
    expect(s.units).to.equal('bytes');
    expect(s.total).to.be.greaterThan(0);
    expect(s.used + s.free).to.be.at.most(s.total);
    expect(s.system + s.app + s.media).to.equal(s.used);
  });

  it('unknown paths and bad JSON get the envelope with a reason', async () => {
    const nf = await http('GET', `${loop.http}/api/nope`);
    expect(nf.status).to.equal(404);
    expect(nf.json).to.include({ success: false });
    expect(String(nf.json.message)).to.match(/no route GET \/api\/nope/);
    const bad = await http('POST', `${loop.http}/api/system/restart`, '{"oops');
    expect(bad.status).to.equal(400);
    expect(bad.json.success).to.equal(false);
  });

  it('serves the OpenAPI document with the routes and their schemas', async () => {
    const r = await http('GET', `${loop.http}/api/docs/json`);
    expect(r.json.openapi).to.match(/^3\./);
    const paths = r.json.paths as Record<string, unknown>;
    expect(paths).to.include.keys('/api/dashboard', '/api/dashboard/storage', '/api/health', '/api/websocket/status', '/api/system');
  });

  it('answers CORS only for configured origins', async () => {
    const ok = await fetch(`${loop.http}/api/health`, { headers: { origin: 'http://phone.example' } });
    expect(ok.headers.get('access-control-allow-origin')).to.equal('http://phone.example');
    const other = await fetch(`${loop.http}/api/health`, { headers: { origin: 'http://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).to.equal(null);
    const pre = await fetch(`${loop.http}/api/health`, {
      method: 'OPTIONS',
      headers: { origin: 'http://phone.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).to.equal(204);
  });

  it('offers MQTT over WebSocket at /mqtt', async () => {
    const c = await connectMqtt(`${loop.ws.replace(/\/ws$/, '/mqtt')}`);
    await c.subscribe(`${loop.baseTopic}/bridge/state`);
    const m = await c.next(() => true);
    expect(m.json).to.deep.equal({ state: 'online' });
    await c.end();
  });
});

describe('HTTP with a password file for MQTT users', () => {
  it('accepts a user from mqtt.password_file over TCP and over /mqtt', async () => {
    const dir = tempDir();
    const file = join(dir, 'passwd');
    writeFileSync(file, `# users\nnodered:${hashPassword('flows')}\n`);
    const loop = await startTestLoop({ mqtt: { allow_anonymous: false, password_file: file } });
    try {
      const tcp = await connectMqtt(loop.mqtt as string, { username: 'nodered', password: 'flows' });
      await tcp.end();
      const ws = await connectMqtt(loop.ws.replace(/\/ws$/, '/mqtt'), { username: 'nodered', password: 'flows' });
      await ws.end();
      const refused = await connectMqtt(loop.ws.replace(/\/ws$/, '/mqtt'), { reconnectPeriod: 0 }).then(
        () => 'connected',
        () => 'refused',
      );
      expect(refused).to.equal('refused');
    } finally {
      await loop.stop();
    }
  });
});
