// The generated docs are the code's own: a change to the contract must regenerate them.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMqttReference } from '../../core/docs/reference.js';
import { packageRoot } from '../../core/paths.js';
import { builtinActions, type ActionSpecs } from '../../core/protocol/index.js';

describe('docs', () => {
  it('docs/mqtt-reference.md is what the contract renders (npm run docs)', () => {
    const onDisk = readFileSync(join(packageRoot, 'docs', 'mqtt-reference.md'), 'utf8').trimEnd();
    expect(onDisk, 'run: npm run docs').to.equal(renderMqttReference().trimEnd());
  });

  it('every built-in action has a description and appears in the reference', () => {
    const ref = renderMqttReference();
    for (const [plugin, actions] of Object.entries(builtinActions)) {
      expect(ref).to.include(`### ${plugin}`);
      for (const [name, spec] of Object.entries(actions as ActionSpecs)) {
        expect(spec.description.length, `${plugin}/${name}`).to.be.greaterThan(5);
        expect(ref).to.include(`| \`${name}\` |`);
      }
    }
  });
});
