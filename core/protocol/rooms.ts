// The /ws rooms a page joins (the first version's names) and which topic becomes which room and
// event: part of the contract, as data, so the gateway and the page (its polling fallback) read the
// same table and the page never imports the gateway's code.
import type { TopicName } from './topics.js';

export const ROOMS = ['dashboard', 'progress', 'wifi', 'system'] as const;
export type Room = (typeof ROOMS)[number];

// Topic → room and event: the whole mapping of the bus onto the first version's rooms, as data.
// First matching route wins; `when` compares fields of the payload; `shape` names the transform
// into the first version's words (v1.ts). The page reads this table too (its polling fallback).

export type Shape = 'as_is' | 'player' | 'loop' | 'slug' | 'library' | 'media_event';

export interface Route {
  /** A topic of the contract (core/protocol/topics.ts), so every routed payload has a declared schema. */
  topic: TopicName;
  /** Payload fields that must equal these values for the route to apply. */
  when?: Record<string, string>;
  /** 'all' = every connected client, whatever it subscribed to (errors). */
  room: Room | 'all';
  event: string;
  /** How the first version's clients get the payload (v1.ts); clients of the contract get it as is. */
  shape: Shape;
  /** The change also refreshes the dashboard document (dashboard_update, coalesced). */
  dashboard?: boolean;
  /** A slow client may get only the newest of these (progress-like events). */
  coalesce?: boolean;
}

export const ROUTES: readonly Route[] = [
  { topic: 'player', room: 'dashboard', event: 'playback_changed', shape: 'player', dashboard: true },
  { topic: 'player/position', room: 'dashboard', event: 'playback_position', shape: 'as_is', coalesce: true },
  { topic: 'loop', room: 'dashboard', event: 'loop_updated', shape: 'loop', dashboard: true },
  { topic: 'media', room: 'dashboard', event: 'media_updated', shape: 'library', dashboard: true, coalesce: true },
  { topic: 'media/event', when: { type: 'added' }, room: 'dashboard', event: 'media_uploaded', shape: 'media_event' },
  { topic: 'media/event', when: { type: 'deleted' }, room: 'dashboard', event: 'media_deleted', shape: 'slug' },
  { topic: 'media/event', when: { type: 'failed' }, room: 'dashboard', event: 'media_failed', shape: 'media_event' },
  { topic: 'media/progress', when: { stage: 'uploading' }, room: 'progress', event: 'upload_progress', shape: 'as_is', coalesce: true },
  { topic: 'media/progress', room: 'progress', event: 'processing_progress', shape: 'as_is', coalesce: true, dashboard: true },
  { topic: 'wifi', room: 'wifi', event: 'wifi_status_changed', shape: 'as_is', dashboard: true },
  { topic: 'wifi/networks', room: 'wifi', event: 'wifi_networks', shape: 'as_is' },
  { topic: 'display', room: 'dashboard', event: 'display_changed', shape: 'as_is' },
  { topic: 'system', room: 'system', event: 'system_status_changed', shape: 'as_is' },
  { topic: 'settings', room: 'system', event: 'settings_changed', shape: 'as_is' },
  { topic: 'bridge/info', room: 'system', event: 'bridge_info', shape: 'as_is' },
  { topic: 'bridge/state', room: 'system', event: 'bridge_state', shape: 'as_is' },
  { topic: 'bridge/event', when: { level: 'error' }, room: 'all', event: 'error', shape: 'as_is' },
  { topic: 'bridge/event', room: 'system', event: 'notification', shape: 'as_is' },
];

/** Topics whose last value is a room's snapshot on (re)subscribe. */
export const SNAPSHOT_TOPICS: readonly TopicName[] = [
  'player',
  'loop',
  'wifi',
  'wifi/networks',
  'display',
  'system',
  'settings',
  'bridge/info',
];

export function routeFor(topic: string, payload: Record<string, unknown>): Route | undefined {
  return ROUTES.find((r) => r.topic === topic && (!r.when || Object.entries(r.when).every(([k, v]) => payload[k] === v)));
}
