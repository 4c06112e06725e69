// pino, with short human-readable lines unless log.json is set (journald adds its own timestamps).
import { Writable } from 'node:stream';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { asText } from './util/text.js';

const NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'plugin', 'mod']);

function humanLine(line: string): string {
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    const t = new Date(Number(o.time)).toISOString().slice(11, 23);
    const who = o.plugin ?? o.mod;
    const extra = Object.entries(o).filter(([k]) => !SKIP.has(k)).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    return `${t} ${NAMES[Number(o.level)] ?? asText(o.level)} ${who ? `[${asText(who)}] ` : ''}${asText(o.msg)}${extra.length ? ' ' + extra.join(' ') : ''}\n`;
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
