// `loop` command line: start, config check, config schema, passwd, token, setup-code, docs, --version,
// --help, and each plugin's own commands (`loop <plugin> <command>`, core/cli/plugin-commands.ts). It
// is given the built-in plugins and the page's view paths by the composition root (app/main.ts).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { LoopParts } from '../parts.js';
import { version } from '../paths.js';
import { builtinCommandHelp, pluginCommandHelp, runPluginCommand } from './plugin-commands.js';

/** sysexits' EX_CONFIG, for a config `loop start` refuses and `loop config check` finds bad alike: the
 *  service manager does not restart into the same error (the unit's RestartPreventExitStatus). */
const EX_CONFIG = 78;

const HELP = `Usage: loop <command> [options]

Commands:
  start [--config FILE]   Start Loop (embedded MQTT broker, HTTP + WebSocket, plugins)
  config check FILE       Validate a config file (overlaid on the defaults); print every problem
  config schema           Print the JSON schema of the config
  passwd [PASSWORD]       Print a password hash for mqtt.users (reads stdin when no argument)
  passwd --owner          Set the owner password of the page and REST API (asks for it, or reads
                          stdin) and end every session; [--config FILE] finds the data dir
  token create NAME       Make an API token (Authorization: Bearer ...); printed only this once
  token list              List API tokens (id, name, dates)
  token revoke ID         Revoke an API token
  setup-code              Print the setup code that claims this device (what its screen shows)
                          and the setup hotspot's password [--config FILE]
  docs                    Print the MQTT reference generated from the contract (docs/mqtt-reference.md)
`;

const FOOTER = `
Options:
  --version               Print the version
  --help                  Print this help (with --config FILE: the commands of its third-party plugins too)

Environment: LOOP_<SECTION>_<KEY> overrides a config key (LOOP_HTTP_PORT=8081, LOOP_DATA_DIR=/tmp/x).
`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

/** `loop --help`: the core commands, then every built-in plugin's (and, with --config, the listed third-party ones'). */
async function help(parts: LoopParts, file: string | undefined): Promise<string> {
  const plugins = file ? await pluginCommandHelp(parts, file) : builtinCommandHelp(parts);
  return `${HELP}${plugins ? `\nPlugin commands:\n${plugins}\n` : ''}${FOOTER}`;
}

/** Runs `loop <args>`; `loadParts` gives the built-ins and the page (loaded after --version, which needs neither). */
export async function main(args: string[], loadParts: () => Promise<LoopParts>): Promise<void> {
  const [cmd, sub] = args;
  if (args.includes('--version') || cmd === 'version') {
    console.log(version);
    return;
  }
  const parts = await loadParts();
  if (!cmd || args.includes('--help') || cmd === 'help') {
    console.log(await help(parts, flag(args, '--config')));
    return;
  }
  switch (cmd) {
    case 'start':
      return start(flag(args, '--config'), parts);
    case 'config':
      if (sub === 'check') return configCheck(args[2], parts);
      if (sub === 'schema') {
        const { configSchemaFor } = await import('../config/schema.js');
        console.log(JSON.stringify(configSchemaFor(parts.builtins), null, 2));
        return;
      }
      break;
    case 'docs': {
      const { renderMqttReference } = await import('../docs/reference.js');
      console.log(renderMqttReference());
      return;
    }
    case 'passwd': {
      if (args.includes('--owner')) return ownerPasswd(flag(args, '--config'), parts);
      const pw = args[1] ?? readFileSync(0, 'utf8').replace(/\r?\n$/, '');
      if (!pw) throw new Error('empty password');
      const { hashPassword } = await import('../broker/passwords.js');
      console.log(hashPassword(pw));
      return;
    }
    case 'setup-code': {
      const { loadConfig } = await import('../config/load.js');
      const { setupCodeCommand } = await import('../auth/cli.js');
      const { config } = loadConfig({ plugins: parts.builtins, file: flag(args, '--config') });
      const wifi = config.plugins.includes('wifi')
        ? (config.wifi as { hotspot: { ssid: string; password: string | null } } | undefined)
        : undefined;
      const dir = await dataDirOf(flag(args, '--config'), parts);
      process.exitCode = await setupCodeCommand(dir, { claimCode: config.auth.claim_code, hotspot: wifi?.hotspot ?? null });
      return;
    }
    case 'token': {
      const { tokenCommand } = await import('../auth/cli.js');
      const rest = args.filter((a, i) => !a.startsWith('--config') && args[i - 1] !== '--config');
      process.exitCode = await tokenCommand(await dataDirOf(flag(args, '--config'), parts), sub, rest[2]);
      return;
    }
    default:
      if (await runPluginCommand(args, flag(args, '--config'), parts)) return;
  }
  console.error(`unknown command: ${args.join(' ')}\n`);
  console.error(await help(parts, undefined));
  process.exitCode = 2;
}

