// The player plugin: mpv plays what the loop says (player.ts); its actions (controls.ts) and REST routes.
import { definePlugin, type ActionHandlers, type LoopPlugin, type PluginContext } from '../../core/plugins/api.js';
import { playerActions } from '../../core/protocol/index.js';
import { playerConfig, type PlayerConfig } from './config.js';
import { PlayerControls } from './controls.js';
import { PlayerService } from './player.js';
import { playbackRoutes } from './routes.js';

function handlersOf(svc: PlayerService, ctx: PluginContext<PlayerConfig>): ActionHandlers<typeof playerActions> {
  const controls = new PlayerControls(svc, ctx);
  const opts = { timeoutMs: 5000 };
  return {
    state: async () => svc.snapshot(),
    play: async () => ({ state: await controls.play() }),
    pause: async () => ({ state: await controls.pause() }),
    toggle: async () => ({ paused: await controls.toggle() }),
    next: () => controls.viaLoop(() => ctx.bus.request('loop', 'next', {}, opts)),
    previous: () => controls.viaLoop(() => ctx.bus.request('loop', 'previous', {}, opts)),
    stop: async () => ({ state: await controls.stop() }),
    seek: async ({ position, relative }) => ({ state: await controls.seek(position, relative ?? false) }),
    volume: async ({ volume }) => ({ volume: await controls.volume(volume) }),
    mute: async ({ mute }) => ({ muted: await controls.mute(mute) }),
    play_slug: ({ slug }) => controls.viaLoop(() => ctx.bus.request('loop', 'activate', { slug }, opts)),
    // OSD level 0: shown although mpv runs with --osd-level=0 (no other OSD on the screen).
    show_text: async ({ text, seconds }) => {
      await controls.requireMpv().command('show-text', text, Math.round((seconds ?? 5) * 1000), 0);
      return { shown: true };
    },
    // The display plugin's dimmer on screens without a backlight (mpv forgets it on restart; display re-sends it).
    video_brightness: async ({ brightness }) => {
      await controls.requireMpv().setProperty('brightness', brightness);
      return { brightness };
    },
  };
}

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
