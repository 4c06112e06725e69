// Placeholder: the media plugin is being built (see its issue).
import type { LoopPlugin } from '../../core/plugins/api.js';
import { mediaConfig } from './config.js';

export default function createMediaPlugin(): LoopPlugin {
  return { id: 'media', configSchema: mediaConfig, actions: {}, async start() {}, async stop() {} };
}
