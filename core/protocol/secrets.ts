// Secret fields of action requests (WiFi passwords, owner passwords, tokens): marked once here, in
// the contract, so the bus, the plugin host and error messages keep them off MQTT and out of logs.
import { Type, type StringOptions, type TObject, type TSchema } from '@sinclair/typebox';
import type { ActionSpec } from './envelope.js';

/**
 * The annotation on a request property that holds a secret. An `x-` keyword: JSON Schema and
 * OpenAPI ignore it (the OpenAPI document stays valid), Ajv too (strict is off).
 */
export const SECRET_KEYWORD = 'x-secret';

/** A string that is a secret: it never travels on MQTT and never reaches a log (docs/security.md). */
export const Secret = (options: StringOptions = {}) => Type.String({ ...options, [SECRET_KEYWORD]: true });

const isSecret = (schema: TSchema | undefined): boolean => (schema as Record<string, unknown> | undefined)?.[SECRET_KEYWORD] === true;

// Specs are frozen tables read on every request: their secret fields are found once.
const fieldsBySpec = new WeakMap<ActionSpec, readonly string[]>();

/** The top-level request fields of an action marked secret (none for most actions). */
export function secretFields(spec: ActionSpec): readonly string[] {
  let fields = fieldsBySpec.get(spec);
  if (!fields) {
    const properties = (spec.request as TObject).properties ?? {};
    fields = Object.keys(properties).filter((name) => isSecret(properties[name]));
    fieldsBySpec.set(spec, fields);
  }
  return fields;
}

/** The secret fields a payload actually carries (present, whatever their value). */
export function secretsIn(spec: ActionSpec, payload: unknown): readonly string[] {
  if (payload === null || typeof payload !== 'object') return [];
  return secretFields(spec).filter((name) => Object.prototype.hasOwnProperty.call(payload, name));
}

/** A copy of the payload with every secret value replaced, for error messages that quote values. */
export function redactSecrets(spec: ActionSpec, payload: unknown): unknown {
  const present = secretsIn(spec, payload);
  if (present.length === 0) return payload;
  const copy: Record<string, unknown> = { ...(payload as Record<string, unknown>) };
  for (const name of present) copy[name] = '(secret)';
  return copy;
}
