// The system plugin: health on `system` (retained, republished only on meaningful change),
// the storage report, the owner's settings (settings.ts) and a guarded restart.
import { definePlugin, type LoopPlugin, type PluginContext } from '../../core/plugins/api.js';
import { ActionError, systemActions, type SystemState } from '../../core/protocol/index.js';
import { systemConfig, type SystemConfig } from './config.js';
import { changedMeaningfully, sampleHealth } from './health.js';
import { systemRoutes } from './routes.js';
import { storageReport } from './storage.js';
import { serveSettings } from './settings.js';
import { requestRestart } from '../../core/service/restart.js';

async function run(ctx: PluginContext<SystemConfig>) {
  let published: SystemState | null = null;
  async function sample(force: boolean): Promise<SystemState> {
    const state = await sampleHealth(ctx.dataDir, ctx.device.version);
    if (force || changedMeaningfully(published, state)) {
      published = state;
      await ctx.bus.publish('system', state, { retain: true });
    }
    return state;
  }
  await sample(true);
  const settings = await serveSettings(ctx);
  // A slow timer, not a poll of anything that has an event: health has no event source. On the lane,
  // a tick and a `health` command never publish at once; a failed sample is logged by the lane.
  ctx.lane.every(ctx.config.interval_seconds * 1000, 'health sample', async () => {
    await sample(false);
  });
  return {
    handlers: {
      health: () => sample(true),
      storage: () => storageReport(ctx.dataDir),
      ...settings,
      restart: async () => {
        if (!ctx.config.allow_restart) throw new ActionError('forbidden', 'restart is disabled (system.allow_restart: false)');
        ctx.notify('warning', 'Loop is restarting');
        // Answered first; then a graceful stop, and a service manager (or Loop itself) starts it again.
        requestRestart(ctx.config.restart_exit_code);
        return { restarting: true };
      },
    },
    // The host stops the lane's timer.
    stop: async () => undefined,
  };
}

export default function createSystemPlugin(): LoopPlugin<SystemConfig, typeof systemActions> {
  return definePlugin({ id: 'system', configSchema: systemConfig, actions: systemActions, routes: systemRoutes, start: run });
}
