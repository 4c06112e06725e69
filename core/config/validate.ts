// Schema checks with messages a person can act on: key path, value, what was expected.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import { excerpt } from '../util/text.js';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export const ajv = addFormats(new Ajv({ allErrors: true, strict: false, useDefaults: false }));
const cache = new WeakMap<object, ValidateFunction>();

export function compile(schema: TSchema): ValidateFunction {
  let fn = cache.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    cache.set(schema, fn);
  }
  return fn;
}

export interface Problem {
  path: string;
  message: string;
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const seg of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

// Values are quoted as short excerpts: a 1 MB bad value must not become a 1 MB error on every page.
const show = (v: unknown): string => excerpt(v);

/** Turns ajv errors into one line each; anyOf noise is folded into the branch messages. */
export function describeErrors(errors: ErrorObject[] | null | undefined, data: unknown, prefix = ''): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors ?? []) {
    const list = byPath.get(e.instancePath) ?? [];
    list.push(e);
    byPath.set(e.instancePath, list);
  }
  for (const [pointer, list] of byPath) {
    const base = [prefix, ...pointer.split('/').slice(1)].filter(Boolean).join('.');
    for (const e of list) {
      let path = base || '(root)';
      let message: string;
      if (e.keyword === 'additionalProperties') {
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        path = [base, key].filter(Boolean).join('.');
        message = `unknown key (value ${show(valueAt(data, `${pointer}/${key}`))})`;
      } else if (e.keyword === 'required') {
        const key = (e.params as { missingProperty: string }).missingProperty;
        path = [base, key].filter(Boolean).join('.');
        message = 'is required';
      } else if (e.keyword === 'anyOf') {
        const alts = list
          .filter((x) => x.keyword === 'const' || x.keyword === 'type')
          .map((x) =>
            x.keyword === 'const'
              ? JSON.stringify((x.params as { allowedValue: unknown }).allowedValue)
              : String((x.params as { type: string }).type),
          );
        message = `is ${show(valueAt(data, pointer))}; must be one of ${[...new Set(alts)].join(', ') || 'the allowed forms'}`;
      } else if (list.some((x) => x.keyword === 'anyOf')) {
        continue; // folded into the anyOf line
      } else {
        message = `is ${show(valueAt(data, pointer))}; ${e.message ?? 'invalid'}`;
      }
      const key = `${path}: ${message}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push({ path, message });
      }
    }
  }
  return out;
}

export function check(schema: TSchema, data: unknown, prefix = ''): Problem[] {
  const fn = compile(schema);
  return fn(data) ? [] : describeErrors(fn.errors, data, prefix);
}

/**
 * check() for a schema used once (the config at start, a plugin's section when it loads), compiled
 * by an Ajv of its own that is dropped afterwards: the config's validator is a ~200 KB generated
 * function, and Ajv's shared scope keeps what it compiled even after removeSchema(), so an idle
 * Loop held it for good (docs/performance.md, "Where the idle memory goes").
 */
export function checkOnce(schema: TSchema, data: unknown, prefix = ''): Problem[] {
  const fn = addFormats(new Ajv({ allErrors: true, strict: false, useDefaults: false })).compile(schema);
  return fn(data) ? [] : describeErrors(fn.errors, data, prefix);
}
