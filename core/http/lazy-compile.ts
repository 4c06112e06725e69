// Route validators and response serializers compiled on a route's first use, not at start-up.
// Fastify compiles every route's schemas when it starts: ~45 ajv validators and ~56
// fast-json-stringify serializers (each serializer of a schema with anyOf, i.e. every Nullable
// field, with its own Ajv instance and ajv-formats), about 1 MB of generated source plus the
// instances, all held for the life of the process though most routes are never called on a given
// day (docs/performance.md, "Where the idle memory goes"). Compiled lazily, an idle Loop holds
// none of it; a route costs its compilation once, on its first request. Validation and output are
// those of the same compilers.
import { createRequire } from 'node:module';
import type SerializerSelectorType from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

// fast-json-stringify itself (and its resolver and schema merger) is loaded by the first route
// that answers with a schema, not at start. It is CommonJS, so a synchronous require does it.
const require = createRequire(import.meta.url);
const serializerSelector = (): typeof SerializerSelectorType =>
  require('@fastify/fast-json-stringify-compiler') as typeof SerializerSelectorType;

type Compilers = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type ValidatorFactory = NonNullable<Compilers['buildValidator']>;
type SerializerFactory = NonNullable<Compilers['buildSerializer']>;
type RouteSchema = Parameters<ReturnType<ValidatorFactory>>[0];

/** What Fastify calls: the result, and `errors` read after a false one. */
interface Validate {
  (data: unknown): boolean;
  errors?: unknown;
}

/** A validator that compiles on its first call; Fastify reads `.errors` off the function it was given. */
export function lazyValidator(compile: () => Validate): Validate {
  let fn: Validate | null = null;
  const validate: Validate = (data) => {
    fn ??= compile();
    const ok = fn(data);
    validate.errors = fn.errors;
    return ok;
  };
  validate.errors = null;
  return validate;
}

/** Fastify's compilers factory with both compilers deferred to each route's first use. */
export function lazyCompilers(compileValidator: (route: RouteSchema) => Validate): Compilers {
  // Typed as Ajv's ValidateFunction, but Fastify only calls it and reads `errors` (lib/validation.js).
  const buildValidator: ValidatorFactory = () => (route) =>
    lazyValidator(() => compileValidator(route)) as unknown as ReturnType<ReturnType<ValidatorFactory>>;
  const buildSerializer: SerializerFactory = (externalSchemas, options) => {
    let compile: ReturnType<SerializerFactory> | null = null;
    return (route) => {
      let fn: ((doc: unknown) => string) | null = null;
      return (doc: unknown) => {
        compile ??= serializerSelector()()(externalSchemas, options);
        fn ??= compile(route);
        return fn(doc);
      };
    };
  };
  return { buildValidator, buildSerializer };
}
