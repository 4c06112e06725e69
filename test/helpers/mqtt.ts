// A real mqtt.js client over TCP, with "wait for the next matching message" for tests.
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { withDeadline } from './wait.js';
import { Waiters } from '../../core/util/pending.js';

export interface Received {
  topic: string;
  payload: Buffer;
  json: unknown;
  retain: boolean;
}

export interface TestMqtt {
  client: MqttClient;
  received: Received[];
  subscribe(filter: string): Promise<void>;
  publish(topic: string, payload: string | object, opts?: { retain?: boolean; qos?: 0 | 1 }): Promise<void>;
  /** Resolves with the first message (already received or future) after `since` that matches. */
  next(pred: (m: Received) => boolean, timeoutMs?: number, since?: number): Promise<Received>;
  mark(): number;
  end(): Promise<void>;
}

export async function connectMqtt(url: string, opts: IClientOptions = {}): Promise<TestMqtt> {
  const client = connect(url, { protocolVersion: 4, reconnectPeriod: 200, connectTimeout: 5000, ...opts });
  await withDeadline(
    new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    }),
    5000,
    `MQTT connect to ${url}`,
  );
  const received: Received[] = [];
  const waiters = new Waiters<Received>();
  client.on('message', (topic, payload, packet) => {
    let json: unknown = undefined;
    try {
      json = JSON.parse(payload.toString());
    } catch {
      /* not JSON */
    }
    const m: Received = { topic, payload, json, retain: packet.retain };
    received.push(m);
    waiters.offer(m);
  });
  return {
    client,
    received,
    subscribe: (filter) => new Promise((resolve, reject) => client.subscribe(filter, { qos: 1 }, (err) => (err ? reject(err) : resolve()))),
    publish: (topic, payload, o = {}) =>
      new Promise((resolve, reject) => {
        client.publish(
          topic,
          typeof payload === 'string' ? payload : JSON.stringify(payload),
          { qos: o.qos ?? 1, retain: o.retain ?? false },
          (err) => (err ? reject(err) : resolve()),
        );
      }),
    mark: () => received.length,
    next: (pred, timeoutMs = 5000, since = 0) => {
      const hit = received.slice(since).find(pred);
      if (hit) return Promise.resolve(hit);
      return waiters.wait(pred, timeoutMs, () => new Error(`timed out after ${timeoutMs} ms waiting for an MQTT message`));
    },
    end: () => new Promise((resolve) => client.end(true, {}, () => resolve())),
  };
}
