// What one Home Assistant entity is, as data: its component id, platform, the plugin it needs,
// and its discovery options (full option names, topics made absolute by the Topics given).
import type { HomeassistantConfig } from './config.js';

export const PLATFORMS = ['sensor', 'binary_sensor', 'button', 'switch', 'select', 'number', 'image', 'notify'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface Topics {
  /** Absolute topic of a state topic under the base topic (`player` → `loop/<id>/player`). */
  state(rel: string): string;
  /** Absolute `<plugin>/set` topic. */
  set(plugin: string): string;
}

export interface EntityContext {
  readonly t: Topics;
  /** The clip select's options: unique human names of the playable library items. */
  readonly clipNames: readonly string[];
  readonly config: HomeassistantConfig;
}

export interface EntityDef {
  /** Component id in `cmps`, and the end of its unique_id. */
  readonly id: string;
  readonly platform: Platform;
  /** The plugin whose topics it uses: announced only while that plugin runs (per bridge/info). */
  readonly needs: string;
  readonly options: (c: EntityContext) => Record<string, unknown>;
  /** Announced only when this says so (e.g. a select needs at least one option). */
  readonly enabled?: (c: EntityContext) => boolean;
}

/** `{{ 'ON' if <cond> else 'OFF' }}`: the default payloads of binary sensors and switches. */
export const onOff = (cond: string): string => `{{ 'ON' if ${cond} else 'OFF' }}`;
