// The player plugin: mpv plays what the loop says (see player.ts); its actions and REST routes.
import { defineActions, type LoopPlugin } from '../../core/plugins/api.js';
import { playerActions } from '../../core/protocol/index.js';
import { playerConfig, type PlayerConfig } from './config.js';
import { PlayerService } from './player.js';
import { registerPlaybackRoutes } from './routes.js';

interface Cued { cue: number }

export default function createPlayerPlugin(): LoopPlugin<PlayerConfig> {
  let svc: PlayerService | null = null;
  let ask: (<T>(action: string, payload?: unknown) => Promise<T>) | null = null;
  const running = (): PlayerService => {
    if (!svc) throw new Error('player plugin is not running');
    return svc;
  };
  /** next/previous/play_slug are the loop's to decide (it owns the active item); the player then plays it. */
  const viaLoop = async (action: string, payload: unknown = {}) => {
    const p = running();
    p.requireMpv();
    if (!ask) throw new Error('player plugin is not running');
    const r = await ask<Cued>(action, payload);
    return p.afterCue(r.cue);
  };

  const actions = defineActions(playerActions, {
    state: async () => running().snapshot(),
    play: async () => ({ state: await running().play() }),
    pause: async () => ({ state: await running().pause() }),
    toggle: async () => ({ paused: await running().toggle() }),
    next: () => viaLoop('next'),
    previous: () => viaLoop('previous'),
    stop: async () => ({ state: await running().stopPlayback() }),
    seek: async ({ position, relative }) => ({ state: await running().seek(position, relative ?? false) }),
    volume: async ({ volume }) => ({ volume: await running().setVolume(volume) }),
    mute: async ({ mute }) => ({ muted: await running().setMute(mute) }),
    play_slug: ({ slug }) => viaLoop('activate', { slug }),
  });

  return {
    id: 'player',
    configSchema: playerConfig,
    actions,
    async start(ctx) {
      ask = (action, payload) => ctx.bus.request('loop', action, payload, { timeoutMs: 5000 });
      svc = new PlayerService(ctx);
      ctx.http.register((app) => registerPlaybackRoutes(app, ctx.bus));
      await svc.start();
    },
    async stop() {
      await svc?.stop();
      svc = null;
      ask = null;
    },
  };
}
