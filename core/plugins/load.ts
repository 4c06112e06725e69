// Finds a plugin's module: a built-in id, a folder or file path, or an npm package name.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TSchema } from '@sinclair/typebox';
import type { LoopPlugin, PluginFactory } from './api.js';
import type { BuiltinCatalog } from '../parts.js';
import { checkOnce } from '../config/validate.js';
import { ButtonEntity, SensorEntity, type PluginEntity } from '../protocol/index.js';

export interface LoadedPlugin {
  spec: string;
  source: string;
  plugin: LoopPlugin;
}

export async function loadPlugin(spec: string, baseDir: string, builtins: BuiltinCatalog): Promise<LoadedPlugin> {
  const builtin = builtins[spec];
  let mod: { default?: unknown };
  let source: string;
  if (builtin) {
    mod = await builtin.load();
    source = 'builtin';
  } else if (spec.startsWith('.') || isAbsolute(spec)) {
    const path = entryOf(resolve(baseDir, spec));
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
    source = path;
  } else {
    mod = (await import(spec)) as { default?: unknown };
    source = `npm:${spec}`;
  }
  const factory = mod.default;
  if (typeof factory !== 'function') throw new Error(`plugin "${spec}" has no default export factory`);
  const plugin = (factory as PluginFactory)();
  if (
    !plugin ||
    typeof plugin.id !== 'string' ||
    typeof plugin.start !== 'function' ||
    typeof plugin.actions !== 'object' ||
    plugin.actions === null
  ) {
    throw new Error(`plugin "${spec}" factory did not return {id, configSchema, actions, start}`);
  }
  const wrong = entityProblems(plugin);
  if (wrong.length) throw new Error(`plugin "${spec}" declares Home Assistant entities wrongly: ${wrong.join('; ')}`);
  return { spec, source, plugin };
}

/** The schema of each platform a plugin may declare (checked one by one: a union's errors would list every form). */
const ENTITY_SCHEMAS: Readonly<Record<string, TSchema>> = { sensor: SensorEntity, button: ButtonEntity };
const MAX_ENTITIES = 64;

/** A plugin's declared entities: each of its platform's shape, ids unique, buttons bound to declared actions. */
function entityProblems(plugin: LoopPlugin): string[] {
  const declared: unknown = plugin.entities;
  if (declared === undefined) return [];
  if (!Array.isArray(declared) || declared.length > MAX_ENTITIES) return [`entities: must be a list of at most ${MAX_ENTITIES}`];
  const problems: string[] = [];
  const ids = new Set<string>();
  declared.forEach((entity: unknown, index) => {
    const platform = (entity as { platform?: unknown } | null)?.platform;
    const schema = typeof platform === 'string' ? ENTITY_SCHEMAS[platform] : undefined;
    if (!schema) {
      problems.push(`entities.${index}.platform: must be one of ${Object.keys(ENTITY_SCHEMAS).join(', ')}`);
      return;
    }
    const wrong = checkOnce(schema, entity, `entities.${index}`);
    problems.push(...wrong.map((p) => `${p.path}: ${p.message}`));
    if (wrong.length) return;
    const checked = entity as PluginEntity;
    if (ids.has(checked.id)) problems.push(`entities.${index}.id: "${checked.id}" is declared twice`);
    ids.add(checked.id);
    if (checked.platform === 'button' && !Object.prototype.hasOwnProperty.call(plugin.actions, checked.action))
      problems.push(`entities.${index}.action: "${checked.action}" is not one of the plugin's actions`);
  });
  return problems;
}

/** Start order: every plugin after the ones it depends on. Cycles and missing ones are reported. */
export function orderByDependencies(plugins: LoopPlugin[]): { order: LoopPlugin[]; problems: Map<string, string> } {
  const byId = new Map(plugins.map((p) => [p.id, p]));
  const problems = new Map<string, string>();
  const order: LoopPlugin[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (p: LoopPlugin, path: string[]): boolean => {
    const s = state.get(p.id);
    if (s === 'done') return !problems.has(p.id);
    if (s === 'visiting') {
      problems.set(p.id, `dependency cycle: ${[...path, p.id].join(' → ')}`);
      return false;
    }
    state.set(p.id, 'visiting');
    let ok = true;
    for (const dep of p.dependsOn ?? []) {
      const d = byId.get(dep);
      if (!d) {
        problems.set(p.id, `needs plugin "${dep}", which is not configured`);
        ok = false;
      } else if (!visit(d, [...path, p.id])) {
        if (!problems.has(p.id)) problems.set(p.id, `needs plugin "${dep}", which cannot start`);
        ok = false;
      }
    }
    state.set(p.id, 'done');
    if (ok) order.push(p);
    return ok;
  };
  for (const p of plugins) visit(p, []);
  return { order, problems };
}

/** A folder plugin's entry: package.json `main`, else index.js. */
function entryOf(path: string): string {
  if (!existsSync(path) || !statSync(path).isDirectory()) return path;
  const pkg = join(path, 'package.json');
  if (existsSync(pkg)) {
    const main = (JSON.parse(readFileSync(pkg, 'utf8')) as { main?: string }).main;
    if (main) return join(path, main);
  }
  return join(path, 'index.js');
}
