// The screen's brightness and power as a person drives them (REST, MQTT) against a sysfs-like
// backlight in a temp folder (brightness, max_brightness, bl_power), and against real mpv's
// brightness property where there is no backlight. Kept across restarts; bad input changes nothing.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { DisplayState } from '../../core/protocol/index.js';
import { http, removeDir, startTestLoop, tempDir, type TestLoop } from '../helpers/loop.js';
import { connectMqtt, type TestMqtt } from '../helpers/mqtt.js';
import { until } from '../helpers/wait.js';
import { connectWs, ofType } from '../helpers/ws.js';
import { mpvSocket, MpvWatch } from '../helpers/loop.js';

/** A backlight device as the kernel shows it: max_brightness 255, on. */
function fakeBacklight(root: string, name = 'rpi_backlight'): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'max_brightness'), '255\n');
  writeFileSync(join(dir, 'brightness'), '255\n');
  writeFileSync(join(dir, 'bl_power'), '0\n');
  return dir;
}
const readNum = (dir: string, file: string): number => Number(readFileSync(join(dir, file), 'utf8').trim());

describe('display: a sysfs backlight', function () {
  this.timeout(60_000);
  const root = tempDir('loop-bl-');
  const dataDir = tempDir();
  let bl: string;
  let loop: TestLoop;
  let mqtt: TestMqtt;
  const T = (rel: string): string => `${loop.baseTopic}/${rel}`;
  const start = async () => {
    loop = await startTestLoop(
      { plugins: ['system', 'display'], display: { backlight: 'auto', backlight_root: root, brightness: 80 } },
      { dataDir },
    );
    mqtt = await connectMqtt(loop.mqtt as string);
    await mqtt.subscribe(`${loop.baseTopic}/display`);
  };
  const stop = async () => {
    await mqtt.end();
    await loop.stop();
  };
  const lastDisplay = (pred: (d: DisplayState) => boolean = () => true, since = 0) =>
    mqtt.next((m) => m.topic === T('display') && pred(m.json as DisplayState), 10_000, since).then((m) => m.json as DisplayState);

  before(async () => {
    bl = fakeBacklight(root);
    await start();
  });
  after(async () => {
    await stop();
    removeDir(root);
    removeDir(dataDir);
  });

  it('finds the backlight and applies the configured first brightness', async () => {
    const d = await lastDisplay();
    expect(d).to.include({
      brightness: 80,
      power: 'on',
      brightness_via: 'backlight',
      power_via: 'backlight',
      backlight: bl,
      width: 320,
      height: 240,
      fps: 25,
      rotation: 0,
    });
    expect(readNum(bl, 'brightness')).to.equal(204);
  });

  it('POST /api/display/brightness writes the device, publishes `display` and reaches the dashboard room', async () => {
    const ws = await connectWs(loop.ws);
    ws.send({ type: 'subscribe', room: 'dashboard' });
    await ws.next(ofType('subscribe_response'));
    const since = ws.mark();
    const mark = mqtt.mark();
    const res = await http('POST', `${loop.http}/api/display/brightness`, { brightness: 40 });
    expect(res.status).to.equal(200);
    expect(res.json.data).to.deep.equal({ brightness: 40 });
    expect(readNum(bl, 'brightness')).to.equal(102);
    expect((await lastDisplay((d) => d.brightness === 40, mark)).brightness).to.equal(40);
    const ev = await ws.next(
      ofType('display_changed', (m) => (m.data as DisplayState).brightness === 40),
      10_000,
      since,
    );
    expect(ev.type).to.equal('display_changed');
    await ws.close();
    const get = await http('GET', `${loop.http}/api/display/brightness`);
    expect(get.json).to.deep.include({ success: true, data: { brightness: 40 } });
  });

  it('MQTT display/set: {"brightness": 10} and {"power": "off"/"on"} drive brightness and bl_power', async () => {
    let mark = mqtt.mark();
    await mqtt.publish(T('display/set'), { brightness: 10 });
    await lastDisplay((d) => d.brightness === 10, mark);
    expect(readNum(bl, 'brightness')).to.equal(26);
    mark = mqtt.mark();
    await mqtt.publish(T('display/set'), { power: 'off' });
    await lastDisplay((d) => d.power === 'off', mark);
    expect(readNum(bl, 'bl_power')).to.equal(4);
    expect(readNum(bl, 'brightness'), 'brightness kept while off').to.equal(26);
    mark = mqtt.mark();
    await mqtt.publish(T('display/set'), { power: 'toggle' });
    await lastDisplay((d) => d.power === 'on', mark);
    expect(readNum(bl, 'bl_power')).to.equal(0);
  });

  it('bad input is refused with a clear 400 and changes nothing', async () => {
    for (const body of [{ brightness: 101 }, { brightness: -1 }, { brightness: 'max' }, {}]) {
      const res = await http('POST', `${loop.http}/api/display/brightness`, body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(String(res.json.message)).to.match(/brightness/);
    }
    const bad = await http('PUT', `${loop.http}/api/display/schedule`, { off: '25:00' });
    expect(bad.status).to.equal(400);
    expect(readNum(bl, 'brightness')).to.equal(26);
  });

  it('a week: the schedule on some evenings only, and what it holds now until when', async () => {
    const today = new Date().getDay();
    const others = [0, 1, 2, 3, 4, 5, 6].filter((d) => d !== today);
    const res = await http('PUT', `${loop.http}/api/display/schedule`, { enabled: true, off: '23:59', on: '00:00', days: others });
    expect(res.status).to.equal(200);
    expect(res.json.data).to.deep.include({ days: others });
    let d = await lastDisplay((x) => x.schedule.days?.length === 6);
    // Tonight is not named: the next switch is on another day (tomorrow at the earliest, 23:59).
    expect(d.schedule_next).to.include({ power: 'on', clock: '23:59' });
    expect(d.schedule_next?.weekday).to.not.equal(today);
    // null gives back every day; a bad day changes nothing.
    expect((await http('PUT', `${loop.http}/api/display/schedule`, { days: [7] })).status).to.equal(400);
    await http('PUT', `${loop.http}/api/display/schedule`, { enabled: false, days: null });
    d = await lastDisplay((x) => !x.schedule.enabled);
    expect(d.schedule.days).to.equal(undefined);
    expect(d.schedule_next).to.equal(null);
  });

  it('brightness, power and the schedule survive a restart; a schedule in its off window turns the screen off at start', async () => {
    const now = new Date();
    const hhmm = (d: Date) => `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
    const off = hhmm(new Date(now.getTime() - 60_000));
    const on = hhmm(new Date(now.getTime() + 30 * 60_000));
    const res = await http('PUT', `${loop.http}/api/display/schedule`, { enabled: true, off, on });
    expect(res.json.data).to.deep.equal({ enabled: true, off, on });
    await stop();
    writeFileSync(join(bl, 'brightness'), '255\n'); // the kernel's default after a reboot
    await start();
    const d = await lastDisplay();
    expect(d).to.include({ brightness: 10, power: 'off' });
    expect(d.schedule).to.deep.equal({ enabled: true, off, on });
    expect(readNum(bl, 'brightness')).to.equal(26);
    expect(readNum(bl, 'bl_power')).to.equal(4);
  });
});

describe('display: no backlight, so mpv dims the picture (real mpv through the player)', function () {
  this.timeout(60_000);
  const socket = mpvSocket();
  let loop: TestLoop;
  let watch: MpvWatch;

  before(async () => {
    loop = await startTestLoop({
      plugins: ['system', 'player', 'display'],
      player: { vo: 'null', ao: 'null', ipc_socket: socket, hang_timeout_ms: 2000 },
      display: { backlight: null, brightness: 100, rotation: 90 },
    });
    watch = new MpvWatch(socket);
    await watch.attach(10_000);
  });
  after(async () => {
    watch?.ipc.detach();
    await loop?.stop();
    if (loop) removeDir(loop.dataDir);
  });

  const mpvBrightness = async (): Promise<number> => Number(await watch.ipc.getProperty('brightness'));

  it("brightness 30 sets mpv's brightness to -70; power off blacks it out (-100); on restores -70", async () => {
    const state = (await http('GET', `${loop.http}/api/display`)).json.data as DisplayState;
    expect(state).to.include({ brightness_via: 'mpv', power_via: 'mpv', backlight: null });
    const res = await http('POST', `${loop.http}/api/display/brightness`, { brightness: 30 });
    expect(res.status, JSON.stringify(res.json)).to.equal(200);
    expect(await mpvBrightness()).to.equal(-70);
    expect((await http('POST', `${loop.http}/api/display/power`, { power: 'off' })).status).to.equal(200);
    expect(await mpvBrightness()).to.equal(-100);
    expect((await http('POST', `${loop.http}/api/display/power`, { power: 'on' })).status).to.equal(200);
    expect(await mpvBrightness()).to.equal(-70);
  });

  it('an mpv that died and was restarted by the player gets the brightness again', async () => {
    const pid = Number(await watch.ipc.getProperty('pid'));
    process.kill(pid, 'SIGKILL');
    await until(
      async () => {
        try {
          await watch.attach(2000);
          return Number(await watch.ipc.getProperty('pid')) !== pid && (await mpvBrightness()) === -70;
        } catch {
          return false;
        }
      },
      30_000,
      'a new mpv with brightness -70',
      250,
    );
    // The display's rotation reaches the new mpv too.
    expect(Number(await watch.ipc.getProperty('video-rotate'))).to.equal(90);
  });

  it("the display profile's rotation turns mpv's picture (one setting for the whole screen)", async () => {
    await until(async () => Number(await watch.ipc.getProperty('video-rotate')) === 90, 10_000, 'video-rotate 90');
  });
});
