// The embedded Aedes broker: in-process for Loop's own client, TCP for outside clients
// (Home Assistant, Node-RED), and MQTT over WebSocket when the HTTP server offers /mqtt.
// Outside connections are bounded before they authenticate (packet size while bytes arrive,
// connection count, CONNECT timeout), passwords are checked off the event loop with a cap and a
// back-off, and every publish and subscription goes through the ACL (acl.ts) and Loop's own rules.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { Readable, type Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { Aedes, AedesPublishPacket, AuthenticateError, Client, ConnectPacket, PublishPacket, Subscription } from 'aedes';
import type { Logger } from 'pino';
import { isCommandTopic } from '../protocol/topics.js';
import { INTERNAL_TRANSACTION_PREFIX } from '../protocol/envelope.js';
import { ClientAcl, defaultAcl, matchLevels, parseAcl, type AclFile } from './acl.js';
import { AuthGate } from './auth-gate.js';
import { coalesceWrites } from './coalesce.js';
import { guardStream } from './frame-guard.js';
import { DUMMY_HASH, readPasswordFile, verifyPassword } from './passwords.js';
import { RetainedQuota } from './retained-quota.js';

export interface BrokerLimits {
  max_packet_bytes: number;
  max_connections: number;
  connect_timeout_seconds: number;
  retained_messages_per_user: number;
  retained_bytes_per_user: number;
  auth_concurrency: number;
  auth_queue: number;
  auth_backoff_max_seconds: number;
}

export const DEFAULT_LIMITS: BrokerLimits = {
  max_packet_bytes: 1 << 20,
  max_connections: 64,
  connect_timeout_seconds: 10,
  retained_messages_per_user: 1000,
  retained_bytes_per_user: 1 << 20,
  auth_concurrency: 1,
  auth_queue: 16,
  auth_backoff_max_seconds: 30,
};

export interface BrokerOptions {
  listen: boolean;
  host: string;
  port: number;
  allowAnonymous: boolean | 'loopback';
  users: Array<{ username: string; password_hash: string }>;
  passwordFile: string | null;
  /** Absolute prefix of Loop's own topics: outside clients may not publish state there. */
  baseTopic: string;
  /** Mosquitto acl_file text, or a file of it; both null = defaultAcl(). */
  acl?: string | null;
  aclFile?: string | null;
  clientIdBinding?: boolean;
  limits?: Partial<BrokerLimits>;
  log: Logger;
  /** Aedes' $SYS heartbeat, in ms (its default, 60 s, unless a test shortens it). */
  heartbeatMs?: number;
}

export const INTERNAL_USER = '$loop-internal';
/** Transactions of Loop's own requests start with this; their answers are never sent to outside clients. */
export { INTERNAL_TRANSACTION_PREFIX };

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;
const BACKOFF_BASE_MS = 250;
/** Client ids remembered for binding at most; the oldest binding is forgotten first. */
const MAX_BOUND_IDS = 10_000;

/** What the broker knows about a connected client, kept on the client object (read per message). */
interface ClientInfo {
  internal: boolean;
  /** Quota and binding key: the username, or '' for anonymous clients. */
  owner: string;
  acl: ClientAcl | null;
  /** Forwarding needs a look at the topic (deny rules in the ACL). */
  checkForward: boolean;
}
const INFO = Symbol('loop-client-info');
const EMPTY_PERSISTENT = Symbol('loop-empty-id-persistent');
type Deliver = (packet: AedesPublishPacket, cb: () => void) => void;
/** Aedes' client internals this file relies on (not in its typings). */
type LoopClient = Client & {
  [INFO]?: ClientInfo;
  [EMPTY_PERSISTENT]?: boolean;
  subscriptions: Record<string, { qos: number }>;
  deliver0: Deliver;
  deliverQoS: Deliver;
};

export class EmbeddedBroker {
  private aedes!: Aedes;
  private tcp: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly internalSecret = randomBytes(24);
  private readonly users: Map<string, string>;
  private readonly acl: AclFile;
  private readonly limits: BrokerLimits;
  private readonly gate: AuthGate;
  private readonly quota: RetainedQuota;
  /** client id → owner ('' anonymous); Loop's own ids map to INTERNAL_USER. */
  private readonly idOwners = new Map<string, string>();
  private readonly responsePrefix: string;
  private outside = 0;
  port: number | null = null;

