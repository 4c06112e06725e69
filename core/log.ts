// pino, with short human-readable lines unless log.json is set (journald adds its own timestamps).
// Strings from outside (file names, addresses, messages) are escaped in both forms, so a name with
// a newline cannot forge a log line (JSON escapes them itself; the human form does it here).
import { Writable } from 'node:stream';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { asText } from './util/text.js';

const NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'plugin', 'mod']);

/** Control and line-separator characters as visible escapes (`\n`, `\u001b`). */
export function escapeControls(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function humanLine(line: string): string {
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    const t = new Date(Number(o.time)).toISOString().slice(11, 23);
    const who = o.plugin ?? o.mod;
    const extra = Object.entries(o)
      .filter(([k]) => !SKIP.has(k))
      .map(([k, v]) => `${k}=${escapeControls(typeof v === 'string' ? v : JSON.stringify(v))}`);
    return `${t} ${NAMES[Number(o.level)] ?? asText(o.level)} ${who ? `[${escapeControls(asText(who))}] ` : ''}${escapeControls(asText(o.msg))}${extra.length ? ' ' + extra.join(' ') : ''}\n`;
  } catch {
    return line;
  }
}

export function createLogger(level: LevelWithSilent, json: boolean): Logger {
  if (json) return pino({ level, base: undefined });
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) process.stdout.write(humanLine(line));
      cb();
    },
  });
  return pino({ level, base: undefined }, out);
}
