// What plays: the player's state (playback_changed) and its position (playback_position), in the
// contract's shapes, from the socket or, while it is down, the REST poll. Commands go to the player
// and the loop plugins.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { LoopMode, PlayerPosition, PlayerState } from '../../../core/protocol/index.js';
import { useLive } from './live.js';

export const usePlayer = defineStore('player', () => {
  const live = useLive();
  const state = ref<PlayerState | null>(null);
  const position = ref<PlayerPosition | null>(null);

  live.conn.subscribe('dashboard');
  live.conn.on('playback_changed', (p) => {
    state.value = p;
    if (position.value && position.value.slug !== p.slug) position.value = null;
    if (p.position !== null) position.value = { slug: p.slug, position: p.position, duration: p.duration };
  });
  live.conn.on('playback_position', (p) => (position.value = p));

  const play = () => live.command('player', 'play');
  const pause = () => live.command('player', 'pause');
  const next = () => live.command('player', 'next');
  const previous = () => live.command('player', 'previous');
  const setVolume = (volume: number) => live.command('player', 'volume', { volume });
  const seek = (pos: number) => live.command('player', 'seek', { position: pos });
  const setMode = (loop_mode: LoopMode) => live.command('loop', 'mode', { loop_mode });

  return { state, position, play, pause, next, previous, setVolume, seek, setMode };
});
