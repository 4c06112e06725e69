// Home Assistant's WiFi entities driven by a real change of network, on the nmcli stand-in: the
// "WiFi connected" binary sensor and the "WiFi signal" sensor, rendered with real Jinja2 from the
// discovery payload against the `wifi` payloads Loop really publishes, as HA would show them.
import { expect } from 'chai';
import { ap, FakeNm, NMCLI, savedNetwork } from '../fixtures/nmcli/state.js';
import { jinjaAvailable, render } from '../helpers/jinja.js';
import { removeDir, startTestLoop, type TestLoop } from '../helpers/loop.js';
import { connectMqtt, type Received, type TestMqtt } from '../helpers/mqtt.js';
import { skipBecause } from '../helpers/skip.js';
import { until } from '../helpers/wait.js';

type Json = Record<string, unknown>;

describe('Home Assistant: the WiFi entities follow the network', function () {
  this.timeout(60_000);
  let loop: TestLoop;
  let mqtt: TestMqtt;
  let nm: FakeNm;
  let cmps: Record<string, Json>;

  /** What HA shows for an entity: its value template applied to its state topic's latest payload. */
  const shown = async (id: string): Promise<string> => {
    const c = cmps[id] as Json;
    const m = [...mqtt.received].reverse().find((r: Received) => r.topic === c.state_topic);
    if (!m) return '(nothing yet)';
    return render(c.value_template as string, m.payload.toString());
  };
  const waitShown = async (id: string, want: string): Promise<void> => {
    let last = '';
    await until(async () => (last = await shown(id)) === want, 20_000, `${id} to show ${want}`, 150).catch((err: Error) => {
      throw new Error(`${err.message} (it shows ${last})`);
    });
  };

  before(async function () {
    if (!(await jinjaAvailable())) skipBecause(this, 'no Jinja2 for /usr/bin/python3 (apt-get install python3-jinja2)');
    nm = new FakeNm({ aps: [ap('Home', 64, { psk: 'correct horse' })] });
    nm.connectedTo(savedNetwork('Home', 'correct horse'));
    process.env.NMCLI_STATE = nm.file;
    loop = await startTestLoop({
      plugins: ['system', 'wifi', 'homeassistant'],
      // A long fallback: this test is about the entities, not the hotspot.
      wifi: { nmcli_path: NMCLI, fallback_seconds: 600, retry_seconds: 600, scan_cache_seconds: 0 },
      homeassistant: { announce_delay_ms: 100 },
    });
    mqtt = await connectMqtt(loop.mqtt as string);
    await mqtt.subscribe('homeassistant/#');
    await mqtt.subscribe(`${loop.baseTopic}/#`);
    const topic = `homeassistant/device/${loop.runtime.config.device.id as string}/config`;
    const discovery = await mqtt.next((m) => m.topic === topic, 10_000);
    cmps = (discovery.json as { cmps: Record<string, Json> }).cmps;
  });

  after(async () => {
    delete process.env.NMCLI_STATE;
    await mqtt?.end();
    await loop?.stop();
    if (loop) removeDir(loop.dataDir);
  });

  it('are announced with the wifi plugin, on its state topic', () => {
    expect(cmps.wifi_connected).to.include({ p: 'binary_sensor', device_class: 'connectivity', state_topic: `${loop.baseTopic}/wifi` });
    expect(cmps.wifi_signal).to.include({ p: 'sensor', unit_of_measurement: '%', state_topic: `${loop.baseTopic}/wifi` });
  });

  it('connected at home: ON, and the signal of the access point', async () => {
    await waitShown('wifi_connected', 'ON');
    await waitShown('wifi_signal', '64');
  });

  it('the network goes away: OFF, and the signal unknown to HA', async () => {
    nm.lose('Home');
    await waitShown('wifi_connected', 'OFF');
    const signal = await shown('wifi_signal');
    // A rendered "None" is what HA's MQTT entities take as "unknown" (not a 0 % dip in the graph).
    expect(signal, 'no signal once disconnected').to.equal('None');
  });
});
