// `loop <plugin> <command>`: the commands plugins add to the command line. A built-in's come from a
// light module the composition root names (app/builtin.ts), so listing them loads no plugin; a
// third-party plugin's (`LoopPlugin.cli`) are found by loading the plugins the config lists.
import { dirname, resolve } from 'node:path';
import type { CliEnv, CliCommand, PluginCli } from '../plugins/api.js';
import type { LoopParts } from '../parts.js';

/** Where `loop --help` starts the summaries. */
const SUMMARY_COLUMN = 26;

function helpLine(plugin: string, name: string, command: CliCommand): string {
  const head = `  ${plugin} ${name}${command.usage ? ` ${command.usage}` : ''}`;
  if (head.length < SUMMARY_COLUMN) return head.padEnd(SUMMARY_COLUMN) + command.summary;
  return `${head}\n${' '.repeat(SUMMARY_COLUMN)}${command.summary}`;
}

function helpLines(clis: ReadonlyMap<string, PluginCli>): string {
  return [...clis].flatMap(([plugin, cli]) => Object.entries(cli).map(([name, command]) => helpLine(plugin, name, command))).join('\n');
}

const builtinClis = (parts: LoopParts): Map<string, PluginCli> =>
  new Map(Object.entries(parts.builtins).flatMap(([id, builtin]) => (builtin.cli ? [[id, builtin.cli] as const] : [])));

/** The built-in plugins' commands, for `loop --help`. */
export function builtinCommandHelp(parts: LoopParts): string {
  return helpLines(builtinClis(parts));
}

/** The built-ins' commands and those of the third-party plugins the config lists. */
export async function pluginCommandHelp(parts: LoopParts, file: string): Promise<string> {
  const clis = builtinClis(parts);
  for (const [id, cli] of await thirdPartyClis(parts, file)) clis.set(id, cli);
  return helpLines(clis);
}

/** Loads the third-party plugins the config lists (not started) and keeps the ones with commands. */
async function thirdPartyClis(parts: LoopParts, file: string | undefined): Promise<Map<string, PluginCli>> {
  const { loadConfig } = await import('../config/load.js');
  const { loadPlugin } = await import('../plugins/load.js');
  const { config } = loadConfig({ plugins: parts.builtins, file });
  const baseDir = file ? dirname(resolve(file)) : process.cwd();
  const found = new Map<string, PluginCli>();
  for (const spec of config.plugins) {
    if (spec in parts.builtins) continue;
    const { plugin } = await loadPlugin(spec, baseDir, parts.builtins);
    if (plugin.cli) found.set(plugin.id, plugin.cli);
  }
  return found;
}

/** The arguments a command is given: those after its name, less `--config FILE` (it gets the config itself). */
function commandArgs(args: readonly string[]): string[] {
  return args.slice(2).filter((arg, i, all) => !arg.startsWith('--config') && all[i - 1] !== '--config');
}

/**
 * Runs `loop <plugin> <command> ...` when <plugin> has commands; false when it has none (an unknown
 * command). Third-party plugins are looked for only when a config file is named (--config or
 * LOOP_CONFIG): the defaults list only built-ins.
 */
export async function runPluginCommand(args: readonly string[], file: string | undefined, parts: LoopParts): Promise<boolean> {
  const [pluginId = '', name] = args;
  let cli = parts.builtins[pluginId]?.cli;
  const configFile = file ?? process.env.LOOP_CONFIG;
  if (!cli && configFile) cli = (await thirdPartyClis(parts, configFile)).get(pluginId);
  if (!cli) return false;
  const command = name !== undefined && Object.prototype.hasOwnProperty.call(cli, name) ? cli[name] : undefined;
  if (!command) {
    console.error(`usage:\n${helpLines(new Map([[pluginId, cli]]))}`);
    process.exitCode = 2;
    return true;
  }
  const { loadConfig } = await import('../config/load.js');
  const { baseTopic } = await import('../protocol/topics.js');
  const { config, deviceId } = loadConfig({ plugins: parts.builtins, file });
  const env: CliEnv = {
    config,
    deviceId,
    baseTopic: baseTopic(config.mqtt.base_topic, deviceId),
    section: config[pluginId],
    print: (line) => console.log(line),
  };
  process.exitCode = (await command.run(commandArgs(args), env)) ?? 0;
  return true;
}
