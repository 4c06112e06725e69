// Checks `plugins:` when the config is read: each entry must be a built-in id, an existing path or
// an installed npm package, so a typo (`playr`) is a config error (exit 78) instead of a Loop that
// starts without its player.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { PluginSchemas } from './schema.js';
import type { Problem } from './validate.js';

/** Problems with the `plugins` list; paths are relative to `baseDir` (the config file's folder). */
export function pluginListProblems(listed: unknown, baseDir: string, builtinPlugins: PluginSchemas): Problem[] {
  if (!Array.isArray(listed)) return [];
  const known = Object.keys(builtinPlugins).join(', ');
  const problems: Problem[] = [];
  listed.forEach((spec, index) => {
    if (typeof spec !== 'string' || spec in builtinPlugins) return;
    const path = `plugins.${index}`;
    if (spec.startsWith('.') || isAbsolute(spec)) {
      const full = resolve(baseDir, spec);
      if (!existsSync(full)) problems.push({ path, message: `plugin "${spec}": no such file or folder (${full})` });
      return;
    }
    if (!installed(spec))
      problems.push({
        path,
        message: `unknown plugin "${spec}": not a built-in (${known}), nor a path (./... or /...), nor an installed npm package`,
      });
  });
  return problems;
}

/** Whether Node would find the package by name from Loop's own folder (where the host imports it). */
function installed(name: string): boolean {
  try {
    import.meta.resolve(name);
    return true;
  } catch {
    return false;
  }
}
