// bridge/info's config_url uses a name that resolves: <hostname>.local only where an mDNS responder
// (Avahi) runs, else an address; and only when HTTP listens on every interface, else the address
// it listens on.
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { firstIpv4, pageUrl, reachableHost } from '../../core/util/reachable.js';
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

  it('the page URL is the address HTTP listens on, the LAN name only when it listens on every interface', () => {
    const none = ['/nonexistent/avahi.pid'];
    expect(pageUrl('127.0.0.1', 8080, none)).to.equal('http://127.0.0.1:8080');
    expect(pageUrl('::1', 80, none)).to.equal('http://[::1]');
    expect(pageUrl('192.168.1.20', 8080, none)).to.equal('http://192.168.1.20:8080');
    expect(pageUrl('0.0.0.0', 8080, none)).to.equal(`http://${firstIpv4() ?? hostname()}:8080`);
    expect(pageUrl('::', 80, none)).to.equal(`http://${firstIpv4() ?? hostname()}`);
  });
});
