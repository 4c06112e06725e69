// Placeholder: the player plugin is being built (see its issue).
import type { LoopPlugin } from '../../core/plugins/api.js';
import { playerConfig } from './config.js';

export default function createPlayerPlugin(): LoopPlugin {
  return { id: 'player', configSchema: playerConfig, actions: {}, async start() {}, async stop() {} };
}
