// Access control lists with Mosquitto's acl_file semantics: `user <name>` sections, `topic
// [read|write|readwrite|deny] <filter>` lines (before any `user` line they apply to anonymous
// clients), and `pattern` lines for every client with %u (username) and %c (client id) replaced.
// Pure: parse once at start, resolve per client at CONNECT, then cheap checks per packet.
import { matchLevels } from '../bus/match.js';

export { matchLevels };

export type Access = 'read' | 'write' | 'readwrite' | 'deny';

export interface AclRule {
  access: Access;
  filter: string;
}

export interface AclFile {
  /** `topic` lines before the first `user` line. */
  anonymous: AclRule[];
  users: Map<string, AclRule[]>;
  /** `pattern` lines, with %u / %c unresolved. */
  patterns: AclRule[];
}

const ACCESS = new Set<string>(['read', 'write', 'readwrite', 'deny']);

/** Parses acl_file text; throws with the line number on anything it does not understand. */
export function parseAcl(text: string, source = 'acl'): AclFile {
  const acl: AclFile = { anonymous: [], users: new Map(), patterns: [] };
  let current: AclRule[] = acl.anonymous;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fail = (why: string): never => {
      throw new Error(`${source} line ${i + 1}: ${why} ("${line.slice(0, 60)}")`);
    };
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m) fail('expected "user <name>", "topic [access] <filter>" or "pattern [access] <filter>"');
    const [, keyword = '', rest = ''] = m as RegExpExecArray;
    if (keyword === 'user') {
      const name = rest.trim();
      current = acl.users.get(name) ?? [];
      acl.users.set(name, current);
      return;
    }
    if (keyword !== 'topic' && keyword !== 'pattern') fail(`unknown keyword "${keyword}"`);
    const parts = /^(\S+)\s+(.+)$/.exec(rest.trim());
    let access: Access = 'readwrite';
    let filter = rest.trim();
    if (parts && ACCESS.has(parts[1] ?? '')) {
      access = parts[1] as Access;
      filter = (parts[2] ?? '').trim();
    }
    const problem = filterProblem(filter);
    if (problem) fail(problem);
    (keyword === 'pattern' ? acl.patterns : current).push({ access, filter });
  });
  return acl;
}

function filterProblem(filter: string): string | null {
  if (!filter) return 'a topic filter is missing';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i] ?? '';
    if (l.includes('#') && (l !== '#' || i !== levels.length - 1)) return '"#" must be a whole last level';
    if (l.includes('+') && l !== '+') return '"+" must be a whole level';
  }
  return null;
}

/** The rules that apply to one connected client: its section (or the anonymous one) plus resolved patterns. */
export class ClientAcl {
  private readonly read: string[][] = [];
  private readonly write: string[][] = [];
  private readonly deny: string[][] = [];
  /** `#` granted and nothing denied: every topic but `$` ones, without splitting it (per message). */
  private readonly writeAll: boolean;
  private readonly readAll: boolean;
  /** Publishers repeat a few topics: their decisions are kept (bounded), the topic split once. */
  private readonly published = new Map<string, boolean>();

  constructor(acl: AclFile, username: string | undefined, clientId: string) {
    const own = username === undefined ? acl.anonymous : (acl.users.get(username) ?? []);
    const rules = [...own];
    for (const p of acl.patterns) {
      const filter = resolvePattern(p.filter, username, clientId);
      if (filter !== null) rules.push({ access: p.access, filter });
    }
    for (const r of rules) {
      const levels = r.filter.split('/');
      if (r.access === 'deny') this.deny.push(levels);
      if (r.access === 'read' || r.access === 'readwrite') this.read.push(levels);
      if (r.access === 'write' || r.access === 'readwrite') this.write.push(levels);
    }
    const hasAll = (list: string[][]) => list.some((f) => f.length === 1 && f[0] === '#');
    this.writeAll = this.deny.length === 0 && hasAll(this.write);
    this.readAll = this.deny.length === 0 && hasAll(this.read);
  }

