// docs/openapi.json is the REST reference a reader finds in the repository: the OpenAPI document of
// a Loop running every default plugin, exactly as it serves it at /api/docs/json. This test starts
// that Loop (mpv's null outputs, WiFi on the nmcli stand-in) and compares; `npm run docs:openapi`
// writes the file instead (LOOP_UPDATE_DOCS=1), in the same commit as the routes that changed it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { packageRoot } from '../../core/paths.js';
import { ap, FakeNm, NMCLI } from '../fixtures/nmcli/state.js';
import { mpvSocket, removeDir, startTestLoop } from '../helpers/loop.js';

const FILE = join(packageRoot, 'docs', 'openapi.json');
const DEFAULT_PLUGINS = ['system', 'player', 'loop', 'media', 'wifi', 'display', 'homeassistant'];

/** One line per operation: a diff shows which route changed, and the file stays a third the size
 *  of a fully indented one (every operation spells its schemas out). */
function layout(doc: Record<string, unknown>): string {
  const top = Object.entries(doc).map(([key, value]) => {
    if (key !== 'paths') return `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`;
    const paths = Object.entries(value as Record<string, Record<string, unknown>>).map(([path, ops]) => {
      const lines = Object.entries(ops).map(([method, op]) => `      ${JSON.stringify(method)}: ${JSON.stringify(op)}`);
      return `    ${JSON.stringify(path)}: {\n${lines.join(',\n')}\n    }`;
    });
    return `  "paths": {\n${paths.join(',\n')}\n  }`;
  });
  return `{\n${top.join(',\n')}\n}\n`;
}

describe('docs/openapi.json', function () {
  this.timeout(60_000);

  it('is the OpenAPI document Loop serves with its default plugins (regenerate: npm run docs:openapi)', async () => {
    const nm = new FakeNm({ aps: [ap('Home', 70)] });
    process.env.NMCLI_STATE = nm.file;
    const loop = await startTestLoop({
      plugins: DEFAULT_PLUGINS,
      player: { vo: 'null', ao: 'null', ipc_socket: mpvSocket() },
      wifi: { nmcli_path: NMCLI, auto_hotspot: false },
    });
    try {
      const served = (await (await fetch(`${loop.http}/api/docs/json`)).json()) as { paths: Record<string, unknown> };
      const text = layout(served);
      if (process.env.LOOP_UPDATE_DOCS === '1') writeFileSync(FILE, text);
      // Every route a user reaches is in it, the upload included (registered by the media plugin at start).
      expect(Object.keys(served.paths)).to.include.members([
        '/api/media',
        '/api/loop',
        '/api/playback/next',
        '/api/wifi/scan',
        '/api/auth/login',
      ]);
      expect(JSON.parse(readFileSync(FILE, 'utf8')), 'docs/openapi.json is stale: run npm run docs:openapi').to.deep.equal(served);
    } finally {
      delete process.env.NMCLI_STATE;
      await loop.stop();
      removeDir(loop.dataDir);
    }
  });
});
