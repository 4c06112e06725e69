// Why WiFi control is unavailable, in plain words, from the wifi plugin's technical reason
// (`wifi.reason`: "nmcli not found (nmcli)", "NetworkManager is not running", ...). A table, first
// match wins; the technical reason stays available behind "Details".

const UNAVAILABLE: Array<[pattern: RegExp, words: string]> = [
  [
    /nmcli not found|nmcli cannot be run/i,
    'This device has no NetworkManager (its nmcli program is missing), so Loop cannot scan, join a network or start a hotspot from here. The network the device is on keeps working; set WiFi up in the operating system instead.',
  ],
  [
    /NetworkManager is not running/i,
    'NetworkManager is not running on this device, so Loop cannot scan, join a network or start a hotspot. Once it runs again (sudo systemctl start NetworkManager), this page updates by itself.',
  ],
  [
    /no WiFi device|No Wi-Fi device/i,
    'This device has no WiFi adapter that NetworkManager can use, so there is nothing to scan or join. A cable or a USB WiFi adapter would do.',
  ],
];

/** A sentence for a person saying why WiFi control is unavailable, and what they can do. */
export function wifiUnavailableWords(reason: string | null | undefined): string {
  const hit = UNAVAILABLE.find(([re]) => reason && re.test(reason));
  return hit?.[1] ?? 'WiFi control is unavailable on this device right now, so Loop cannot scan, join a network or start a hotspot.';
}
