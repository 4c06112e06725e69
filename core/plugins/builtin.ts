// The built-in plugins: id → config schema (loaded eagerly, it is small) and module (loaded lazily).
import type { TSchema } from '@sinclair/typebox';
import type { PluginFactory } from './api.js';
import { systemConfig } from '../../plugins/system/config.js';
import { playerConfig } from '../../plugins/player/config.js';
import { loopConfig } from '../../plugins/loop/config.js';
import { mediaConfig } from '../../plugins/media/config.js';
import { homeassistantConfig } from '../../plugins/homeassistant/config.js';
import { wifiConfig } from '../../plugins/wifi/config.js';
import { displayConfig } from '../../plugins/display/config.js';

export interface BuiltinPlugin {
  configSchema: TSchema;
  load: () => Promise<{ default: PluginFactory }>;
}

export const builtinPlugins: Record<string, BuiltinPlugin> = {
  system: { configSchema: systemConfig, load: () => import('../../plugins/system/index.js') },
  player: { configSchema: playerConfig, load: () => import('../../plugins/player/index.js') },
  loop: { configSchema: loopConfig, load: () => import('../../plugins/loop/index.js') },
  media: { configSchema: mediaConfig, load: () => import('../../plugins/media/index.js') },
  homeassistant: { configSchema: homeassistantConfig, load: () => import('../../plugins/homeassistant/index.js') },
  wifi: { configSchema: wifiConfig, load: () => import('../../plugins/wifi/index.js') },
  display: { configSchema: displayConfig, load: () => import('../../plugins/display/index.js') },
};
