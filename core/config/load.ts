// Config = config/default.yaml, overlaid by a user file, overlaid by LOOP_<SECTION>_<KEY> variables.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { defaultConfigPath } from '../paths.js';
import { sanitiseDeviceId } from '../protocol/topics.js';
import { configSchemaFor, coreSections, type LoopConfig, type PluginSchemas } from './schema.js';
import { checkOnce, type Problem } from './validate.js';
import { pluginListProblems } from './plugin-list.js';
import { pinnedSettings, type PinnedSettings } from './owner-settings.js';

export class ConfigError extends Error {
  constructor(
    readonly problems: Problem[],
    readonly source: string,
  ) {
    super(`invalid config (${source}):\n` + problems.map((p) => `  ${p.path}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge; arrays and scalars in `over` replace those in `base`. */
export function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isTree(v) && isTree(out[k]) ? merge(out[k], v) : v;
  return out;
}

export function readYamlFile(path: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: '(file)', message: `cannot read ${path}: ${(err as Error).message}` }], path);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (err) {
    throw new ConfigError([{ path: '(file)', message: `not valid YAML: ${(err as Error).message.split('\n')[0]}` }], path);
  }
  if (!isTree(doc)) throw new ConfigError([{ path: '(root)', message: 'expected a mapping of sections' }], path);
  return doc;
}

/**
 * LOOP_HTTP_PORT=8081 → http.port = 8081. The section is the longest known section name that
 * prefixes the variable; the rest is the key (`__` descends a level). Values are YAML scalars.
 */
export function envOverrides(env: NodeJS.ProcessEnv, sections: string[]): Tree {
  const out: Tree = {};
  const known = [...sections].sort((a, b) => b.length - a.length);
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('LOOP_') || raw === undefined) continue;
    const rest = name.slice(5).toLowerCase();
    const section = known.find((s) => rest === s || rest.startsWith(`${s}_`));
    if (!section) continue;
    let value: unknown;
    try {
      value = parseYaml(raw);
    } catch {
      value = raw;
    }
    if (rest === section) {
      out[section] = value;
      continue;
    }
    const keys = rest.slice(section.length + 1).split('__');
    let node = (out[section] ??= {}) as Tree;
    keys.slice(0, -1).forEach((k) => (node = (node[k] ??= {}) as Tree));
    node[keys[keys.length - 1] as string] = value;
  }
  return out;
}

export interface LoadOptions {
  /** The built-in plugins' config sections (app/builtin.ts). */
  plugins: PluginSchemas;
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
}
export interface LoadedConfig {
  config: LoopConfig;
  deviceId: string;
  sources: string[];
  /** Owner settings the user's file or LOOP_* variables set: they win over the page (core/config/owner-settings.ts). */
  pinned: PinnedSettings;
}

export function loadConfig(opts: LoadOptions): LoadedConfig {
  const env = opts.env ?? process.env;
  let tree = readYamlFile(defaultConfigPath);
  const sources = [defaultConfigPath];
  let baseDir = process.cwd();
  const file = opts.file ?? env.LOOP_CONFIG;
  let user: Tree = {};
  if (file) {
    user = readYamlFile(file);
    tree = merge(tree, user);
    sources.push(file);
    baseDir = dirname(resolve(file));
  }
  const sections = [...Object.keys(coreSections), ...Object.keys(opts.plugins), ...Object.keys(tree)];
  const fromEnv = envOverrides(env, sections);
  tree = merge(tree, fromEnv);
  if (Object.keys(fromEnv).length) sources.push('environment');
  const problems = [...validateConfig(tree, opts.plugins), ...pluginListProblems(tree.plugins, baseDir, opts.plugins)];
  if (problems.length) throw new ConfigError(problems, sources.join(' + '));
  const config = tree as LoopConfig;
  // A relative data dir is relative to the user file (or to where Loop was started).
  if (!isAbsolute(config.data.dir)) config.data.dir = resolve(baseDir, config.data.dir);
  const deviceId = sanitiseDeviceId(config.device.id ?? hostname());
  return { config, deviceId, sources, pinned: pinnedSettings(user, fromEnv) };
}

/**
 * Core and built-in plugin sections are checked here; a section for a third-party plugin named in
 * `plugins` is checked by the host against that plugin's schema when it loads.
 */
export function validateConfig(tree: Tree, plugins: PluginSchemas): Problem[] {
  const listed = Array.isArray(tree.plugins) ? tree.plugins.filter((p): p is string => typeof p === 'string') : [];
  const external = new Set(listed.filter((p) => !(p in plugins)).map(externalPluginSection));
  const checked: Tree = {};
  for (const [k, v] of Object.entries(tree)) if (!external.has(k)) checked[k] = v;
  return checkOnce(configSchemaFor(plugins), checked);
}

/** `./plugins/my-thing` or `loop-plugin-my-thing` → section `my_thing`... by convention the plugin's id. */
export function externalPluginSection(spec: string): string {
  const base = spec.replace(/\/+$/, '').split('/').pop() ?? spec;
  return base
    .replace(/^loop-plugin-/, '')
    .replace(/\.[cm]?js$/, '')
    .replace(/-/g, '_');
}
