// `loop homeassistant remove`: takes this device out of Home Assistant. It tells a running Loop's
// plugin to stop announcing (bridge/request/homeassistant/remove) and clears the retained
// discovery payload itself, so it also works when the plugin is already turned off.
import { connect } from 'mqtt';
import type { LoopConfig } from '../../core/config/schema.js';
import { baseTopic, requestTopic } from '../../core/protocol/index.js';
import { discoveryTopic } from './discovery.js';

export async function removeFromHomeAssistant(config: LoopConfig, deviceId: string): Promise<string> {
  const prefix = (config.homeassistant as { discovery_prefix?: string } | undefined)?.discovery_prefix ?? 'homeassistant';
  const topic = discoveryTopic(prefix, deviceId);
  const url = config.mqtt.url ?? `mqtt://127.0.0.1:${config.mqtt.port}`;
  const client = connect(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...(config.mqtt.url && config.mqtt.username ? { username: config.mqtt.username } : {}),
    ...(config.mqtt.url && config.mqtt.password ? { password: config.mqtt.password } : {}),
  });
  const publish = (t: string, body: string, retain: boolean) =>
    new Promise<void>((resolve, reject) => {
      client.publish(t, body, { qos: 1, retain }, (err) => (err ? reject(err) : resolve()));
    });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', (err) => reject(new Error(`cannot reach the broker at ${url}: ${err.message}`)));
      client.once('close', () => reject(new Error(`cannot reach the broker at ${url}`)));
    });
    await publish(`${baseTopic(config.mqtt.base_topic, deviceId)}/${requestTopic('homeassistant', 'remove')}`, '{}', false);
    await publish(topic, '', true);
  } finally {
    await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
  }
  return topic;
}
