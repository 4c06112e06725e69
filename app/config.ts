// Loop's config loader with the built-in plugins' sections filled in: for scripts outside the CLI
// (install.sh reads the ports and the hotspot through it).
import { loadConfig, type LoadOptions, type LoadedConfig } from '../core/config/load.js';
import { builtinPlugins } from './builtin.js';

/** Defaults + file + LOOP_* variables, checked against the core and built-in plugin sections. */
export function loadLoopConfig(opts: Omit<LoadOptions, 'plugins'> = {}): LoadedConfig {
  return loadConfig({ ...opts, plugins: builtinPlugins });
}
