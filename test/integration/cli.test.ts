// The `loop` command as a person types it (a real process each time): `config check` with its
// messages and exit codes, --version and --help, the examples, `passwd`.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchemaFor } from '../../core/config/schema.js';
import { builtinPlugins } from '../../app/builtin.js';
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

describe('the loop command line', () => {
  it('`loop config check` prints each problem and exits 78 (EX_CONFIG, as a start with the same file does); a good file prints OK', () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'gateway:\n  max_connections: 0\n');
    const r = cli('config', 'check', bad);
    expect(r.code).to.equal(78);
    expect(r.out).to.match(/gateway\.max_connections: is 0/);
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'http:\n  port: 8081\n');
    expect(cli('config', 'check', good)).to.deep.equal({ code: 0, out: `${good}: OK\n` });
    const notYaml = join(dir, 'broken.yaml');
    writeFileSync(notYaml, 'http: [\n');
    expect(cli('config', 'check', notYaml).out).to.match(/not valid YAML/);
  });

  it('`loop config check` refuses a plugin that is neither built in, nor a path that exists, nor installed', () => {
    const dir = tempDir();
    const typo = join(dir, 'typo.yaml');
    writeFileSync(typo, 'plugins: [system, playr, ./no-such-plugin, mqtt]\n');
    const r = cli('config', 'check', typo);
    expect(r.code).to.equal(78);
    expect(r.out).to.match(
      /plugins\.1: unknown plugin "playr": not a built-in \(system, player, loop, media, homeassistant, wifi, display\)/,
    );
    expect(r.out).to.include(`plugins.2: plugin "./no-such-plugin": no such file or folder (${join(dir, 'no-such-plugin')})`);
    // An installed package is a valid entry (whether it is a plugin is the host's check at start).
    expect(r.out).to.not.include('plugins.3');
  });

  it('the CLI answers --version and --help; config/schema.json is the schema the code checks', () => {
    const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
    expect(cli('--version').out.trim()).to.equal(pkg.version);
    expect(cli('--help').out).to.match(/config check FILE/);
    const onDisk = JSON.parse(readFileSync(join(packageRoot, 'config', 'schema.json'), 'utf8')) as unknown;
    expect(onDisk, 'regenerate with: node bin/loop.js config schema > config/schema.json').to.deep.equal(
      JSON.parse(JSON.stringify(configSchemaFor(builtinPlugins))),
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
