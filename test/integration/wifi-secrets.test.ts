// A WiFi key never shows in any process's argv (issue 26): anyone on the device can read every
// argv in /proc, and a neighbour with a shell account or a crash report would see it there. While a
// connect runs (the stand-in holds `connection up` for a while, as a real association does), the test
// reads every /proc/*/cmdline it can and looks for the key.
import { expect } from 'chai';
import { readdir, readFile } from 'node:fs/promises';
import { ap, FakeNm } from '../fixtures/nmcli/state.js';
import { seen, startWifiLoop, wifiApi } from '../helpers/wifi-loop.js';

const KEY = 'a key nobody may see 7';

/** Every argv on the machine that mentions `word`, joined with spaces. */
async function argvsWith(word: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const argv = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''); // the process ended meanwhile
    if (argv.includes(word)) found.push(argv.split('\0').join(' '));
  }
  return found;
}

describe('wifi: the key never reaches an argv', function () {
  this.timeout(90_000);
  afterEach(() => delete process.env.NMCLI_STATE);

  it('while a connect runs, no /proc/*/cmdline holds the key; the profile holds it afterwards', async () => {
    const nm = new FakeNm({ aps: [ap('Home', 70, { psk: KEY, ip4: '192.168.1.42/24' })], connect_delay_ms: 1500 });
    const w = await startWifiLoop(nm, { auto_hotspot: false });
    try {
      await seen(w, (x) => x.mode === 'disconnected', 'started');
      const connecting = wifiApi(w, 'POST', '/api/wifi/connect', { ssid: 'Home', password: KEY });
      const withKey: string[] = [];
      const nmcliSeen: string[] = [];
      let answered = false;
      void connecting.finally(() => (answered = true));
      // Looks at /proc for as long as the connect runs: the point is to catch nmcli while it lives.
      while (!answered) {
        withKey.push(...(await argvsWith(KEY)));
        nmcliSeen.push(...(await argvsWith('passwd-file')));
      }
      const res = await connecting;
      expect(res.status, JSON.stringify(res.json)).to.equal(200);
      expect(nmcliSeen.length, 'the scan saw nmcli bringing the profile up').to.be.greaterThan(0);
      expect(withKey, 'argvs holding the key').to.deep.equal([]);
      expect(JSON.stringify(nm.calls()), 'nor any argv nmcli was given').not.to.include(KEY);
      expect(nm.read().connections.find((c) => c.name === 'Home')?.psk, 'NetworkManager keeps the key').to.equal(KEY);
    } finally {
      await w.stop();
    }
  });
});
