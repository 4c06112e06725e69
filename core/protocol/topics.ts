// Every topic under the base topic `<base>/<device_id>/`, and the payload each carries.
// Like Zigbee2MQTT's api.ts: one typed map, imported by plugins, gateway, tests and web.
import type { TSchema } from '@sinclair/typebox';
import { BridgeEvent } from './envelope.js';
import { BridgeInfo, BridgeState } from './bridge.js';
import { SystemState } from './system.js';
import { PlayerPosition, PlayerState } from './player.js';
import { LoopState } from './loop.js';
import { MediaEvent, MediaProgress, MediaState } from './media.js';
import { HaClip, HaLastError } from './homeassistant.js';
import { WifiNetworks, WifiState } from './wifi.js';
import { DisplayState } from './display.js';
import { OwnerSettingsReport } from './settings.js';
import type { Static } from '@sinclair/typebox';

/** Topic (relative to the base topic) → payload schema. Retained topics are listed in `retainedTopics`. */
export const topicSchemas = {
  'bridge/state': BridgeState,
  'bridge/info': BridgeInfo,
  'bridge/event': BridgeEvent,
  system: SystemState,
  player: PlayerState,
  'player/position': PlayerPosition,
  loop: LoopState,
  media: MediaState,
  'media/progress': MediaProgress,
  'media/event': MediaEvent,
  wifi: WifiState,
  'homeassistant/last_error': HaLastError,
  'homeassistant/clip': HaClip,
  'wifi/networks': WifiNetworks,
  display: DisplayState,
  settings: OwnerSettingsReport,
} satisfies Record<string, TSchema>;

export type TopicName = keyof typeof topicSchemas;
export type TopicPayload<T extends TopicName> = Static<(typeof topicSchemas)[T]>;

/** State topics: published retained, so a subscriber gets the current value at once. */
export const retainedTopics: readonly TopicName[] = [
  'bridge/state',
  'bridge/info',
  'system',
  'player',
  'loop',
  'media',
  'wifi',
  'wifi/networks',
  'display',
  'settings',
  'homeassistant/last_error',
  'homeassistant/clip',
];

export const requestTopic = (plugin: string, action: string): string => `bridge/request/${plugin}/${action}`;
export const responseTopic = (plugin: string, action: string): string => `bridge/response/${plugin}/${action}`;
export const setTopic = (plugin: string): string => `${plugin}/set`;

/** Topics that plugins must not publish on; outside clients may not either (see broker authorisation). */
export const isCommandTopic = (rel: string): boolean => rel.startsWith('bridge/request/') || rel.endsWith('/set') || rel === 'set';
/** State topics keep a last value; commands and responses are not state. */
export const isStateTopic = (rel: string): boolean => !isCommandTopic(rel) && !rel.startsWith('bridge/response/');

/** `loop/<device_id>`: the device id is sanitised so it is one topic level. */
export function baseTopic(prefix: string, deviceId: string): string {
  return `${prefix}/${deviceId}`;
}
/** `loop/group/<name>`: `<plugin>/set` below it reaches every player that lists the group in mqtt.groups. */
export function groupTopic(prefix: string, group: string): string {
  return `${prefix}/group/${group}`;
}
export function sanitiseDeviceId(raw: string): string {
  const id = raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return id === 'group' ? 'group-1' : id || 'loop';
}
