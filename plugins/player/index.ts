// The player plugin: mpv plays what the loop says (player.ts); its actions (controls.ts) and REST routes.
import { definePlugin, type LoopPlugin } from '../../core/plugins/api.js';
import { playerActions } from '../../core/protocol/index.js';
import { playerConfig, type PlayerConfig } from './config.js';
import { handlersOf } from './controls.js';
import { PlayerService } from './player.js';
import { playbackRoutes } from './routes.js';

export default function createPlayerPlugin(): LoopPlugin<PlayerConfig, typeof playerActions> {
  return definePlugin({
    id: 'player',
    configSchema: playerConfig,
    actions: playerActions,
    routes: playbackRoutes,
    async start(ctx) {
      const svc = new PlayerService(ctx);
      await svc.start().catch(async (err: unknown) => {
        await svc.stop();
        throw err;
      });
      return { handlers: handlersOf(svc, ctx), stop: () => svc.stop() };
    },
  });
}
