// The player plugin: mpv plays what the loop says (see player.ts); its actions and REST routes.
import { definePlugin, type ActionHandlers, type LoopPlugin, type PluginContext } from '../../core/plugins/api.js';
import { playerActions } from '../../core/protocol/index.js';
import { playerConfig, type PlayerConfig } from './config.js';
import { PlayerService } from './player.js';
import { playbackRoutes } from './routes.js';

function handlersOf(svc: PlayerService, ctx: PluginContext<PlayerConfig>): ActionHandlers<typeof playerActions> {
  /** next/previous/play_slug are the loop's to decide (it owns the active item); the player then plays it. */
  const viaLoop = async (ask: () => Promise<{ cue: number }>) => {
    svc.requireMpv();
    const { cue } = await ask();
    return svc.afterCue(cue);
  };
  const opts = { timeoutMs: 5000 };
  return {
    state: async () => svc.snapshot(),
    play: async () => ({ state: await svc.play() }),
    pause: async () => ({ state: await svc.pause() }),
    toggle: async () => ({ paused: await svc.toggle() }),
    next: () => viaLoop(() => ctx.bus.request('loop', 'next', {}, opts)),
    previous: () => viaLoop(() => ctx.bus.request('loop', 'previous', {}, opts)),
    stop: async () => ({ state: await svc.stopPlayback() }),
    seek: async ({ position, relative }) => ({ state: await svc.seek(position, relative ?? false) }),
    volume: async ({ volume }) => ({ volume: await svc.setVolume(volume) }),
    mute: async ({ mute }) => ({ muted: await svc.setMute(mute) }),
    play_slug: ({ slug }) => viaLoop(() => ctx.bus.request('loop', 'activate', { slug }, opts)),
    // OSD level 0: shown although mpv runs with --osd-level=0 (no other OSD on the screen).
    show_text: async ({ text, seconds }) => {
      await svc.requireMpv().command('show-text', text, Math.round((seconds ?? 5) * 1000), 0);
      return { shown: true };
    },
    // The display plugin's dimmer on screens without a backlight (mpv forgets it on restart; display re-sends it).
    video_brightness: async ({ brightness }) => {
      await svc.requireMpv().setProperty('brightness', brightness);
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
