// Config: defaults + user file + LOOP_* variables, checked against one schema with messages
// that name the key, the value and what was expected.
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, envOverrides } from '../../core/config/load.js';
import { loadLoopConfig as loadConfig } from '../../app/config.js';
import { tempDir } from '../helpers/loop.js';

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
});
