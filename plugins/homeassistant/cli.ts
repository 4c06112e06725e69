// `loop homeassistant ...`: the plugin's command line commands, handed to the CLI by the composition
// root (app/builtin.ts). Light on purpose: the work is imported only when a command runs.
import type { PluginCli } from '../../core/plugins/api.js';

export const homeassistantCli: PluginCli = {
  remove: {
    summary: 'Remove this device from Home Assistant (clears its retained discovery)',
    usage: '[--config FILE]',
    async run(_args, env) {
      const { removeFromHomeAssistant } = await import('./remove.js');
      env.print(`removed: ${await removeFromHomeAssistant(env.config, env.deviceId)} (empty retained payload)`);
    },
  },
};
