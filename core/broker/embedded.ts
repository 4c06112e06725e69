// The embedded Aedes broker: in-process for Loop's own client, TCP for outside clients
// (Home Assistant, Node-RED), and MQTT over WebSocket when the HTTP server offers /mqtt.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { Aedes, AuthenticateError, Client } from 'aedes';
import type { Logger } from 'pino';
import { readPasswordFile, verifyPassword } from './passwords.js';

export interface BrokerOptions {
  listen: boolean;
  host: string;
  port: number;
  allowAnonymous: boolean | 'loopback';
  users: Array<{ username: string; password_hash: string }>;
  passwordFile: string | null;
  /** Absolute prefix of Loop's own topics: outside clients may not publish state there. */
  baseTopic: string;
  log: Logger;
}

export const INTERNAL_USER = '$loop-internal';

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

export class EmbeddedBroker {
  private aedes!: Aedes;
  private tcp: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly internalSecret = randomBytes(24);
  private readonly users: Map<string, string>;
  port: number | null = null;

  constructor(private readonly opts: BrokerOptions) {
    const list = [...opts.users, ...(opts.passwordFile ? readPasswordFile(opts.passwordFile) : [])];
    this.users = new Map(list.map((u) => [u.username, u.password_hash]));
  }

  get internalCredentials(): { username: string; password: Buffer } {
    return { username: INTERNAL_USER, password: this.internalSecret };
  }

  async start(): Promise<void> {
    const { Aedes } = await import('aedes');
    this.aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => done(...this.authenticate(client, username, password)),
      authorizePublish: (client, packet, cb) => cb(this.authorizePublish(client, packet.topic)),
    });
    this.aedes.on('clientError', (client, err) => this.opts.log.debug({ client: client.id, err: err.message }, 'mqtt client error'));
    if (this.opts.listen) {
      const server = createServer({ noDelay: true }, (socket: Socket) => {
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
        this.aedes.handle(socket);
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE'
          ? new Error(`MQTT port ${this.opts.port} on ${this.opts.host} is in use (another broker?). Set mqtt.port (LOOP_MQTT_PORT), mqtt.listen: false, or mqtt.url to use that broker.`)
          : err));
        server.listen(this.opts.port, this.opts.host, () => resolve());
      });
      const addr = server.address();
      this.port = typeof addr === 'object' && addr ? addr.port : this.opts.port;
      this.tcp = server;
      this.opts.log.info({ host: this.opts.host, port: this.port }, 'MQTT broker listening');
    }
  }

  /** Hands a stream (in-process pair or a WebSocket) to the broker. */
  handle(stream: Duplex, req?: IncomingMessage): void {
    this.aedes.handle(stream, req);
  }

  private authenticate(client: Client, username: string | undefined, password: Buffer | undefined): [AuthenticateError | null, boolean | null] {
    if (username === INTERNAL_USER) {
      const ok = !!password && password.length === this.internalSecret.length && timingSafeEqual(password, this.internalSecret);
      if (ok) internalClients.add(client);
      return ok ? [null, true] : [authError('internal credentials rejected'), false];
    }
    if (username !== undefined) {
      const hash = this.users.get(username);
      if (hash && password && verifyPassword(password, hash)) return [null, true];
      this.opts.log.warn({ username, remote: remoteAddress(client) }, 'MQTT login refused');
      return [authError('bad username or password'), false];
    }
    const anon = this.opts.allowAnonymous;
    if (anon === true) return [null, true];
    if (anon === 'loopback' && isLoopback(client)) return [null, true];
    this.opts.log.warn({ remote: remoteAddress(client) }, 'anonymous MQTT client refused');
    return [authError('credentials required'), false];
  }

  /** Outside clients may send commands, not forge Loop's state or responses. */
  private authorizePublish(client: Client | null, topic: string): Error | null {
    if (!client || isInternal(client)) return null;
    const base = this.opts.baseTopic + '/';
    if (!topic.startsWith(base)) return null;
    const rel = topic.slice(base.length);
    if (rel.startsWith('bridge/request/') || rel === 'set' || rel.endsWith('/set')) return null;
    return new Error(`clients may not publish on ${topic}`);
  }

  get connectedClients(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  async close(): Promise<void> {
    // End outside connections first so what was just published (bridge/state offline) is flushed
    // to them; aedes.close() would destroy the sockets with data still queued. Aedes forwards a
    // publish a few ticks after it acknowledges it, hence the short grace period.
    if (this.sockets.size > 0) await new Promise((r) => setTimeout(r, 100));
    await Promise.all([...this.sockets].map((s) => new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 500);
      s.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      s.end();
    })));
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

const internalClients = new WeakSet<Client>();
const isInternal = (client: Client): boolean => internalClients.has(client);

function remoteAddress(client: Client): string | undefined {
  const conn = client.conn as Partial<Socket>;
  return conn.remoteAddress ?? client.req?.socket.remoteAddress;
}

function isLoopback(client: Client): boolean {
  const addr = remoteAddress(client);
  return addr !== undefined && LOOPBACK.test(addr);
}

function authError(message: string): AuthenticateError {
  const err = new Error(message) as AuthenticateError;
  (err as { returnCode: number }).returnCode = 4;
  return err;
}
