// The system plugin: health on `system` (retained, republished only on meaningful change),
// the storage report, and a guarded restart.
import type { LoopPlugin, PluginContext } from '../../core/plugins/api.js';
import { defineActions } from '../../core/plugins/api.js';
import { ActionError, systemActions, type SystemState } from '../../core/protocol/index.js';
import { systemConfig, type SystemConfig } from './config.js';
import { changedMeaningfully, sampleHealth } from './health.js';
import { systemRoutes } from './routes.js';
import { storageReport } from './storage.js';

export default function createSystemPlugin(): LoopPlugin<SystemConfig> {
  let ctx: PluginContext<SystemConfig> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let published: SystemState | null = null;

  const need = (): PluginContext<SystemConfig> => {
    if (!ctx) throw new ActionError('unavailable', 'system plugin is not running');
    return ctx;
  };

  async function sample(force: boolean): Promise<SystemState> {
    const c = need();
    const state = await sampleHealth(c.dataDir, c.device.version);
    if (force || changedMeaningfully(published, state)) {
      published = state;
      await c.bus.publish('system', state, { retain: true });
    }
    return state;
  }

  return {
    id: 'system',
    configSchema: systemConfig,
    actions: defineActions(systemActions, {
      health: () => sample(true),
      storage: () => storageReport(need().dataDir),
      restart: async () => {
        const c = need();
        if (!c.config.allow_restart) throw new ActionError('forbidden', 'restart is disabled (system.allow_restart: false)');
        c.notify('warning', 'Loop is restarting');
        // Answer first, then stop gracefully: the runtime's signal handler does the shutdown.
        setTimeout(() => process.kill(process.pid, 'SIGTERM'), 100).unref();
        process.exitCode = c.config.restart_exit_code;
        return { restarting: true };
      },
    }),
    async start(c) {
      ctx = c;
      c.http.register(systemRoutes(c.bus));
      await sample(true);
      // A slow timer, not a poll of anything that has an event: health has no event source.
      timer = setInterval(() => void sample(false).catch((err: Error) => c.log.warn({ err: err.message }, 'health sample failed')), c.config.interval_seconds * 1000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      ctx = null;
    },
  };
}
