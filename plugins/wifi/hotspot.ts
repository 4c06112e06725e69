// The setup hotspot in NetworkManager: its profile made anew each time (so a changed config always
// applies), brought up with the key on nmcli's stdin, and taken down.
import { ActionError } from '../../core/protocol/index.js';
import type { WifiConfig } from './config.js';
import { hotspotPassword, withPasswdFile } from './hotspot-password.js';
import type { NetworkMonitor } from './monitor.js';
import { errorText } from './nmcli.js';

/** `nmcli connection add` arguments of the hotspot profile: WPA2 (CCMP only), NetworkManager's shared IPv4. */
function profileArgs(iface: string, hotspot: WifiConfig['hotspot']): string[] {
  const settings: Array<[string, string]> = [
    ['ifname', iface],
    ['con-name', hotspot.connection_name],
    ['autoconnect', 'no'],
    ['ssid', hotspot.ssid],
    ['802-11-wireless.mode', 'ap'],
    ['802-11-wireless.band', 'bg'],
    ['802-11-wireless.channel', String(hotspot.channel)],
    ['ipv4.method', 'shared'],
    ['ipv4.addresses', hotspot.address],
    ['ipv6.method', 'disabled'],
    ['wifi-sec.key-mgmt', 'wpa-psk'],
    ['wifi-sec.proto', 'rsn'],
    ['wifi-sec.pairwise', 'ccmp'],
    ['wifi-sec.group', 'ccmp'],
  ];
  return ['connection', 'add', 'type', 'wifi', ...settings.flat()];
}

/** Makes the hotspot profile and brings it up on `iface`. */
export async function bringUpHotspot(nm: NetworkMonitor, hotspot: WifiConfig['hotspot'], dataDir: string, iface: string): Promise<void> {
  // No profile yet is the usual case: the delete's failure says only that.
  await nm.run(['connection', 'delete', 'id', hotspot.connection_name]);
  const add = await nm.run(profileArgs(iface, hotspot));
  if (add.code !== 0) throw new ActionError('internal', `could not create the hotspot: ${errorText(add)}`);
  // The key goes to NetworkManager at activation on nmcli's stdin: an argv is readable by every user (ps).
  const password = await hotspotPassword(dataDir, hotspot.password);
  const up = await withPasswdFile(dataDir, password, (file) =>
    nm.run(['-w', '30', 'connection', 'up', 'id', hotspot.connection_name, 'ifname', iface, 'passwd-file', file], 35_000),
  );
  if (up.code !== 0) throw new ActionError('internal', `could not start the hotspot: ${errorText(up)}`);
}

/** Takes the hotspot down; one that is not up (exit 10) is no failure. */
export async function takeDownHotspot(nm: NetworkMonitor, hotspot: WifiConfig['hotspot']): Promise<void> {
  const down = await nm.run(['connection', 'down', 'id', hotspot.connection_name]);
  if (down.code !== 0 && down.code !== 10) throw new ActionError('internal', `could not stop the hotspot: ${errorText(down)}`);
}