  constructor(private readonly opts: BrokerOptions) {
    const list = [...opts.users, ...(opts.passwordFile ? readPasswordFile(opts.passwordFile) : [])];
    this.users = new Map(list.map((u) => [u.username, u.password_hash]));
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    const aclText = opts.aclFile ? readFileSync(opts.aclFile, 'utf8') : (opts.acl ?? defaultAcl(opts.baseTopic.split('/')[0] ?? 'loop'));
    this.acl = parseAcl(aclText, opts.aclFile ?? (opts.acl ? 'mqtt.acl' : 'default ACL'));
    this.gate = new AuthGate({
      concurrency: this.limits.auth_concurrency,
      maxQueued: this.limits.auth_queue,
      backoffBaseMs: BACKOFF_BASE_MS,
      backoffMaxMs: this.limits.auth_backoff_max_seconds * 1000,
    });
    this.quota = new RetainedQuota({ maxMessages: this.limits.retained_messages_per_user, maxBytes: this.limits.retained_bytes_per_user });
    this.responsePrefix = `${opts.baseTopic}/bridge/response/`;
  }

  get internalCredentials(): { username: string; password: Buffer } {
    return { username: INTERNAL_USER, password: this.internalSecret };
  }

  /** Where the TCP listener is bound (null when it does not listen). */
  get address(): { host: string; port: number } | null {
    const a = this.tcp?.address();
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : null;
  }

  get maxPacketBytes(): number {
    return this.limits.max_packet_bytes;
  }

