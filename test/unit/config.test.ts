// Config: defaults + user file + LOOP_* variables, checked against one schema with messages
// that name the key, the value and what was expected.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, envOverrides, loadConfig } from '../../core/config/load.js';
import { configSchema } from '../../core/config/schema.js';
import { packageRoot } from '../../core/paths.js';
import { tempDir } from '../helpers/loop.js';

const cli = (...args: string[]) => {
  try {
    return { code: 0, out: execFileSync(process.execPath, [join(packageRoot, 'bin', 'loop.js'), ...args], { encoding: 'utf8' }) };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, out: e.stdout + e.stderr };
  }
};

describe('config', () => {
  it('the defaults validate, and environment variables override keys by section', () => {
    const { config } = loadConfig({
      env: {
        LOOP_HTTP_PORT: '8081',
        LOOP_HTTP_HOST: '127.0.0.1',
        LOOP_MQTT_PORT: '1884',
        LOOP_DATA_DIR: '/tmp/x',
        LOOP_MQTT_BASE_TOPIC: 'signage',
      },
    });
    expect(config.http.port).to.equal(8081);
    expect(config.http.host).to.equal('127.0.0.1');
    expect(config.mqtt.port).to.equal(1884);
    expect(config.mqtt.base_topic).to.equal('signage');
    expect(config.data.dir).to.equal('/tmp/x');
  });

  it('parses variable values as YAML scalars and lists', () => {
    const o = envOverrides({ LOOP_PLUGINS: '[system, media]', LOOP_MQTT_LISTEN: 'false', LOOP_MQTT_URL: 'mqtt://h:1883' }, [
      'plugins',
      'mqtt',
    ]);
    expect(o).to.deep.equal({ plugins: ['system', 'media'], mqtt: { listen: false, url: 'mqtt://h:1883' } });
  });

  it('reports every problem with key path, value and expectation; unknown keys too', () => {
    const dir = tempDir();
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'http:\n  port: 99999\n  colour: blue\nmqtt:\n  allow_anonymous: maybe\nsystem:\n  interval_seconds: "often"\nfrobnicate: 1\n',
    );
    let err: ConfigError | null = null;
    try {
      loadConfig({ file, env: {} });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).to.be.instanceOf(ConfigError);
    const lines = err?.problems.map((p) => `${p.path}: ${p.message}`) ?? [];
    expect(lines).to.include('http.port: is 99999; must be <= 65535');
    expect(lines.some((l) => l.startsWith('http.colour: unknown key'))).to.equal(true);
    expect(lines.some((l) => /^mqtt\.allow_anonymous: is "maybe"; must be one of/.test(l))).to.equal(true);
    expect(lines.some((l) => /^system\.interval_seconds: is "often"/.test(l))).to.equal(true);
    expect(lines.some((l) => l.startsWith('frobnicate: unknown key'))).to.equal(true);
  });

  it('`loop config check` prints each problem and exits 1; a good file prints OK', () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'gateway:\n  max_connections: 0\n');
    const r = cli('config', 'check', bad);
    expect(r.code).to.equal(1);
    expect(r.out).to.match(/gateway\.max_connections: is 0/);
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'http:\n  port: 8081\n');
    expect(cli('config', 'check', good)).to.deep.equal({ code: 0, out: `${good}: OK\n` });
    const notYaml = join(dir, 'broken.yaml');
    writeFileSync(notYaml, 'http: [\n');
    expect(cli('config', 'check', notYaml).out).to.match(/not valid YAML/);
  });

  it('the CLI answers --version and --help; config/schema.json is the schema the code checks', () => {
    const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
    expect(cli('--version').out.trim()).to.equal(pkg.version);
    expect(cli('--help').out).to.match(/config check FILE/);
    const onDisk = JSON.parse(readFileSync(join(packageRoot, 'config', 'schema.json'), 'utf8')) as unknown;
    expect(onDisk, 'regenerate with: node bin/loop.js config schema > config/schema.json').to.deep.equal(
      JSON.parse(JSON.stringify(configSchema)),
    );
  });

  it('every example config validates', () => {
    const dir = join(packageRoot, 'examples', 'fleet');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
      expect(cli('config', 'check', join(dir, f)).code, f).to.equal(0);
    }
  });

  it('`loop passwd` makes a hash that the broker accepts (see mqtt-api tests)', () => {
    const r = cli('passwd', 'secret');
    expect(r.out.trim()).to.match(/^scrypt\$16384\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  });
});
