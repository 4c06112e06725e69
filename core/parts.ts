// What the composition root (app/) hands core: the built-in plugins and the page's view paths. Core
// names no plugin and no page file itself, so the arrows between the layers all point down.
import type { TSchema } from '@sinclair/typebox';
import type { PluginCli, PluginFactory } from './plugins/api.js';

export interface BuiltinPlugin {
  /** The plugin's config section (loaded eagerly: it is small). */
  readonly configSchema: TSchema;
  /** The plugin itself, loaded only when it is listed in `plugins:`. */
  load(): Promise<{ default: PluginFactory }>;
  /** Its `loop <id> ...` commands, from a light module, so the CLI never loads the whole plugin. */
  readonly cli?: PluginCli;
}

/** Built-in plugins by id, in the order `loop --help` and the config schema list them. */
export type BuiltinCatalog = Readonly<Record<string, BuiltinPlugin>>;

export interface LoopParts {
  readonly builtins: BuiltinCatalog;
  /** The page's view paths, answered with index.html so a reload or a shared link works. */
  readonly viewPaths: readonly string[];
}
