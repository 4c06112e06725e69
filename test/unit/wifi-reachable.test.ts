// bridge/info's config_url uses a name that resolves: <hostname>.local only where an mDNS responder
// (Avahi) runs, else an address.
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { firstIpv4, reachableHost } from '../../core/util/reachable.js';
import { removeDir, tempDir } from '../helpers/loop.js';

describe('wifi: the name Loop is found under', () => {
  it('is <hostname>.local while avahi-daemon runs', () => {
    const dir = tempDir('loop-avahi-');
    try {
      writeFileSync(join(dir, 'pid'), '123\n');
      expect(reachableHost([join(dir, 'pid')])).to.equal(`${hostname()}.local`);
    } finally {
      removeDir(dir);
    }
  });

  it('is the LAN address (or the bare hostname) without mDNS', () => {
    expect(reachableHost(['/nonexistent/avahi.pid'])).to.equal(firstIpv4() ?? hostname());
    expect(reachableHost(['/nonexistent/avahi.pid'])).not.to.match(/\.local$/);
  });
});
