// Route validators and serializers compiled on first use (core/http/lazy-compile.ts): nothing is
// compiled at start, a bad body is still a 400 with ajv's errors, query strings are still coerced,
// and a response schema still shapes the output (extra keys dropped).
import { expect } from 'chai';
import Fastify from 'fastify';
import { Ajv } from 'ajv';
import { lazyCompilers } from '../../core/http/lazy-compile.js';

describe('HTTP validators and serializers compiled on first use', () => {
  it('compiles nothing at start, then validates, coerces and serializes as before', async () => {
    const ajv = new Ajv({ allErrors: true, coerceTypes: 'array', strict: false });
    let compiled = 0;
    const app = Fastify({
      schemaController: {
        compilersFactory: lazyCompilers(({ schema }) => {
          compiled++;
          return ajv.compile(schema);
        }),
      },
    });
    app.post(
      '/thing',
      {
        schema: {
          body: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } },
          querystring: { type: 'object', properties: { n: { type: 'integer' } } },
          response: { 200: { type: 'object', properties: { name: { type: 'string' }, n: { type: 'integer' } } } },
        },
      },
      async (req) => ({ ...(req.body as object), n: (req.query as { n?: number }).n, secret: 'not in the schema' }),
    );
    app.get('/never', { schema: { querystring: { type: 'object', properties: { x: { type: 'integer' } } } } }, async () => 'ok');
    await app.ready();
    expect(compiled, 'validators compiled at start').to.equal(0);

    const bad = await app.inject({ method: 'POST', url: '/thing?n=2', payload: { name: '' } });
    expect(bad.statusCode).to.equal(400);
    expect(bad.json<{ message: string }>().message).to.match(/name/);

    const ok = await app.inject({ method: 'POST', url: '/thing?n=2', payload: { name: 'beach' } });
    expect(ok.statusCode).to.equal(200);
    expect(ok.json()).to.deep.equal({ name: 'beach', n: 2 });
    expect(compiled, 'only the route that was called').to.equal(2);
    await app.close();
  });
});
