// Makes the bus's mqtt.js client: over an in-memory stream to the embedded broker, or over the
// network to an external one. Either way: last will `bridge/state` offline, backoff on reconnect.
import { Backoff } from '../util/backoff.js';
import { randomBytes } from 'node:crypto';
import { MqttClient, connect, type IClientOptions } from 'mqtt';
import type { Logger } from 'pino';
import type { EmbeddedBroker } from '../broker/embedded.js';
import { duplexPair } from './duplex-pair.js';

export interface ConnectOptions {
  baseTopic: string;
  deviceId: string;
  log: Logger;
  /** External broker URL; null = the embedded broker. */
  url: string | null;
  username?: string | null;
  password?: string | null;
  broker?: EmbeddedBroker;
  /** Seconds; the broker publishes the last will (bridge/state offline) after 1.5 × this without a packet. */
  keepalive?: number;
}

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

export function createMqttClient(opts: ConnectOptions): MqttClient {
  const options: IClientOptions = {
    clientId: `loop_${opts.deviceId}_${randomBytes(3).toString('hex')}`,
    protocolVersion: 4,
    clean: true,
    keepalive: opts.keepalive ?? 30,
    reconnectPeriod: MIN_BACKOFF_MS,
    connectTimeout: 10_000,
    // mqtt-packet would otherwise pre-build 65,536 two-byte Buffers (~7 MB of heap) shared with Aedes.
    writeCache: false,
    will: { topic: `${opts.baseTopic}/bridge/state`, payload: Buffer.from(JSON.stringify({ state: 'offline' })), retain: true, qos: 1 },
  };
  let client: MqttClient;
  if (opts.url) {
    if (opts.username) options.username = opts.username;
    if (opts.password) options.password = opts.password;
    client = connect(opts.url, options);
  } else {
    const broker = opts.broker;
    if (!broker) throw new Error('embedded mode needs the broker');
    const creds = broker.internalCredentials;
    options.username = creds.username;
    options.password = creds.password;
    client = new MqttClient(() => {
      const [ours, theirs] = duplexPair();
      broker.handle(theirs);
      return ours;
    }, options);
  }
  // Exponential backoff with jitter: mqtt.js retries at a fixed period, so we widen it ourselves.
  const backoff = new Backoff({ minMs: MIN_BACKOFF_MS, maxMs: MAX_BACKOFF_MS });
  client.on('close', () => {
    client.options.reconnectPeriod = backoff.next();
  });
  client.on('connect', () => {
    backoff.reset();
    client.options.reconnectPeriod = MIN_BACKOFF_MS;
  });
  client.on('error', (err) => opts.log.warn({ err: err.message }, 'MQTT connection error'));
  client.on('offline', () => opts.log.warn('MQTT broker unreachable; reconnecting with backoff'));
  return client;
}
