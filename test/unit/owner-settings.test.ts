// The owner's settings as config, as tables: which settings the user's file and LOOP_* variables
// pin (loadConfig), and how a stored choice lays over a config without touching what is pinned.
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLoopConfig } from '../../app/config.js';
import { overlayConfig, pinnedSettings, settingValues } from '../../core/config/owner-settings.js';
import type { LoopConfig } from '../../core/config/schema.js';
import { removeDir, tempDir } from '../helpers/loop.js';

describe('owner settings: pinning and the overlay', () => {
  const dir = tempDir();
  after(() => removeDir(dir));
  const load = (yaml: string, env: NodeJS.ProcessEnv = {}) => {
    const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    return loadLoopConfig({ file, env });
  };

  const cases: Array<[what: string, yaml: string, env: NodeJS.ProcessEnv, pinned: Record<string, string>]> = [
    ['the defaults alone pin nothing', '{}', {}, {}],
    ['device.name in the file', 'device: {name: Hall}', {}, { device_name: 'file' }],
    ['media.display.fit in the file (its other keys do not pin it)', 'media: {display: {fit: cover}}', {}, { fit: 'file' }],
    ['media.display.width alone pins nothing', 'media: {display: {width: 640}}', {}, {}],
    ['a plugin list in the file pins Home Assistant on/off', 'plugins: [system]', {}, { homeassistant: 'file' }],
    ['LOOP_PLAYER_TIMELINE', '{}', { LOOP_PLAYER_TIMELINE: 'off' }, { timeline: 'environment' }],
    ['a variable wins over the file', 'player: {timeline: auto}', { LOOP_PLAYER_TIMELINE: 'off' }, { timeline: 'environment' }],
  ];
  for (const [what, yaml, env, pinned] of cases) {
    it(what, () => {
      expect(load(yaml, env).pinned).to.deep.equal(pinned);
    });
  }

  it('the overlay sets what is not pinned, leaves what is, and returns a new config', () => {
    const { config } = load('player: {timeline: off}');
    const pinned = pinnedSettings({ player: { timeline: 'off' } }, {});
    const over = overlayConfig(config, { device_name: 'Kitchen', timeline: 'auto', fit: 'contain', homeassistant: false }, pinned);
    expect(settingValues(over)).to.deep.equal({ device_name: 'Kitchen', fit: 'contain', timeline: 'off', homeassistant: false });
    expect(over.plugins).to.not.include('homeassistant');
    expect(settingValues(config), 'the given config is untouched').to.deep.equal({
      device_name: 'Loop',
      fit: 'blur',
      timeline: 'off',
      homeassistant: true,
    });
  });

  it('Home Assistant on adds it to the plugin list once, off takes it out', () => {
    const base = { plugins: ['system', 'homeassistant'] } as unknown as LoopConfig;
    expect(overlayConfig(base, { homeassistant: true }, {}).plugins).to.deep.equal(['system', 'homeassistant']);
    expect(overlayConfig(base, { homeassistant: false }, {}).plugins).to.deep.equal(['system']);
    expect(overlayConfig({ plugins: ['system'] } as unknown as LoopConfig, { homeassistant: true }, {}).plugins).to.deep.equal([
      'system',
      'homeassistant',
    ]);
  });
});