  async start(): Promise<void> {
    const { Aedes } = await import('aedes');
    this.aedes = await Aedes.createBroker({
      ...(this.opts.heartbeatMs ? { heartbeatInterval: this.opts.heartbeatMs } : {}),
      connectTimeout: this.limits.connect_timeout_seconds * 1000,
      preConnect: (client, packet, done) => done(null, this.preConnect(client, packet)),
      authenticate: (client, username, password, done) => {
        this.authenticate(client, username, password).then(
          (err) => done(err, err === null),
          (err: Error) => done(authError(err.message, 3), false),
        );
      },
      authorizePublish: (client, packet, cb) => cb(this.authorizePublish(client, packet)),
      authorizeSubscribe: (client, sub, cb) => cb(null, this.authorizeSubscribe(client, sub)),
      authorizeForward: (client, packet) => this.authorizeForward(client, packet),
    });
    markRedeliveries(this.aedes);
    withoutForeignWillSweep(this.aedes);
    this.aedes.on('clientError', (client, err) => this.opts.log.debug({ client: client.id, err: err.message }, 'mqtt client error'));
    this.aedes.on('connectionError', (client, err) =>
      this.opts.log.debug({ remote: remoteAddress(client), err: err.message }, 'mqtt connection error'),
    );
    if (this.opts.listen) {
      const server = createServer({ noDelay: true }, (socket: Socket) => this.handleSocket(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) =>
          reject(
            err.code === 'EADDRINUSE'
              ? new Error(
                  `MQTT port ${this.opts.port} on ${this.opts.host} is in use (another broker?). Set mqtt.port (LOOP_MQTT_PORT), mqtt.listen: false, or mqtt.url to use that broker.`,
                )
              : err,
          ),
        );
        server.listen(this.opts.port, this.opts.host, () => resolve());
      });
      // After listen, errors are the kernel's on accept (EMFILE...): logged, never fatal.
      server.on('error', (err) => this.opts.log.warn({ err: err.message }, 'MQTT listener error'));
      const addr = server.address();
      this.port = typeof addr === 'object' && addr ? addr.port : this.opts.port;
      this.tcp = server;
      this.opts.log.info({ host: this.opts.host, port: this.port }, 'MQTT broker listening');
    }
  }

  /** Hands Loop's own in-process stream to the broker (no limits: it is authenticated by a secret). */
  handle(stream: Duplex): void {
    this.aedes.handle(stream);
  }

  /** Whether one more outside connection fits (the /mqtt upgrade asks before its handshake). */
  acceptsConnection(): boolean {
    return this.outside < this.limits.max_connections;
  }

  /** An outside connection (TCP socket or a WebSocket's stream): counted, size-guarded, then Aedes'. */
  handleOutside(stream: Duplex, req?: IncomingMessage): void {
    if (!this.acceptsConnection()) {
      this.opts.log.warn({ max: this.limits.max_connections }, 'MQTT connection refused: mqtt.limits.max_connections reached');
      stream.destroy();
      return;
    }
    this.outside++;
    let counted = true;
    const release = () => {
      if (counted) this.outside--;
      counted = false;
    };
    stream.once('close', release);
    guardStream(stream, this.limits.max_packet_bytes, () =>
      this.opts.log.warn(
        { remote: (stream as Partial<Socket>).remoteAddress ?? req?.socket.remoteAddress, max: this.limits.max_packet_bytes },
        'MQTT connection cut: packet over mqtt.limits.max_packet_bytes',
      ),
    );
    this.aedes.handle(stream, req);
  }

  private handleSocket(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    coalesceWrites(socket);
    this.handleOutside(socket);
  }

  private preConnect(client: Client, packet: ConnectPacket): boolean {
    // MQTT-3.1.3-8: a zero-length id needs a clean session; answered 0x02 in authenticate().
    if (!packet.clientId && !packet.clean) (client as LoopClient)[EMPTY_PERSISTENT] = true;
    return true;
  }

  /** null = accepted; otherwise the CONNACK error. */
  private async authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
  ): Promise<AuthenticateError | null> {
    const c = client as LoopClient;
    if (username === INTERNAL_USER) {
      const ok = !!password && password.length === this.internalSecret.length && timingSafeEqual(password, this.internalSecret);
      if (!ok) return authError('internal credentials rejected', 4);
      c[INFO] = { internal: true, owner: INTERNAL_USER, acl: null, checkForward: false };
      this.idOwners.set(client.id, INTERNAL_USER);
      return null;
    }
    if (c[EMPTY_PERSISTENT]) return authError('an empty client id needs clean session (MQTT-3.1.3-8)', 2);
    const remote = remoteAddress(client);
    let owner: string;
    if (username !== undefined) {
      const hash = this.users.get(username);
      const result = await this.gate.check(remote, () => verifyPassword(password ?? Buffer.alloc(0), hash ?? DUMMY_HASH));
      if (result === 'busy') {
        this.opts.log.warn({ remote }, 'MQTT login refused: too many password checks waiting (mqtt.limits.auth_queue)');
        return authError('server busy, retry later', 3);
      }
      if (result === 'backoff') {
        return authError(`too many failed logins from this address; retry in ${Math.ceil(this.gate.retryAfter(remote) / 1000)} s`, 3);
      }
      if (result !== 'ok' || hash === undefined) {
        this.opts.log.warn({ username: username.slice(0, 64), remote }, 'MQTT login refused');
        return authError('bad username or password', 4);
      }
      owner = username;
    } else {
      const anon = this.opts.allowAnonymous;
      if (!(anon === true || (anon === 'loopback' && remote !== undefined && LOOPBACK.test(remote)))) {
        this.opts.log.warn({ remote }, 'anonymous MQTT client refused');
        return authError('credentials required', 4);
      }
      owner = '';
    }
    const bound = this.idOwners.get(client.id);
    if (bound === INTERNAL_USER) {
      this.opts.log.warn({ remote, client: client.id }, "MQTT client refused: that client id is Loop's own");
      return authError('client id reserved', 2);
    }
    if (this.opts.clientIdBinding !== false && bound !== undefined && bound !== owner) {
      this.opts.log.warn({ remote, client: client.id }, 'MQTT client refused: that client id belongs to another user');
      return authError('client id in use by another user', 2);
    }
    if (bound === undefined) this.bindId(client.id, owner);
    const acl = new ClientAcl(this.acl, username, client.id);
    c[INFO] = { internal: false, owner, acl, checkForward: acl.hasDeny };
    deliverAtHighestQos(c);
    return null;
  }

  private bindId(id: string, owner: string): void {
    this.idOwners.set(id, owner);
    if (this.idOwners.size <= MAX_BOUND_IDS) return;
    for (const [k, v] of this.idOwners) {
      if (v === INTERNAL_USER) continue;
      this.idOwners.delete(k);
      break;
    }
  }

  /** Outside clients send commands within their ACL; they never forge $SYS, Loop's state or answers. */
  private authorizePublish(client: Client | null, packet: PublishPacket): Error | null {
    const info = client ? (client as LoopClient)[INFO] : undefined;
    const topic = packet.topic;
    if (info?.internal) {
      if (packet.retain) this.quota.take(null, topic, packet.payload.length);
      return null;
    }
    const why = this.publishRefusal(info, packet);
    if (why) {
      this.opts.log.warn({ client: client?.id, topic: topic.slice(0, 200) }, `MQTT publish refused: ${why}`);
      return new Error(`publish on ${topic.slice(0, 200)} refused: ${why}`);
    }
    return null;
  }

  private publishRefusal(info: ClientInfo | undefined, packet: PublishPacket): string | null {
    const topic = packet.topic;
    if (topic.startsWith('$')) return "$ topics are the broker's";
    const base = this.opts.baseTopic + '/';
    const empty = packet.payload.length === 0;
    if (topic.startsWith(base)) {
      const rel = topic.slice(base.length);
      if (!isCommandTopic(rel)) return "Loop's state and response topics are Loop's";
      // Clearing a retained command (empty payload) stays allowed, so an old one can be removed.
      if (packet.retain && !empty) return 'commands may not be retained (a retained command would replay)';
    }
    if (!info?.acl) return 'not authenticated';
    if (!info.acl.canPublish(topic)) return 'not allowed by the ACL';
    if (packet.retain) return this.quota.take(info.owner, topic, packet.payload.length);
    return null;
  }

  /** null = refused (SUBACK 0x80). */
  private authorizeSubscribe(client: Client, sub: Subscription): Subscription | null {
    const info = (client as LoopClient)[INFO];
    if (info?.internal) return sub;
    if (info?.acl?.canSubscribe(sub.topic)) return sub;
    this.opts.log.info({ client: client.id, topic: sub.topic.slice(0, 200) }, 'MQTT subscription refused by the ACL');
    return null;
  }

  /** Per message and subscriber: kept to a property read and a prefix test in the common case. */
  private authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
    const info = (client as LoopClient)[INFO];
    if (info === undefined || info.internal) return packet;
    const topic = packet.topic;
    // Answers to Loop's own requests (REST calls, the web page) are nobody else's business.
    if (topic.startsWith(this.responsePrefix) && packet.payload.includes(`"transaction":"${INTERNAL_TRANSACTION_PREFIX}`)) return null;
    if (info.checkForward && !info.acl?.canRead(topic)) return null;
    // Aedes caps the QoS only by a subscription spelled exactly like the topic; a wildcard
    // subscription at QoS 1 would get QoS 2 messages (MQTT-3.8.4-6). Cap by the matching ones.
    if (packet.qos > 0) packet.qos = Math.min(packet.qos, highestMatchingQos(client as LoopClient, topic)) as 0 | 1 | 2;
    return packet;
  }

  get connectedClients(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  async close(): Promise<void> {
    // End outside connections first so what was just published (bridge/state offline) is flushed
    // to them; aedes.close() would destroy the sockets with data still queued. Aedes forwards a
    // publish a few ticks after it acknowledges it, hence the short grace period.
    if (this.sockets.size > 0) await new Promise((r) => setTimeout(r, 100));
    await Promise.all(
      [...this.sockets].map(
        (s) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 500);
            s.once('close', () => {
              clearTimeout(t);
              resolve();
            });
            s.end();
          }),
      ),
    );
    if (this.aedes) await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    if (this.tcp) {
      const tcp = this.tcp;
      this.tcp = null;
      // server.close() waits for open connections; outside clients must not hold shutdown up.
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const s of this.sockets) s.destroy();
      await closed;
    }
  }
}

