// The system plugin: health retained on `system`, republished only on meaningful change, and a
// guarded restart that exits with the configured code after a graceful stop.
import { expect } from 'chai';
import { connectMqtt } from '../helpers/mqtt.js';
import { http, startLoopProcess, startTestLoop } from '../helpers/loop.js';
import { changedMeaningfully, cpuTemperature } from '../../plugins/system/health.js';
import type { SystemState } from '../../core/protocol/index.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/loop.js';

const sample = (over: Partial<SystemState> = {}): SystemState => ({
  hostname: 'h',
  version: '1',
  platform: 'linux',
  cpu_temp: 50,
  load: [0.5, 0.5, 0.5],
  cpus: 4,
  memory: { total: 512e6, free: 200e6, used: 312e6, process_rss: 60e6 },
  disk: { total: 16e9, free: 8e9, used: 8e9, path: '/' },
  uptime: 1000,
  process_uptime: 10,
  updated_at: new Date().toISOString(),
  ...over,
});

describe('system plugin', () => {
  it('republishes only meaningful changes', () => {
    const a = sample();
    expect(changedMeaningfully(null, a)).to.equal(true);
    expect(changedMeaningfully(a, sample({ cpu_temp: 50.5, load: [0.55, 0.5, 0.5] }))).to.equal(false);
    expect(changedMeaningfully(a, sample({ cpu_temp: 53 }))).to.equal(true);
    expect(changedMeaningfully(a, sample({ load: [1.2, 0.5, 0.5] }))).to.equal(true);
    expect(changedMeaningfully(a, sample({ memory: { ...a.memory, used: 400e6 } }))).to.equal(true);
    expect(changedMeaningfully(a, sample({ cpu_temp: null }))).to.equal(true);
  });

  it('reads the CPU temperature from sysfs in millidegrees, null when absent', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'temp'), '48312\n');
    expect(await cpuTemperature(join(dir, 'temp'))).to.equal(48.3);
    expect(await cpuTemperature(join(dir, 'missing'))).to.equal(null);
  });

  it("publishes health retained on `system`, with the data directory's disk", async () => {
    const loop = await startTestLoop();
    try {
      const c = await connectMqtt(loop.mqtt as string);
      await c.subscribe(`${loop.baseTopic}/system`);
      const m = await c.next(() => true);
      expect(m.retain).to.equal(true);
      const s = m.json as SystemState;
      expect(s.disk.path).to.equal(loop.dataDir);
      expect(s.memory.process_rss).to.be.greaterThan(1e6);
      expect(s.load).to.have.length(3);
      await c.end();
    } finally {
      await loop.stop();
    }
  });

  it('refuses restart when system.allow_restart is false (403)', async () => {
    const loop = await startTestLoop({ system: { allow_restart: false, interval_seconds: 15, restart_exit_code: 75 } });
    try {
      const r = await http('POST', `${loop.http}/api/system/restart`);
      expect(r.status).to.equal(403);
      expect(String(r.json.message)).to.match(/disabled/);
    } finally {
      await loop.stop();
    }
  });

  it('restart answers, stops gracefully (offline published) and exits with the restart code', async () => {
    // As under systemd, which restarts it (system-restart.test.ts: without a service manager it re-executes itself).
    const proc = await startLoopProcess({ config: { device: { id: 'restarty' } }, env: { INVOCATION_ID: 'test', NOTIFY_SOCKET: '' } });
    const c = await connectMqtt(proc.mqtt, { reconnectPeriod: 0 });
    await c.subscribe(`${proc.baseTopic}/bridge/state`);
    const r = await http('POST', `${proc.http}/api/system/restart`);
    expect(r.status).to.equal(200);
    expect(r.json.data).to.deep.equal({ restarting: true });
    const exit = await proc.exited;
    expect(exit.code).to.equal(75);
    await c.next((m) => (m.json as { state: string }).state === 'offline', 3000);
    await c.end();
  });
});
