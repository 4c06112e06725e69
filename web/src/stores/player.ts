// What plays: the player's state (playback_changed), its position (playback_position) and, while
// the socket is down, the dashboard's summary. Commands go to the player and the loop plugins.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Dashboard, LoopMode, PlayerPosition, PlayerState } from '../../../core/protocol/index.js';
import { useLive } from './live.js';

export const usePlayer = defineStore('player', () => {
  const live = useLive();
  const state = ref<PlayerState | null>(null);
  const position = ref<PlayerPosition | null>(null);

  live.conn.subscribe('dashboard');
  live.conn.on('playback_changed', (d) => {
    state.value = d.player;
    if (position.value && position.value.slug !== d.player.slug) position.value = null;
    if (d.player.position !== null) position.value = { slug: d.player.slug, position: d.player.position, duration: d.player.duration };
  });
  live.conn.on('playback_position', (p) => (position.value = p));
  const applyDashboard = (d: Dashboard): void => {
    const p = d.status.player;
    const base = state.value;
    if (!base) return; // the summary alone lacks too much; the first playback_changed brings the rest
    const slug = p.current_media;
    const title = slug === base.slug ? base.title : (d.media.find((m) => m.slug === slug)?.filename ?? slug);
    state.value = { ...base, state: p.state as PlayerState['state'], slug, title, index: p.loop_index, loop_mode: p.loop_mode };
  };
  live.conn.on('dashboard_update', applyDashboard);
  live.conn.on('initial_dashboard', applyDashboard);

  const play = () => live.command('player/play');
  const pause = () => live.command('player/pause');
  const next = () => live.command('player/next');
  const previous = () => live.command('player/previous');
  const setVolume = (volume: number) => live.command('player/volume', { volume });
  const seek = (pos: number) => live.command('player/seek', { position: pos });
  const setMode = (loop_mode: LoopMode) => live.command('loop/mode', { loop_mode });

  return { state, position, play, pause, next, previous, setVolume, seek, setMode };
});
