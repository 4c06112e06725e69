// The display plugin: brightness, screen power, the daily schedule and the screen profile (see service.ts).
import { definePlugin, type LoopPlugin } from '../../core/plugins/api.js';
import { displayActions } from '../../core/protocol/index.js';
import { displayConfig, type DisplayConfig } from './config.js';
import { displayRoutes } from './routes.js';
import { DisplayService } from './service.js';

export default function createDisplayPlugin(): LoopPlugin<DisplayConfig, typeof displayActions> {
  return definePlugin({
    id: 'display',
    configSchema: displayConfig,
    actions: displayActions,
    routes: displayRoutes,
    async start(ctx) {
      const svc = new DisplayService(ctx);
      await svc.start();
      return {
        handlers: {
          state: async () => svc.state(),
          // Handlers run on the plugin's lane (ctx.lane), in turn with the schedule and the player's changes.
          brightness: async ({ brightness }) => ({ brightness: await svc.setBrightness(brightness) }),
          power: async ({ power }) => ({ power: await svc.setPower(power) }),
          schedule: (patch) => svc.setSchedule(patch),
        },
        stop: () => svc.stop(),
      };
    },
  });
}
