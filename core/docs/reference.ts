// Renders the MQTT reference (docs/mqtt-reference.md) from the contract itself, so the docs
// cannot drift from the code: a test compares the file with this output.
import type { TSchema } from '@sinclair/typebox';
import { builtinActions, retainedTopics, secretFields, topicSchemas, type ActionSpecs } from '../protocol/index.js';
import { asText } from '../util/text.js';

type Json = Record<string, unknown>;

/** A compact, readable type for a JSON schema: `{volume: number 0..100}`, `"all" | "one"`. */
export function describeSchema(schema: TSchema | Json, depth = 0): string {
  const s = schema as Json;
  if (Array.isArray(s.anyOf)) return (s.anyOf as Json[]).map((x) => describeSchema(x, depth)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  switch (s.type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, Json>;
      const req = new Set((s.required ?? []) as string[]);
      const keys = Object.keys(props);
      if (keys.length === 0) return s.additionalProperties === false ? '{}' : '{...}';
      if (depth >= 2) return '{...}';
      return `{${keys.map((k) => `${k}${req.has(k) ? '' : '?'}: ${describeSchema(props[k] as Json, depth + 1)}`).join(', ')}}`;
    }
    case 'array':
      return `${describeSchema((s.items ?? {}) as Json, depth + 1)}[]`;
    case 'integer':
    case 'number': {
      const lo = s.minimum ?? s.exclusiveMinimum;
      const hi = s.maximum;
      const range = lo !== undefined || hi !== undefined ? ` ${asText(lo)}..${asText(hi)}` : '';
      return `${s.type}${range}`;
    }
    case 'string':
    case 'boolean':
    case 'null':
      return String(s.type);
    default:
      return 'any';
  }
}

export function renderMqttReference(): string {
  const out: string[] = [
    '# MQTT reference (generated)',
    '',
    'Generated from `core/protocol/` by `npm run docs`; do not edit by hand. Topics are relative to',
    '`<base_topic>/<device_id>/` (default `loop/<hostname>/`). See docs/mqtt.md for how to use them.',
    '',
    '## State and event topics',
    '',
    '| topic | retained | payload |',
    '|---|---|---|',
  ];
  for (const [topic, schema] of Object.entries(topicSchemas)) {
    out.push(`| \`${topic}\` | ${retainedTopics.includes(topic as never) ? 'yes' : 'no'} | \`${describeSchema(schema).replace(/\|/g, '\\|')}\` |`);
  }
  out.push('', '## Actions', '', 'Each action is served on `bridge/request/<plugin>/<action>` (answer on `bridge/response/<plugin>/<action>`,',
    '`transaction` echoed) and on `<plugin>/set` (no answer): `"<action>"`, `{"action": "<action>", ...payload}`, or the shorthand',
    '`{"<action>": value}` where one is listed. A payload with a secret field (listed with the action) is refused here:',
    'secrets never travel on MQTT, so send those through the REST API or /ws (docs/security.md).', '');
  for (const [plugin, actions] of Object.entries(builtinActions)) {
    out.push(`### ${plugin}`, '', '| action | payload | answer | shorthand | what it does |', '|---|---|---|---|---|');
    for (const [name, spec] of Object.entries(actions as ActionSpecs)) {
      const sh = 'shorthand' in spec && spec.shorthand ? `\`{"${name}": <${spec.shorthand}>}\`` : '';
      const cell = (x: string) => `\`${x.replace(/\|/g, '\\|')}\``;
      const secrets = secretFields(spec).map((f) => `\`${f}\``);
      const what = spec.description + (secrets.length ? ` Secret (REST or /ws only): ${secrets.join(', ')}.` : '');
      out.push(`| \`${name}\` | ${cell(describeSchema(spec.request))} | ${cell(describeSchema(spec.response))} | ${sh} | ${what.replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
