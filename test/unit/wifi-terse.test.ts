// nmcli's terse output, read right: escaped ':' and '\', spaces, quotes, emoji, bytes that are not
// UTF-8, hidden networks; the de-duplicated list people pick from; connect requests checked as the
// first version did; nmcli's failures told in words people understand.
import { expect } from 'chai';
import { checkConnect } from '../../plugins/wifi/validate.js';
import { classify, redact } from '../../plugins/wifi/nmcli.js';
import { monitorLine, networksOf, parseDevices, parseFields, parseScan, splitTerse, ssidText, ipv4Of } from '../../plugins/wifi/terse.js';

const hex = (s: string | Buffer): string => Buffer.from(s).toString('hex').toUpperCase();

describe('wifi: nmcli terse output', () => {
  const split: Array<[string, string[]]> = [
    ['a:b:c', ['a', 'b', 'c']],
    ['a\\:b:c', ['a:b', 'c']],
    ['back\\\\slash:x', ['back\\slash', 'x']],
    ['ends with\\\\:', ['ends with\\', '']],
    ['::', ['', '', '']],
    ['my "quoted" net:1', ['my "quoted" net', '1']],
    ['café ☕ 🎉:2', ['café ☕ 🎉', '2']],
    ['AA\\:BB\\:CC\\:DD\\:EE\\:FF:70', ['AA:BB:CC:DD:EE:FF', '70']],
    ['trailing\\', ['trailing\\']],
  ];
  for (const [line, want] of split) {
    it(`splits ${JSON.stringify(line)}`, () => expect(splitTerse(line)).to.deep.equal(want));
  }

  it('takes names from SSID-HEX, so the bytes survive whatever the SSID column shows', () => {
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9]); // "café" in ISO-8859-1: not UTF-8
    const rows = [
      ` :a\\:b\\\\c:${hex('a:b\\c')}:AA\\:BB\\:CC\\:DD\\:EE\\:01:70:WPA2:6`,
      `*:Home Net:${hex('Home Net')}:AA\\:BB\\:CC\\:DD\\:EE\\:02:55:WPA1 WPA2:11`,
      ` :caf?:${hex(latin1)}:AA\\:BB\\:CC\\:DD\\:EE\\:03:40::1`,
      ` :🎉 "party":${hex('🎉 "party"')}:AA\\:BB\\:CC\\:DD\\:EE\\:04:30:WPA3:36`,
      ` :::AA\\:BB\\:CC\\:DD\\:EE\\:05:20:WPA2:1`,
      ` :-rf:${hex('-rf')}:AA\\:BB\\:CC\\:DD\\:EE\\:06:10:WPA2:1`,
    ].join('\n');
    const aps = parseScan(rows);
    expect(aps.map((a) => a.ssid)).to.deep.equal(['a:b\\c', 'Home Net', 'café', '🎉 "party"', '', '-rf']);
    expect(aps[2]?.ssidHex).to.equal('636166E9');
    expect(aps[1]?.inUse).to.equal(true);
    expect(aps[0]?.bssid).to.equal('AA:BB:CC:DD:EE:01');
    expect(aps[2]?.security).to.equal('');
    expect(aps[4]?.hidden).to.equal(true);
    expect(aps.map((a) => a.channel)).to.deep.equal([6, 11, 1, 36, 1, 1]);
  });

  it('an SSID of bytes that are not UTF-8 reads as ISO-8859-1, as NetworkManager shows it', () => {
    expect(ssidText(Buffer.from([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72]))).to.equal('Müller');
    expect(ssidText(Buffer.from('Müller'))).to.equal('Müller');
  });

  it('lists one entry per SSID (the strongest), strongest first, hidden ones counted apart', () => {
    const row = (name: string, signal: number, inUse = ' ', sec = 'WPA2') =>
      `${inUse}:${name}:${hex(name)}:AA\\:00\\:00\\:00\\:00\\:${signal}:${signal}:${sec}:6`;
    const aps = parseScan([row('Home', 40, '*'), row('Home', 80), row('Cafe', 60, ' ', ''), row('', 90), row('Home', 20)].join('\n'));
    const { networks, hidden } = networksOf(aps, new Set(['Home']));
    expect(hidden).to.equal(1);
    expect(networks.map((n) => [n.ssid, n.signal, n.in_use, n.known, n.secured])).to.deep.equal([
      ['Home', 80, true, true, true],
      ['Cafe', 60, false, false, false],
    ]);
  });

  it('reads device status, device show and monitor lines', () => {
    expect(parseDevices('wlan0:wifi:connected:My\\:Net\nlo:loopback:unmanaged:\n')).to.deep.equal([
      { iface: 'wlan0', type: 'wifi', state: 'connected', connection: 'My:Net' },
      { iface: 'lo', type: 'loopback', state: 'unmanaged', connection: '' },
    ]);
    const f = parseFields('GENERAL.STATE:100 (connected)\nGENERAL.CONNECTION:a\\:b\nIP4.ADDRESS[1]:192.168.1.20/24\n');
    expect(f.get('GENERAL.CONNECTION')).to.equal('a:b');
    expect(ipv4Of(f)).to.equal('192.168.1.20');
    expect(ipv4Of(parseFields('GENERAL.STATE:30 (disconnected)\nGENERAL.CONNECTION:\n'))).to.equal(null);
    expect(monitorLine('wlan0: connecting (need authentication)')).to.deep.equal({
      iface: 'wlan0',
      state: 'connecting (need authentication)',
    });
    expect(monitorLine("'Home' is now the primary connection")).to.equal(null);
  });
});