/**
 * Aedes sweeps, every four heartbeats, the wills of brokers it has not heard from in three, judged
 * by the wall clock: a clock stepped forward (NTP's first sync on a Pi) made this broker look dead
 * to itself, and the wills of live clients went out (Loop's own `bridge/state` offline among them).
 * The sweep is for brokers sharing a persistence; this one is alone with its in-memory persistence,
 * so there are never other brokers' wills to find. Wills of clients that leave go out as before.
 */
function withoutForeignWillSweep(aedes: Aedes): void {
  (aedes as unknown as { persistence: { streamWill: () => Readable } }).persistence.streamWill = () => Readable.from([]);
}

/** The highest QoS among the client's subscriptions that match `topic` (-1 when none does). */
function highestMatchingQos(client: LoopClient, topic: string): number {
  const t = topic.split('/');
  let best = -1;
  for (const filter in client.subscriptions) {
    const qos = client.subscriptions[filter]?.qos ?? 0;
    if (qos > best && matchLevels(filter.split('/'), t)) best = qos;
  }
  return best;
}

/**
 * Aedes delivers a message once per client, through whichever overlapping subscription fires
 * first; at QoS 0 when that one is QoS 0. MQTT-3.3.5-1 wants the highest of the matching
 * subscriptions, so a QoS 0 delivery of a QoS 1/2 message takes the QoS path when another
 * matching subscription asks for it (authorizeForward then caps it). QoS 0 traffic pays one compare.
 */
function deliverAtHighestQos(client: LoopClient): void {
  const deliver0 = client.deliver0;
  client.deliver0 = (packet, cb) => {
    if (packet.qos > 0 && highestMatchingQos(client, packet.topic) > 0) client.deliverQoS(packet, cb);
    else deliver0(packet, cb);
  };
}

/**
 * A stored message that already went out (it has a packet id) is a redelivery when a persistent
 * session resumes: MQTT-3.3.1-1 wants DUP set on it, which Aedes' resend does not do.
 */
function markRedeliveries(aedes: Aedes): void {
  const persistence = (aedes as unknown as { persistence: { outgoingStream(client: Client): Readable } }).persistence;
  const stream = persistence.outgoingStream.bind(persistence);
  persistence.outgoingStream = (client) =>
    stream(client).map((p: { cmd?: string; messageId?: number; dup?: boolean }) => {
      if (p.cmd === 'publish' && p.messageId !== undefined) p.dup = true;
      return p;
    });
}

function remoteAddress(client: Client): string | undefined {
  const conn = client.conn as Partial<Socket>;
  return conn.remoteAddress ?? client.req?.socket.remoteAddress;
}

function authError(message: string, returnCode: number): AuthenticateError {
  const err = new Error(message) as AuthenticateError;
  (err as { returnCode: number }).returnCode = returnCode;
  return err;
}
