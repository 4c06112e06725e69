// Turns an unknown value (a parsed payload field, a log field) into text for a message, without
// "[object Object]": strings as they are, numbers and booleans printed, anything else as JSON.
export function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? '';
}

/** Bytes from a socket frame (ws RawData: a Buffer, an ArrayBuffer or fragments) as UTF-8 text. */
export function frameText(raw: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  return Buffer.isBuffer(raw) ? raw.toString('utf8') : Buffer.from(raw).toString('utf8');
}

/**
 * A short, escaped excerpt of something a client sent, for error messages and events: JSON-quoted
 * (so control characters and quotes are escaped), cut to `max` characters with the full length
 * named. A message never carries more than this of a client's bytes.
 */
export function excerpt(v: unknown, max = 60): string {
  const s = v === undefined ? 'nothing' : (JSON.stringify(v) ?? String(typeof v));
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} characters)`;
}