describe('wifi: connect requests and failures', () => {
  const bad: Array<[string, string | undefined, RegExp]> = [
    ['', undefined, /empty/],
    ['x'.repeat(33), undefined, /too long \(33 bytes/],
    ['é'.repeat(17), undefined, /too long \(34 bytes/],
    ['Home', 'short', /8 to 63 characters \(this one has 5\)/],
    ['Home', 'x'.repeat(64), /8 to 63/],
  ];
  for (const [ssid, pw, msg] of bad) {
    it(`refuses ${JSON.stringify(ssid).slice(0, 20)} / ${String(pw?.length ?? 'no')} password`, () =>
      expect(checkConnect(ssid, pw)).to.match(msg));
  }
  it('accepts 32 bytes, an empty password and 8..63 characters', () => {
    expect(checkConnect('x'.repeat(32), '')).to.equal(null);
    expect(checkConnect('🎉'.repeat(8), 'x'.repeat(8))).to.equal(null);
    expect(checkConnect('Home', 'x'.repeat(63))).to.equal(null);
  });

  const r = (code: number, stderr: string) => ({ code, stdout: '', stderr });
  const cases: Array<[number, string, string]> = [
    [4, 'Error: Connection activation failed: (7) Secrets were required, but not provided.', 'wrong_password'],
    [10, "Error: No network with SSID 'Home' found.", 'not_found'],
    [
      4,
      "Error: Connection activation failed: The Wi-Fi network could not be found\nHint: use 'journalctl -xe NM_CONNECTION=x + NM_DEVICE=wlan0' to get more details.",
      'not_found',
    ],
    [3, 'Error: Timeout expired (45 seconds)', 'timeout'],
    [
      1,
      "Error: Failed to add/activate new connection: Connection 'Home' is not available on device wlan0 because device is not available",
      'busy',
    ],
    [1, 'Error: something new', 'failed'],
  ];
  for (const [code, text, reason] of cases) {
    it(`classifies "${text.slice(7, 50)}…" as ${reason}`, () => {
      const c = classify(r(code, text), 'Home');
      expect(c.reason).to.equal(reason);
      expect(c.message).to.match(reason === 'busy' ? /adapter is busy/ : /"Home"/);
    });
  }

  it('keeps passwords out of logged arguments', () => {
    expect(redact(['device', 'wifi', 'connect', 'Home', 'password', 'hunter22', 'ifname', 'wlan0'])).to.deep.equal([
      'device',
      'wifi',
      'connect',
      'Home',
      'password',
      '***',
      'ifname',
      'wlan0',
    ]);
    expect(redact(['wifi-sec.psk', 'k3y-k3y-k3y'])).to.deep.equal(['wifi-sec.psk', '***']);
  });
});
