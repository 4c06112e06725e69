// WiFi onboarding as a person lives it, against the nmcli stand-in (test/fixtures/nmcli): a Loop
// that boots knowing no network opens its hotspot; a wrong password says so and the hotspot comes
// back; the right one joins and says where to find Loop next; a lost connection brings the hotspot
// after the configured time and a network that comes back ends it. Every change reaches a WebSocket
// client in the wifi room and the retained MQTT topic; arguments reach nmcli byte for byte.
import { expect } from 'chai';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { WifiNetworks, WifiSaved, WifiState } from '../../core/protocol/index.js';
import type { PlayerState } from '../../core/protocol/index.js';
import { mpvSocket } from '../helpers/loop.js';
import { ap, FakeNm, hex, savedNetwork, type FakeDevice } from '../fixtures/nmcli/state.js';
import { sleep, until } from '../helpers/wait.js';
import { ofType } from '../helpers/ws.js';
import { marks, seen, startWifiLoop, wifiApi as api, type WifiWatch as Watch } from '../helpers/wifi-loop.js';

const HOME_PSK = 'correct horse';

describe('wifi: onboarding from a phone (nmcli stand-in)', function () {
  this.timeout(120_000);
  let w: Watch;
  let nm: FakeNm;

  before(async () => {
    nm = new FakeNm({
      aps: [
        ap('Home', 70, { psk: HOME_PSK, ip4: '192.168.1.42/24' }),
        ap('Home', 35, { psk: HOME_PSK }),
        ap('Cafe', 50, { security: '' }),
        ap('', 60),
      ],
    });
    w = await startWifiLoop(nm);
  });
  after(async () => {
    await w?.stop();
    delete process.env.NMCLI_STATE;
  });

  it("boots knowing no network: the hotspot starts with the first version's settings", async () => {
    const s = await seen(w, (x) => x.mode === 'hotspot', 'the hotspot');
    expect(s.hotspot).to.deep.equal({ active: true, ssid: 'LOOP-Setup' });
    expect(s.hotspot_reason).to.equal('no_network');
    expect(s.ip).to.equal('192.168.100.1');
    expect(s.interface).to.equal('wlan0');
    const add = nm.calls().find((a) => a.includes('add') && a.includes('con-name')) as string[];
    const value = (k: string) => add[add.indexOf(k) + 1];
    expect([
      value('ssid'),
      value('802-11-wireless.mode'),
      value('802-11-wireless.channel'),
      value('ipv4.method'),
      value('ipv4.addresses'),
      value('wifi-sec.key-mgmt'),
    ]).to.deep.equal(['LOOP-Setup', 'ap', '11', 'shared', '192.168.100.1/24', 'wpa-psk']);
    // The password is this device's own (0600 in the data dir), not `loop-setup`, and it reaches
    // NetworkManager through a passwd-file on stdin, never through an argv (ps shows every argv).
    const pwFile = join(w.loop.dataDir, 'auth', 'hotspot-password');
    expect(statSync(pwFile).mode & 0o777).to.equal(0o600);
    const password = readFileSync(pwFile, 'utf8').trim();
    expect(password).to.match(/^[A-HJKMNP-Z2-9]{12}$/);
    expect(nm.read().connections.find((c) => c.mode === 'ap')?.psk, 'the profile holds the per-device key').to.equal(password);
    expect(JSON.stringify(nm.calls())).not.to.include(password);
    expect(nm.calls().find((a) => a.includes('up') && a.includes('loop-hotspot'))).to.include('passwd-file');
    // The list the phone picks from was scanned before the hotspot took the radio.
    const nets = await w.mqtt.next((m) => m.topic === `${w.loop.baseTopic}/wifi/networks`);
    expect((nets.json as WifiNetworks).networks.map((n) => n.ssid)).to.deep.equal(['Home', 'Cafe']);
  });

  it('a phone scanning while the hotspot is up gets the list from before it (NetworkManager then lists only the hotspot)', async () => {
    const res = await api(w, 'GET', '/api/wifi/scan?rescan=true');
    expect(res.status).to.equal(200);
    expect((res.json.data as WifiNetworks).networks.map((n) => n.ssid)).to.deep.equal(['Home', 'Cafe']);
  });

  it('a wrong password answers 400 with the reason, leaves nothing saved, and the hotspot comes back', async () => {
    const mark = w.mqtt.mark();
    const at = marks(w);
    const res = await api(w, 'POST', '/api/wifi/connect', { ssid: 'Home', password: 'not the password' });
    expect(res.status).to.equal(400);
    expect(res.json.message).to.match(/Wrong password for "Home"/);
    expect((res.json.errors as { reason: string }).reason).to.equal('wrong_password');
    const s = await seen(
      w,
      (x) => x.mode === 'hotspot' && x.last_error?.reason === 'wrong_password',
      'the hotspot back with the error',
      at,
    );
    expect(s.last_error?.message).to.match(/Wrong password/);
    const saved = (await api(w, 'GET', '/api/wifi/saved')).json.data as { networks: WifiSaved[] };
    expect(saved.networks, "nmcli's half-made profile was removed").to.deep.equal([]);
    // The password was never published.
    for (const m of w.mqtt.received.slice(mark)) expect(m.payload.toString()).not.to.include('not the password');
    expect(JSON.stringify(nm.calls()), 'nor any argv').not.to.include('not the password');
  });

  it('the right password joins the network, and the state says where to find Loop next', async () => {
    const at = marks(w);
    const res = await api(w, 'POST', '/api/wifi/connect', { ssid: 'Home', password: HOME_PSK });
    expect(res.status, JSON.stringify(res.json)).to.equal(200);
    const data = res.json.data as { connected: boolean; ssid: string; ip: string; url: string; ip_url: string };
    expect(data).to.include({ connected: true, ssid: 'Home', ip: '192.168.1.42' });
    expect(data.url).to.match(/^http:\/\/[^/]+\.local(:\d+)?$/);
    expect(data.ip_url).to.match(/^http:\/\/192\.168\.1\.42(:\d+)?$/);
    const s = await seen(w, (x) => x.mode === 'client' && x.ssid === 'Home', 'joined Home', at);
    expect(s).to.include({ connected: true, ip: '192.168.1.42', signal: 70, configured_ssid: 'Home' });
    expect(s.hotspot.active).to.equal(false);
    expect(s.next).to.deep.equal({ url: data.url, ip_url: data.ip_url, ssid: 'Home' });
    expect(s.last_error).to.equal(null);
    const saved = (await api(w, 'GET', '/api/wifi/saved')).json.data as { networks: WifiSaved[] };
    expect(saved.networks.map((n) => [n.ssid, n.active])).to.deep.equal([['Home', true]]);
    expect(JSON.stringify(saved)).not.to.include(HOME_PSK);
    // The key reached nmcli through a passwd-file only, never an argv; NetworkManager keeps it in the profile.
    expect(JSON.stringify(nm.calls())).not.to.include(HOME_PSK);
    expect(nm.calls().find((a) => a.includes('up') && a.includes('passwd-file'))).to.not.equal(undefined);
    expect(nm.read().connections.find((c) => c.name === 'Home')?.psk).to.equal(HOME_PSK);
  });

  it('scan: one entry per network, strongest first, known ones marked; also on the retained wifi/networks', async () => {
    const mark = w.mqtt.mark();
    const res = await api(w, 'GET', '/api/wifi/scan');
    expect(res.status).to.equal(200);
    const d = res.json.data as WifiNetworks;
    expect(d.networks.map((n) => [n.ssid, n.signal, n.secured, n.known, n.in_use])).to.deep.equal([
      ['Home', 70, true, true, true],
      ['Cafe', 50, false, false, false],
    ]);
    expect(d.hidden_count).to.equal(1);
    const m = await w.mqtt.next((x) => x.topic === `${w.loop.baseTopic}/wifi/networks`, 5000, mark);
    expect((m.json as WifiNetworks).networks).to.have.length(2);
    await w.ws.next(ofType('wifi_networks'));
    expect(nm.read().scans, 'a real rescan was asked for').to.be.greaterThan(0);
  });

  it('a connection lost past fallback_seconds starts the hotspot; the network coming back ends it', async () => {
    const at = marks(w);
    nm.lose('Home');
    await seen(w, (x) => x.mode === 'disconnected', 'the connection lost', at);
    const hs = await seen(w, (x) => x.mode === 'hotspot', 'the fallback hotspot', at);
    expect(hs.hotspot_reason).to.equal('lost');
    const at2 = marks(w);
    nm.change((s) => s.aps.push(ap('Home', 65, { psk: HOME_PSK, ip4: '192.168.1.43/24' })));
    const back = await seen(w, (x) => x.mode === 'client' && x.ssid === 'Home', 'back on Home', at2);
    expect(back.ip).to.equal('192.168.1.43');
    expect(back.hotspot.active).to.equal(false);
  });

  it('forget deletes the saved network; with nothing left the hotspot returns', async () => {
    const at = marks(w);
    const res = await api(w, 'DELETE', '/api/wifi/saved/Home');
    expect(res.status, JSON.stringify(res.json)).to.equal(200);
    expect(res.json.data).to.deep.equal({ forgotten: 'Home' });
    expect(nm.read().connections.filter((c) => c.mode !== 'ap')).to.deep.equal([]);
    await seen(w, (x) => x.mode === 'hotspot' && x.configured_ssid === null, 'the hotspot after forgetting', at);
    const again = await api(w, 'DELETE', '/api/wifi/saved/Home');
    expect(again.status).to.equal(404);
  });

  it('hotspot off and on: POST /api/wifi/hotspot sets or toggles it, answering {hotspot_active}', async () => {
    const at = marks(w);
    const off = await api(w, 'POST', '/api/wifi/hotspot', { active: false });
    expect(off.status, JSON.stringify(off.json)).to.equal(200);
    expect(off.json.data).to.deep.equal({ hotspot_active: false, ssid: 'LOOP-Setup' });
    await seen(w, (x) => x.mode === 'disconnected' && !x.hotspot.active, 'the hotspot off', at);
    // Turned off by hand, it stays off past fallback_seconds (until Loop has a network or restarts).
    const adds = nm.calls().filter((a) => a.includes('con-name')).length;
    await sleep(1500);
    expect(nm.calls().filter((a) => a.includes('con-name')).length, 'no hotspot made again').to.equal(adds);
    const at2 = marks(w);
    // The first version's toggle: no body.
    const res = await fetch(`${w.loop.http}/api/wifi/hotspot`, { method: 'POST' });
    const on = (await res.json()) as { data: { hotspot_active: boolean } };
    expect(res.status).to.equal(200);
    expect(on.data.hotspot_active).to.equal(true);
    const s = await seen(w, (x) => x.mode === 'hotspot', 'the hotspot on again', at2);
    expect(s.hotspot_reason).to.equal('manual');
  });

  it('bad input gets a clear 400 and changes nothing', async () => {
    const before = nm.calls().length;
    const cases: Array<[unknown, RegExp]> = [
      [{ ssid: 'x'.repeat(33), password: '' }, /too long \(33 bytes/],
      [{ ssid: 'Home', password: 'short' }, /8 to 63 characters/],
      [{ ssid: '' }, /invalid request|empty/],
      [{ password: 'whatever1' }, /invalid request/],
    ];
    for (const [body, msg] of cases) {
      const r = await api(w, 'POST', '/api/wifi/connect', body);
      expect(r.status, JSON.stringify(body)).to.equal(400);
      expect(String(r.json.message)).to.match(msg);
    }
    await sleep(100);
    expect(
      nm
        .calls()
        .slice(before)
        .filter((a) => a.includes('connect') || a.includes('up')),
    ).to.deep.equal([]);
  });

  it('the same actions answer over MQTT requests and WebSocket-driven bus requests alike', async () => {
    const mark = w.mqtt.mark();
    await w.mqtt.subscribe(`${w.loop.baseTopic}/bridge/response/wifi/#`);
    await w.mqtt.publish(`${w.loop.baseTopic}/bridge/request/wifi/status`, { transaction: 'st1' });
    const r = await w.mqtt.next((m) => m.topic.endsWith('/bridge/response/wifi/status'), 10_000, mark);
    expect(r.json).to.deep.include({ status: 'ok', transaction: 'st1' });
    expect((r.json as { data: WifiState }).data.mode).to.equal('hotspot');
    w.ws.send({ type: 'request', id: 7, action: 'wifi/saved', data: {} });
    const res = await w.ws.next(
      ofType('response', (m) => m.id === 7),
      20_000,
    );
    expect(res.success, JSON.stringify(res)).to.equal(true);
    expect((res.data as { networks: WifiSaved[] }).networks).to.deep.equal([]);
    w.ws.send({ type: 'request', id: 8, action: 'wifi/connect', data: { ssid: 'Home', password: 'tiny' } });
    const bad = await w.ws.next(
      ofType('response', (m) => m.id === 8),
      20_000,
    );
    expect(bad).to.include({ success: false, code: 'invalid' });
    expect(String(bad.message)).to.match(/8 to 63 characters/);
  });
});

describe('wifi: start-up keeps what works', function () {
  this.timeout(120_000);
  afterEach(() => delete process.env.NMCLI_STATE);

  it('an existing connection is kept: nothing is brought up or down (an SSH session survives)', async () => {
    const nm = new FakeNm({ aps: [ap('Home', 80, { psk: HOME_PSK })] });
    nm.connectedTo(savedNetwork('Home', HOME_PSK));
    const w = await startWifiLoop(nm);
    try {
      const s = await seen(w, (x) => x.mode === 'client', 'connected at start');
      expect(s).to.include({ ssid: 'Home', ip: '192.168.1.42', signal: 80 });
      await sleep(800); // longer than fallback_seconds
      const changes = nm.calls().filter((a) => a.includes('up') || a.includes('down') || a.includes('connect') || a.includes('add'));
      expect(changes).to.deep.equal([]);
    } finally {
      await w.stop();
    }
  });

  it("NetworkManager's own reconnect attempts on a lost network do not hold the fallback hotspot back", async () => {
    // Seen on the device test bed (NetworkManager 1.52): with the access point gone, NetworkManager
    // keeps trying the profile from its stale scan (connecting, disconnected, connecting...) for
    // minutes; each attempt must not restart the fallback_seconds count. Here the attempts go on for
    // 20 s (then NetworkManager would give up): the hotspot must come well before that.
    const nm = new FakeNm({ aps: [ap('Home', 80, { psk: HOME_PSK })] });
    nm.connectedTo(savedNetwork('Home', HOME_PSK));
    const w = await startWifiLoop(nm, { fallback_seconds: 1.5, retry_seconds: 60 });
    let attempts: NodeJS.Timeout | null = null;
    try {
      await seen(w, (x) => x.mode === 'client', 'connected at start');
      await sleep(2500); // the start-up policy has run (and kept the connection)
      const at = marks(w);
      const lostAt = Date.now();
      nm.lose('Home');
      // Each attempt: 1.2 s connecting, then 0.3 s disconnected (NetworkManager's gaps are short).
      const attempt = (connecting: boolean): void => {
        // Loop taking the radio for its hotspot ends NetworkManager's attempts.
        if (Date.now() - lostAt > 20_000 || nm.calls().some((a) => a.includes('con-name'))) return;
        nm.change((s) =>
          Object.assign(s.devices.find((x) => x.type === 'wifi') as FakeDevice, {
            state: connecting ? 'connecting (prepare)' : 'disconnected',
            con: null,
          }),
        );
        attempts = setTimeout(() => attempt(!connecting), connecting ? 1200 : 300);
      };
      attempts = setTimeout(() => attempt(true), 300);
      const hs = await seen(w, (x) => x.mode === 'hotspot', 'the fallback hotspot', at, 40_000);
      expect(hs.hotspot_reason).to.equal('lost');
      expect(Date.now() - lostAt, 'the hotspot came while NetworkManager was still trying').to.be.below(20_000);
    } finally {
      if (attempts) clearTimeout(attempts);
      await w.stop();
    }
  });

  it('a known network in range is joined at start instead of opening the hotspot', async () => {
    const nm = new FakeNm({
      aps: [ap('Office', 60, { psk: 'office-pass' }), ap('Home', 40, { psk: HOME_PSK })],
      connections: [savedNetwork('Home', HOME_PSK), savedNetwork('Attic', 'attic-pass')],
    });
    const w = await startWifiLoop(nm);
    try {
      const s = await seen(w, (x) => x.mode === 'client', 'joined a known network');
      expect(s.ssid).to.equal('Home');
      expect(nm.calls().some((a) => a.includes('con-name'))).to.equal(false);
    } finally {
      await w.stop();
    }
  });

  it('a hotspot found up (Loop restarted while serving it) is kept, until a known network is in sight', async () => {
    const hotspot = { ...savedNetwork('LOOP-Setup', 'kept key 1'), name: 'loop-hotspot', mode: 'ap', autoconnect: false };
    const nm = new FakeNm({ aps: [], connections: [savedNetwork('Home', HOME_PSK)] });
    nm.connectedTo({ ...hotspot, ipv4_method: 'shared', ipv4_addresses: '192.168.100.1/24' }, '192.168.100.1/24');
    const w = await startWifiLoop(nm);
    try {
      const s = await seen(w, (x) => x.mode === 'hotspot' && x.hotspot_reason === 'no_network', 'the hotspot kept as the fallback');
      expect(s.ip).to.equal('192.168.100.1');
      await sleep(800); // past retry_seconds: nothing in sight, so the hotspot stays
      const changes = nm.calls().filter((a) => a.includes('up') || a.includes('down') || a.includes('add') || a.includes('connect'));
      expect(changes, 'the hotspot was neither made again nor taken down').to.deep.equal([]);
      const at = marks(w);
      nm.change((x) => x.aps.push(ap('Home', 60, { psk: HOME_PSK })));
      await seen(w, (x) => x.mode === 'client' && x.ssid === 'Home', 'Home, once in sight', at);
    } finally {
      await w.stop();
    }
  });

  it('SSIDs that look like shell or options reach nmcli as one argument, byte for byte', async () => {
    const evil = 'a"; rm -rf /tmp/x; echo "';
    const dash = '-rf --help';
    const nm = new FakeNm({ aps: [ap(evil, 60, { psk: 'p4ssw0rd!' }), ap(dash, 50, { security: '' })] });
    const w = await startWifiLoop(nm, { auto_hotspot: false });
    try {
      await seen(w, (x) => x.mode === 'disconnected', 'started');
      const scan = (await api(w, 'GET', '/api/wifi/scan')).json.data as WifiNetworks;
      expect(scan.networks.map((n) => n.ssid)).to.have.members([evil, dash]);
      expect(scan.networks.find((n) => n.ssid === evil)?.ssid_hex).to.equal(hex(evil).toUpperCase());
      const r1 = await api(w, 'POST', '/api/wifi/connect', { ssid: evil, password: 'p4ssw0rd!' });
      expect(r1.status, JSON.stringify(r1.json)).to.equal(200);
      const r2 = await api(w, 'POST', '/api/wifi/connect', { ssid: dash });
      expect(r2.status, JSON.stringify(r2.json)).to.equal(200);
      // The secured one: a profile named and matched by the SSID as one argument, its key only in a passwd-file.
      const added = nm.calls().find((a) => a.includes('add'));
      expect(added && added[added.indexOf('ssid') + 1]).to.equal(evil);
      expect(added && added[added.indexOf('con-name') + 1]).to.equal(evil);
      expect(JSON.stringify(nm.calls())).not.to.include('p4ssw0rd!');
      const connects = nm.calls().filter((a) => a.includes('connect'));
      expect(connects.map((a) => a[a.indexOf('connect') + 1])).to.deep.equal([dash]);
      expect((await w.loop.runtime.bus.request('wifi', 'status')).ssid).to.equal(dash);
    } finally {
      await w.stop();
    }
  });
});

describe('wifi: the hotspot password', function () {
  this.timeout(60_000);
  afterEach(() => delete process.env.NMCLI_STATE);

  it('a configured wifi.hotspot.password wins over the per-device one, still outside every argv', async () => {
    const nm = new FakeNm({ aps: [] });
    const configured = 'our own key, 2026';
    const w = await startWifiLoop(nm, { hotspot: { password: configured } });
    try {
      await seen(w, (x) => x.mode === 'hotspot', 'the hotspot');
      expect(nm.read().connections.find((c) => c.mode === 'ap')?.psk).to.equal(configured);
      expect(JSON.stringify(nm.calls())).not.to.include(configured);
      // Kept where the idle card reads it, so the screen shows the password in use.
      expect(readFileSync(join(w.loop.dataDir, 'auth', 'hotspot-password'), 'utf8').trim()).to.equal(configured);
    } finally {
      await w.stop();
    }
  });
});

describe('wifi: the monitor', function () {
  this.timeout(120_000);
  afterEach(() => delete process.env.NMCLI_STATE);

  it('a monitor that dies is started again, and changes keep arriving without polling', async () => {
    const nm = new FakeNm({ aps: [ap('Home', 80, { psk: HOME_PSK })] });
    nm.connectedTo(savedNetwork('Home', HOME_PSK));
    const w = await startWifiLoop(nm, { refresh_seconds: 3600, fallback_seconds: 3600 });
    try {
      await seen(w, (x) => x.mode === 'client', 'connected at start');
      await until(() => nm.monitorPid() !== null, 20_000, 'nmcli monitor to run');
      const first = nm.monitorPid() as number;
      process.kill(first, 'SIGKILL');
      await until(() => nm.monitorPid() !== first, 30_000, 'a new nmcli monitor (watching)');
      const at = marks(w);
      nm.lose('Home');
      const s = await seen(w, (x) => x.mode === 'disconnected', 'the loss, reported by the new monitor', at);
      expect(s.ssid).to.equal(null);
      const monitors = nm.calls().filter((a) => a[0] === 'monitor').length;
      expect(monitors).to.equal(2);
    } finally {
      await w.stop();
    }
  });
});

describe('wifi: without NetworkManager', function () {
  this.timeout(120_000);
  afterEach(() => delete process.env.NMCLI_STATE);

  it('no nmcli: `unavailable` with the reason, actions answer 503, the rest of Loop runs', async () => {
    const nm = new FakeNm();
    const w = await startWifiLoop(nm, { nmcli_path: '/nonexistent/nmcli' });
    try {
      const s = await seen(w, (x) => x.mode === 'unavailable', 'unavailable');
      expect(s.reason).to.match(/nmcli not found/);
      const r = await api(w, 'GET', '/api/wifi/scan');
      expect(r.status).to.equal(503);
      await sleep(300);
      expect(w.mqtt.received.filter((m) => m.topic.endsWith('/wifi')).length, 'published once, not in a loop').to.be.at.most(2);
      expect(String(r.json.message)).to.match(/unavailable/i);
      expect((await api(w, 'GET', '/api/system')).status).to.equal(200);
    } finally {
      await w.stop();
    }
  });

  it('NetworkManager stopped: `unavailable`; when it starts, the state follows (monitor) and onboarding runs', async () => {
    const nm = new FakeNm({ nm_running: false });
    const w = await startWifiLoop(nm);
    try {
      const s = await seen(w, (x) => x.mode === 'unavailable', 'unavailable');
      expect(s.reason).to.equal('NetworkManager is not running');
      expect((await api(w, 'POST', '/api/wifi/hotspot', { active: true })).status).to.equal(503);
      const at = marks(w);
      nm.change((x) => (x.nm_running = true));
      await seen(w, (x) => x.mode === 'hotspot', 'onboarding once NetworkManager runs', at);
    } finally {
      await w.stop();
    }
  });
});

describe('wifi: the screen tells a person what to do', function () {
  this.timeout(120_000);
  afterEach(() => delete process.env.NMCLI_STATE);

  it('with the hotspot up, the idle card names the hotspot to join and the address to open', async () => {
    const nm = new FakeNm({ aps: [ap('Home', 70, { psk: HOME_PSK })] });
    const w = await startWifiLoop(nm, {}, ['system', 'player', 'loop', 'wifi'], {
      player: { vo: 'null', ao: 'null', ipc_socket: mpvSocket(), hang_timeout_ms: 2000 },
      // On every interface, as on a device: the card names only addresses Loop answers on.
      http: { host: '0.0.0.0' },
    });
    try {
      await w.mqtt.subscribe(`${w.loop.baseTopic}/player`);
      await seen(w, (x) => x.mode === 'hotspot', 'the hotspot');
      const p = await w.mqtt.next(
        (m) => m.topic === `${w.loop.baseTopic}/player` && /LOOP-Setup/.test(String((m.json as PlayerState).screen)),
        20_000,
      );
      expect((p.json as PlayerState).screen).to.match(/Join the WiFi network\s+"LOOP-Setup"[\s\S]*http:\/\/192\.168\.100\.1:\d+/);
    } finally {
      await w.stop();
    }
  });
});
