// Secret fields of the contract as a table: which actions declare them, which payloads carry them,
// and that a redacted copy hides exactly those values.
import { expect } from 'chai';
import { Type } from '@sinclair/typebox';
import {
  builtinActions,
  redactSecrets,
  Secret,
  secretFields,
  secretsIn,
  type ActionSpec,
  type ActionSpecs,
} from '../../core/protocol/index.js';

const login: ActionSpec = {
  description: 'a third-party action with two secrets',
  request: Type.Object({ user: Type.String(), password: Secret(), token: Type.Optional(Secret({ maxLength: 80 })) }),
  response: Type.Object({}),
};

describe('secret fields of the contract (core/protocol/secrets.ts)', () => {
  it('among the built-in actions, only wifi/connect has one: its password', () => {
    const all = Object.entries(builtinActions as Record<string, ActionSpecs>).flatMap(([plugin, actions]) =>
      Object.entries(actions)
        .filter(([, spec]) => secretFields(spec).length > 0)
        .map(([action, spec]) => `${plugin}/${action}: ${secretFields(spec).join(', ')}`),
    );
    expect(all).to.deep.equal(['wifi/connect: password']);
  });

  const cases: Array<[string, unknown, string[]]> = [
    ['both present', { user: 'a', password: 'p', token: 't' }, ['password', 'token']],
    ['present even when empty', { user: 'a', password: '' }, ['password']],
    ['absent', { user: 'a' }, []],
    ['not an object', 'password', []],
    ['null', null, []],
  ];
  for (const [what, payload, present] of cases) {
    it(`secretsIn: ${what}`, () => expect(secretsIn(login, payload)).to.deep.equal(present));
  }

  it('redactSecrets replaces the secret values only, and leaves the original untouched', () => {
    const payload = { user: 'a', password: 'hunter22', token: 'tok' };
    expect(redactSecrets(login, payload)).to.deep.equal({ user: 'a', password: '(secret)', token: '(secret)' });
    expect(payload.password).to.equal('hunter22');
    const plain = { user: 'a' };
    expect(redactSecrets(login, plain)).to.equal(plain);
  });
});
