// The owner's settings as a phone-only owner changes them (REST and MQTT, the system plugin's
// `settings` and `update_settings`): stored before the answer, laid over the YAML at the next start,
// bad input and pinned settings refused with nothing changed, a damaged file refused loudly.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { OwnerSettingsReport } from '../../core/protocol/index.js';
import { http, removeDir, startLoopProcess, startTestLoop, tempDir, type TestLoop } from '../helpers/loop.js';
import { connectMqtt } from '../helpers/mqtt.js';
import { uploadConverted } from '../helpers/media-files.js';
import { BLACK, RED, edgesStill, frameRgb, near } from '../helpers/pictures.js';

const settingsFile = (dataDir: string): string => join(dataDir, 'state', 'settings.json');
const report = (res: { json: Record<string, unknown> }): OwnerSettingsReport => res.json.data as OwnerSettingsReport;

describe('owner settings: the page changes what the YAML set', function () {
  this.timeout(60_000);
  const dataDir = tempDir();
  let loop: TestLoop;
  const start = async () => {
    loop = await startTestLoop({ plugins: ['system', 'media'] }, { dataDir });
  };
  before(start);
  after(async () => {
    await loop.stop();
    removeDir(dataDir);
  });

  it('reports each setting with its value, where it comes from and how it applies', async () => {
    const res = await http('GET', `${loop.http}/api/settings`);
    expect(res.status).to.equal(200);
    const r = report(res);
    expect(r.values).to.deep.equal({ device_name: 'Loop test', fit: 'blur', timeline: 'auto', homeassistant: false });
    expect(r.settings.fit).to.deep.equal({ source: 'default', pinned: false, applies: 'live', restart_pending: false });
    expect(r.settings.device_name.applies).to.equal('restart');
    expect(r.problem).to.equal(null);
  });

  it('answers after the change is on disk, and publishes it retained on `settings`', async () => {
    const res = await http('PATCH', `${loop.http}/api/settings`, { fit: 'cover', device_name: 'Kitchen', homeassistant: true });
    expect(res.status).to.equal(200);
    const r = report(res);
    expect(r.values).to.include({ fit: 'cover', device_name: 'Kitchen', homeassistant: true });
    expect(r.settings.fit).to.include({ source: 'owner', restart_pending: false });
    expect(r.settings.device_name).to.include({ source: 'owner', restart_pending: true });
    const stored = JSON.parse(readFileSync(settingsFile(dataDir), 'utf8')) as { schema: number; data: unknown };
    expect(stored).to.deep.equal({ schema: 1, data: { fit: 'cover', device_name: 'Kitchen', homeassistant: true } });
    const mqtt = await connectMqtt(loop.mqtt as string);
    try {
      await mqtt.subscribe(`${loop.baseTopic}/settings`);
      const m = await mqtt.next((msg) => msg.topic === `${loop.baseTopic}/settings`, 5000);
      expect((m.json as OwnerSettingsReport).values.fit).to.equal('cover');
    } finally {
      await mqtt.end();
    }
  });

  it('the fit applies live: the next upload is letterboxed, not on a blurred fill', async () => {
    await http('PATCH', `${loop.http}/api/settings`, { fit: 'contain' });
    // A portrait picture on the 320x240 canvas: contain leaves black sides, blur a coloured fill.
    const out = await frameRgb((await uploadConverted(loop.http, await edgesStill(480, 640))).path as string);
    expect(near(out.at(20, 120), BLACK, 16), `left side ${out.at(20, 120).join(',')}`).to.equal(true);
    expect(near(out.at(160, 5), RED), 'the top band is whole').to.equal(true);
    await http('PATCH', `${loop.http}/api/settings`, { fit: 'cover' });
  });

  it('refuses a bad value and an unknown setting, and changes nothing', async () => {
    const before = readFileSync(settingsFile(dataDir), 'utf8');
    for (const body of [
      { fit: 'stretch' },
      { device_name: '' },
      { device_name: '   ' },
      { volume: 3 },
      { timeline: 'on', fit: 'contain' },
    ]) {
      const res = await http('PATCH', `${loop.http}/api/settings`, body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(String(res.json.message ?? res.json.error), JSON.stringify(body)).to.have.length.above(5);
    }
    expect(readFileSync(settingsFile(dataDir), 'utf8')).to.equal(before);
    expect(report(await http('GET', `${loop.http}/api/settings`)).values).to.include({ fit: 'cover', timeline: 'auto' });
  });

  it('lays the stored settings over the YAML at the next start', async () => {
    await loop.stop();
    await start();
    expect(loop.runtime.config.device.name).to.equal('Kitchen');
    expect(loop.runtime.config.plugins).to.include('homeassistant');
    expect(loop.runtime.bridgeInfo().name).to.equal('Kitchen');
    const r = report(await http('GET', `${loop.http}/api/settings`));
    expect(r.settings.device_name).to.include({ source: 'owner', restart_pending: false });
    // null gives a setting back to the YAML.
    const back = report(await http('PATCH', `${loop.http}/api/settings`, { device_name: null }));
    expect(back.values.device_name).to.equal('Loop test');
    expect(back.settings.device_name).to.include({ source: 'default', restart_pending: true });
  });
});

describe('owner settings: pinned by the config file, and a damaged file', function () {
  this.timeout(60_000);

  it('a setting the config file sets is read-only: refused (409), nothing changes', async () => {
    const loop = await startLoopProcess({ config: { player: { timeline: 'off' } } });
    try {
      const r = report(await http('GET', `${loop.http}/api/settings`));
      // The test's YAML file names device.name and plugins, and here the timeline.
      expect(r.settings.timeline).to.include({ source: 'file', pinned: true });
      expect(r.settings.device_name).to.include({ source: 'file', pinned: true });
      expect(r.settings.homeassistant).to.include({ source: 'file', pinned: true });
      expect(r.settings.fit).to.include({ source: 'default', pinned: false });
      const refused = await http('PATCH', `${loop.http}/api/settings`, { fit: 'contain', timeline: 'auto' });
      expect(refused.status).to.equal(409);
      expect(String(refused.json.message)).to.match(/timeline is set by the config file/);
      expect(report(await http('GET', `${loop.http}/api/settings`)).values).to.include({ fit: 'blur', timeline: 'off' });
      const stored = existsSync(settingsFile(loop.dataDir))
        ? (JSON.parse(readFileSync(settingsFile(loop.dataDir), 'utf8')) as { data: unknown }).data
        : {};
      expect(stored).to.deep.equal({});
    } finally {
      await loop.stop();
      removeDir(loop.dataDir);
    }
  });

  it('a damaged settings file is kept aside and said, never silently reset; the YAML applies', async () => {
    const dataDir = tempDir();
    let loop = await startTestLoop({}, { dataDir });
    await http('PATCH', `${loop.http}/api/settings`, { device_name: 'Hall' });
    await loop.stop();
    writeFileSync(settingsFile(dataDir), '{"schema": 1, "data": {"device_name": ');
    // Earlier generations hold a good copy: remove them, so the only copy is the damaged one.
    for (const f of readdirSync(join(dataDir, 'state'))) if (/^settings\.json\.\d/.test(f)) removeDir(join(dataDir, 'state', f));
    loop = await startTestLoop({}, { dataDir });
    try {
      const r = report(await http('GET', `${loop.http}/api/settings`));
      expect(r.problem).to.match(/damaged/);
      expect(r.values.device_name).to.equal('Loop test');
      expect(loop.runtime.config.device.name).to.equal('Loop test');
      const kept = readdirSync(join(dataDir, 'state')).filter((f) => f.startsWith('settings.json.corrupt-'));
      expect(kept).to.have.length(1);
      expect(readFileSync(join(dataDir, 'state', kept[0] as string), 'utf8')).to.contain('"device_name": ');
      // Saving again clears the problem.
      const saved = report(await http('PATCH', `${loop.http}/api/settings`, { device_name: 'Hall' }));
      expect(saved.problem).to.equal(null);
    } finally {
      await loop.stop();
      removeDir(dataDir);
    }
  });
});

describe('owner settings: Home Assistant off takes the device out of Home Assistant at once, on puts it back', function () {
  this.timeout(60_000);

  it('off: the retained discovery is emptied now (the plugin stops at the next start); on again: announced', async () => {
    const loop = await startTestLoop({ plugins: ['system', 'homeassistant'], homeassistant: { announce_delay_ms: 0 } });
    const topic = `homeassistant/device/${loop.runtime.config.device.id as string}/config`;
    const mqtt = await connectMqtt(loop.mqtt as string);
    try {
      await mqtt.subscribe(topic);
      await mqtt.next((m) => m.payload.length > 0, 10_000);
      let since = mqtt.mark();
      const off = report(await http('PATCH', `${loop.http}/api/settings`, { homeassistant: false }));
      expect(off.settings.homeassistant).to.include({ source: 'owner', restart_pending: true });
      await mqtt.next((m) => m.topic === topic && m.payload.length === 0, 5000, since);
      since = mqtt.mark();
      const on = report(await http('PATCH', `${loop.http}/api/settings`, { homeassistant: true }));
      expect(on.settings.homeassistant.restart_pending).to.equal(false);
      await mqtt.next((m) => m.topic === topic && m.payload.length > 0, 5000, since);
    } finally {
      await mqtt.end();
      await loop.stop();
      removeDir(loop.dataDir);
    }
  });
});