async function configCheck(file: string | undefined, parts: LoopParts): Promise<void> {
  if (!file) {
    console.error('usage: loop config check FILE');
    process.exitCode = 2;
    return;
  }
  // Imported here so that --version and --help stay instant.
  const { ConfigError, merge, readYamlFile, validateConfig } = await import('../config/load.js');
  const { pluginListProblems } = await import('../config/plugin-list.js');
  const { defaultConfigPath } = await import('../paths.js');
  try {
    const tree = merge(readYamlFile(defaultConfigPath), readYamlFile(file));
    const problems = [...validateConfig(tree, parts.builtins), ...pluginListProblems(tree.plugins, dirname(resolve(file)), parts.builtins)];
    if (problems.length === 0) {
      console.log(`${file}: OK`);
      return;
    }
    for (const p of problems) console.log(`${file}: ${p.path}: ${p.message}`);
    process.exitCode = EX_CONFIG;
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const p of err.problems) console.log(`${file}: ${p.path}: ${p.message}`);
      process.exitCode = EX_CONFIG;
      return;
    }
    throw err;
  }
}

/**
 * The data dir the config (defaults, file, environment) names, as `loop start` would use it; with
 * neither --config nor LOOP_DATA_DIR, the one a running Loop of this checkout uses (instance.ts).
 */
async function dataDirOf(file: string | undefined, parts: LoopParts): Promise<string> {
  const { loadConfig } = await import('../config/load.js');
  const configured = loadConfig({ plugins: parts.builtins, file }).config.data.dir;
  if (file !== undefined || process.env.LOOP_DATA_DIR !== undefined) return configured;
  const { runningLoop } = await import('./instance.js');
  const running = runningLoop();
  if (!running || running.dataDir === configured) return configured;
  console.error(`using the data directory of the running Loop (process ${running.pid}): ${running.dataDir}`);
  return running.dataDir;
}

async function ownerPasswd(file: string | undefined, parts: LoopParts): Promise<void> {
  const { readSecret, resetOwner } = await import('../auth/cli.js');
  const dir = await dataDirOf(file, parts);
  const pw = await readSecret('New owner password: ');
  if (process.stdin.isTTY && (await readSecret('Again: ')) !== pw) throw new Error('the two passwords differ; nothing changed');
  await resetOwner(dir, pw);
  console.log(`owner password set in ${dir}; every session has ended`);
}

async function start(file: string | undefined, parts: LoopParts): Promise<void> {
  const { ConfigError, loadConfig } = await import('../config/load.js');
  const { LoopRuntime } = await import('../runtime.js');
  let loaded;
  try {
    loaded = loadConfig({ plugins: parts.builtins, file });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(EX_CONFIG);
    }
    throw err;
  }
  const { restartRequested, serviceManager, startAgain } = await import('../service/restart.js');
  // Read before the runtime starts: its notifier takes NOTIFY_SOCKET out of the environment.
  const manager = serviceManager();
  const runtime = new LoopRuntime({
    config: loaded.config,
    parts,
    deviceId: loaded.deviceId,
    pinned: loaded.pinned,
    baseDir: file ? dirname(resolve(file)) : process.cwd(),
    configFile: file ? resolve(file) : undefined,
  });
  let shuttingDown = false;
  /** Exits; after a restart request with no service manager, first starts Loop again (its ports are free). */
  const exit = (code: Parameters<typeof process.exit>[0]): never => {
    if (restartRequested() !== null && !manager) {
      try {
        runtime.log.info({ pid: startAgain() }, 'restart: no service manager, so Loop started itself again');
        process.exit(0);
      } catch (err) {
        runtime.log.error({ err: (err as Error).message }, 'restart: could not start Loop again; start it by hand');
      }
    }
    process.exit(code);
  };
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    runtime.log.info({ signal }, 'shutting down');
    // Hard deadline: a stuck plugin must not keep the device from restarting.
    setTimeout(() => {
      runtime.log.error('shutdown took over 5 s; exiting anyway');
      exit(process.exitCode ?? 1);
    }, 5000).unref();
    runtime.stop().then(
      () => exit(process.exitCode ?? 0),
      () => exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    await runtime.start();
  } catch (err) {
    runtime.log.fatal({ err: (err as Error).message }, 'start failed');
    // Best effort before exiting: what failed to start may fail to stop too, and the start error is the one to report.
    await runtime.stop().catch(() => undefined);
    process.exit(1);
  }
  // The CLI run beside it finds this data dir without being told (instance.ts).
  const { noteRunning } = await import('./instance.js');
  process.once('exit', noteRunning(loaded.config.data.dir));
}
