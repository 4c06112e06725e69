// The setup hotspot's WPA2 password: this device's own random one (12 characters, 0600 in
// <data dir>/auth/hotspot-password), unless the config sets one, which wins and is kept in the same
// file so that the idle card shows the password in use. It reaches nmcli only through a passwd-file
// (an argv is readable by every user with ps).
import { randomBytes } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DeviceSecret, HOTSPOT_PASSWORD } from '../../core/auth/device-secret.js';
import { authDir } from '../../core/auth/files.js';

export async function hotspotPassword(dataDir: string, configured: string | null): Promise<string> {
  const secret = new DeviceSecret(dataDir, HOTSPOT_PASSWORD);
  if (configured === null) return secret.ensure();
  if ((await secret.read()) !== configured) await secret.write(configured);
  return configured;
}

/**
 * Runs `use` with the path of a passwd-file for a WPA-PSK activation (`setting.property:secret`, as
 * `nmcli connection up ... passwd-file FILE` reads it): 0600, created exclusively inside the 0700
 * auth folder, removed afterwards. Not /dev/stdin: Node gives a child a socket there, which nmcli
 * cannot open (ENXIO).
 */
export async function withPasswdFile<T>(dataDir: string, password: string, use: (path: string) => Promise<T>): Promise<T> {
  const path = join(authDir(dataDir), `.nmcli-passwd-${randomBytes(6).toString('hex')}`);
  const fh = await open(path, 'wx', 0o600);
  try {
    await fh.writeFile(`802-11-wireless-security.psk:${password}\n`);
  } finally {
    await fh.close();
  }
  try {
    return await use(path);
  } finally {
    // Gone already is fine; one left behind is 0600 in the 0700 auth folder, and the key is kept beside it anyway.
    await unlink(path).catch(() => undefined);
  }
}
