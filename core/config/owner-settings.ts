// The owner's settings as config: which config key each whitelisted setting is (a table), how the
// stored choice overlays the config at start, and which settings the user's file or LOOP_*
// variables pin. Pure: the document's life is in owner-store.ts. Why an overlay and not a rewrite
// of the user's YAML: docs/architecture.md, "Decisions and why".
import type { DocumentOptions } from '../store/load.js';
import { OwnerSettingsChoice, OWNER_SETTING_NAMES, type OwnerSettingName, type OwnerSettingsValues } from '../protocol/settings.js';
import type { LoopConfig } from './schema.js';

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Where a setting lives in the config tree. */
interface SettingPlace<V> {
  read(tree: Tree): V | undefined;
  /** A copy of `tree` with the setting at `value`. */
  write(tree: Tree, value: V): Tree;
  /** Whether a partial tree (the user's file, the LOOP_* variables) sets it. */
  setIn(tree: Tree): boolean;
  /** live: the plugin follows the `settings` topic; restart: read once at start. */
  applies: 'live' | 'restart';
}

function atPath<V>(path: readonly string[], applies: 'live' | 'restart'): SettingPlace<V> {
  const read = (tree: Tree): unknown => path.reduce<unknown>((node, key) => (isTree(node) ? node[key] : undefined), tree);
  const write = (tree: Tree, value: V, depth = 0): Tree => {
    const key = path[depth] as string;
    if (depth === path.length - 1) return { ...tree, [key]: value };
    const child = tree[key];
    return { ...tree, [key]: write(isTree(child) ? child : {}, value, depth + 1) };
  };
  return { read: (t) => read(t) as V | undefined, write: (t, v) => write(t, v), setIn: (t) => read(t) !== undefined, applies };
}

const HA = 'homeassistant';
const pluginList = (tree: Tree): string[] | undefined =>
  Array.isArray(tree.plugins) ? tree.plugins.filter((p): p is string => typeof p === 'string') : undefined;

/** Each setting's place, as data. Home Assistant on/off is whether its plugin is in `plugins`. */
export const SETTING_PLACES: { [K in OwnerSettingName]: SettingPlace<OwnerSettingsValues[K]> } = {
  device_name: atPath(['device', 'name'], 'restart'),
  fit: atPath(['media', 'display', 'fit'], 'live'),
  timeline: atPath(['player', 'timeline'], 'restart'),
  homeassistant: {
    read: (tree) => {
      const list = pluginList(tree);
      return list ? list.includes(HA) : undefined;
    },
    write: (tree, on) => {
      const list = (pluginList(tree) ?? []).filter((p) => p !== HA);
      return { ...tree, plugins: on ? [...list, HA] : list };
    },
    setIn: (tree) => pluginList(tree) !== undefined,
    applies: 'restart',
  },
};

/** Loop's own value when a config has none (a config without the plugin's section). */
const FALLBACK: OwnerSettingsValues = { device_name: 'Loop', fit: 'blur', timeline: 'auto', homeassistant: false };

/** The settings' values in a config. */
export function settingValues(config: LoopConfig): OwnerSettingsValues {
  const tree = config as Tree;
  return {
    device_name: SETTING_PLACES.device_name.read(tree) ?? FALLBACK.device_name,
    fit: SETTING_PLACES.fit.read(tree) ?? FALLBACK.fit,
    timeline: SETTING_PLACES.timeline.read(tree) ?? FALLBACK.timeline,
    homeassistant: SETTING_PLACES.homeassistant.read(tree) ?? FALLBACK.homeassistant,
  };
}

/** Settings the user's file or the LOOP_* variables set: the owner cannot change them from the page. */
export type PinnedSettings = Partial<Record<OwnerSettingName, 'file' | 'environment'>>;

export function pinnedSettings(file: Tree, env: Tree): PinnedSettings {
  const pinned: PinnedSettings = {};
  for (const name of OWNER_SETTING_NAMES) {
    if (SETTING_PLACES[name].setIn(env)) pinned[name] = 'environment';
    else if (SETTING_PLACES[name].setIn(file)) pinned[name] = 'file';
  }
  return pinned;
}

/**
 * The config with the owner's choice laid over it: defaults < owner < file < environment, so a
 * setting the file or a variable pins keeps its value. Returns a new tree; `config` is not changed.
 */
export function overlayConfig(config: LoopConfig, choice: OwnerSettingsChoice, pinned: PinnedSettings): LoopConfig {
  let tree = config as Tree;
  for (const name of OWNER_SETTING_NAMES) {
    const value = choice[name];
    if (value === undefined || pinned[name]) continue;
    tree = (SETTING_PLACES[name] as SettingPlace<typeof value>).write(tree, value);
  }
  return tree as LoopConfig;
}

/** `state/settings.json`: core's own document (not a plugin's), opened by the runtime before any plugin starts. */
export const OWNER_SETTINGS_DOCUMENT = 'settings';

export const ownerSettingsDocument: DocumentOptions<OwnerSettingsChoice> = {
  version: 1,
  schema: OwnerSettingsChoice,
  defaults: () => ({}),
};
