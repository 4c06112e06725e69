// Turns an MQTT command into a validated action call and a response envelope.
// `bridge/request/<plugin>/<action>` answers on `bridge/response/...`; `<plugin>/set` does not.
import { compile, describeErrors } from '../config/validate.js';
import { ActionError, redactSecrets, type ActionResponse } from '../protocol/index.js';
import type { ActionSpecs } from '../protocol/index.js';
import type { ActionMeta } from './api.js';
import { excerpt } from '../util/text.js';

/** A running plugin's handlers, untyped: the host checks payloads against the specs before calling one. */
export type AnyHandlers = Readonly<Record<string, (payload: never, meta: ActionMeta) => Promise<unknown>>>;

export interface Command {
  action: string;
  payload: unknown;
  transaction?: string | number;
  via?: ActionMeta['via'];
}

/** Parse a `bridge/request/<plugin>/<action>` body: a JSON object (or empty = {}). */
export function parseRequest(action: string, body: Buffer): Command {
  const text = body.toString('utf8').trim();
  if (text === '') return { action, payload: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ActionError('invalid', 'payload is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ActionError('invalid', 'payload must be a JSON object');
  }
  const { transaction, ...payload } = value as Record<string, unknown>;
  const cmd: Command = { action, payload };
  if (typeof transaction === 'string' || typeof transaction === 'number') cmd.transaction = transaction;
  return cmd;
}

/**
 * Parse a `<plugin>/set` body: `"next"` or `next` (bare word), `{"action":"seek","position":3}`,
 * or a shorthand `{"volume":40}` for an action whose spec names `volume` as its shorthand field.
 */
export function parseSet(specs: ActionSpecs, body: Buffer): Command {
  const text = body.toString('utf8').trim();
  if (/^[a-z_]+$/i.test(text)) return { action: text, payload: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ActionError('invalid', 'payload is neither an action name nor valid JSON');
  }
  if (typeof value === 'string') return { action: value, payload: {} };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ActionError('invalid', 'payload must be an action name or a JSON object');
  }
  const obj = value as Record<string, unknown>;
  if (typeof obj.action === 'string') {
    const { action, transaction: _t, ...payload } = obj;
    return { action, payload };
  }
  for (const [name, spec] of Object.entries(specs)) {
    const field = spec.shorthand;
    if (field && name in obj) {
      const { [name]: v, ...rest } = obj;
      return { action: name, payload: { ...rest, [field]: v } };
    }
  }
  throw new ActionError('invalid', `no action in payload; expected "action" or one of: ${Object.keys(specs).join(', ')}`);
}

export async function runAction(
  plugin: string,
  specs: ActionSpecs,
  handlers: AnyHandlers,
  cmd: Command,
  via: ActionMeta['via'],
): Promise<ActionResponse> {
  const base = cmd.transaction !== undefined ? { transaction: cmd.transaction } : {};
  try {
    const known = Object.prototype.hasOwnProperty.call(specs, cmd.action);
    const spec = known ? specs[cmd.action] : undefined;
    const handler = known ? handlers[cmd.action] : undefined;
    if (!spec || !handler) {
      throw new ActionError(
        'not_found',
        `unknown action ${excerpt(cmd.action, 40)} for ${plugin}; known: ${Object.keys(specs).join(', ') || 'none'}`,
      );
    }
    const validate = compile(spec.request);
    if (!validate(cmd.payload)) {
      // Messages quote bad values: a secret's is never quoted (they reach bridge/event and logs).
      const problems = describeErrors(validate.errors, redactSecrets(spec, cmd.payload));
      throw new ActionError('invalid', problems.map((p) => `${p.path}: ${p.message}`).join('; '), { errors: problems });
    }
    const meta: ActionMeta = cmd.transaction !== undefined ? { via, transaction: cmd.transaction } : { via };
    const data = await handler(cmd.payload as never, meta);
    return { status: 'ok', data: data ?? null, ...base };
  } catch (err) {
    if (err instanceof ActionError) {
      return { status: 'error', code: err.code, error: err.message, ...(err.data !== undefined ? { data: err.data } : {}), ...base };
    }
    return { status: 'error', code: 'internal', error: (err as Error)?.message ?? String(err), ...base };
  }
}