  /** True when some message this client may be sent could still be denied (forward checks needed). */
  get hasDeny(): boolean {
    return this.deny.length > 0;
  }

  canPublish(topic: string): boolean {
    if (this.writeAll && topic.charCodeAt(0) !== 36 /* $ */) return true;
    const known = this.published.get(topic);
    if (known !== undefined) return known;
    const t = topic.split('/');
    const ok = !this.deny.some((f) => matchLevels(f, t)) && this.write.some((f) => matchLevels(f, t));
    if (this.published.size >= 256) this.published.clear();
    this.published.set(topic, ok);
    return ok;
  }

  canRead(topic: string): boolean {
    if (this.readAll && topic.charCodeAt(0) !== 36 /* $ */) return true;
    const t = topic.split('/');
    return !this.deny.some((f) => matchLevels(f, t)) && this.read.some((f) => matchLevels(f, t));
  }

  /** A subscription is granted when a read rule covers every topic it can match and no deny rule covers it. */
  canSubscribe(filter: string): boolean {
    const f = filter.split('/');
    return !this.deny.some((d) => covers(d, f)) && this.read.some((r) => covers(r, f));
  }
}

/** %u / %c substituted; null when the value is missing or would smuggle in a level or a wildcard. */
function resolvePattern(filter: string, username: string | undefined, clientId: string): string | null {
  let out = filter;
  if (out.includes('%u')) {
    if (username === undefined || /[/+#]/.test(username)) return null;
    out = out.split('%u').join(username);
  }
  if (out.includes('%c')) {
    if (!clientId || /[/+#]/.test(clientId)) return null;
    out = out.split('%c').join(clientId);
  }
  return out;
}

/** Whether every topic matched by `inner` is matched by `outer`. */
export function covers(outer: readonly string[], inner: readonly string[]): boolean {
  if ((inner[0] ?? '').startsWith('$') && (outer[0] === '#' || outer[0] === '+')) return false;
  for (let i = 0; i < outer.length; i++) {
    const o = outer[i];
    if (o === '#') return true;
    if (i >= inner.length) return false;
    const n = inner[i];
    if (n === '#') return false;
    if (o === '+') continue;
    if (n === '+' || o !== n) return false;
  }
  return outer.length === inner.length;
}

/** The username that gets the Node-RED integration role of the default ACL. */
export const NODE_RED_USER = 'nodered';

/**
 * What Loop grants when the config has no ACL: anonymous clients (loopback only, by default) may
 * use any topic; every user gets what Home Assistant needs for discovery and Loop's entities
 * (read Loop's state, events and answers, send commands, announce its own status) and nothing
 * else; the user named `nodered` also reads `home/#` and owns `nodered/#` (the example flows'
 * button and doorbell topics, and the dashboard they publish). Users read by level, not
 * `<prefix>/#`: that would include `bridge/request/#`, everyone else's commands (acl_file has no
 * read-only deny: a `deny` line would refuse writing them too).
 */
export function defaultAcl(baseTopicPrefix: string, discoveryPrefix = 'homeassistant'): string {
  return [
    '# Anonymous clients (allowed from loopback only unless mqtt.allow_anonymous is true)',
    'topic readwrite #',
    '# Every user: what Home Assistant needs',
    `pattern read ${baseTopicPrefix}/+/+`,
    `pattern read ${baseTopicPrefix}/+/+/+`,
    `pattern read ${baseTopicPrefix}/+/bridge/response/#`,
    `pattern write ${baseTopicPrefix}/+/+/set`,
    `pattern write ${baseTopicPrefix}/+/bridge/request/#`,
    `pattern write ${baseTopicPrefix}/group/+/+/set`,
    `pattern read ${discoveryPrefix}/#`,
    `pattern write ${discoveryPrefix}/status`,
    `# The user named ${NODE_RED_USER} (docs/node-red.md): also the sensors' topics its flows listen on, and its own tree`,
    `user ${NODE_RED_USER}`,
    'topic read home/#',
    `topic readwrite ${NODE_RED_USER}/#`,
    '',
  ].join('\n');
}
