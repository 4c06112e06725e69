// Placeholder: the loop plugin is being built (see its issue).
import type { LoopPlugin } from '../../core/plugins/api.js';
import { loopConfig } from './config.js';

export default function createLoopPlugin(): LoopPlugin {
  return { id: 'loop', configSchema: loopConfig, actions: {}, async start() {}, async stop() {} };
}
