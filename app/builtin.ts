// The built-in plugins: id → config schema (loaded eagerly, it is small), the plugin (loaded only
// when listed) and its command line commands (a light module). The one place that names them;
// core is handed this table (app/parts.ts) and names no plugin itself.
import type { BuiltinCatalog } from '../core/parts.js';
import { systemConfig } from '../plugins/system/config.js';
import { playerConfig } from '../plugins/player/config.js';
import { loopConfig } from '../plugins/loop/config.js';
import { mediaConfig } from '../plugins/media/config.js';
import { homeassistantConfig } from '../plugins/homeassistant/config.js';
import { homeassistantCli } from '../plugins/homeassistant/cli.js';
import { wifiConfig } from '../plugins/wifi/config.js';
import { displayConfig } from '../plugins/display/config.js';

export const builtinPlugins: BuiltinCatalog = {
  system: { configSchema: systemConfig, load: () => import('../plugins/system/index.js') },
  player: { configSchema: playerConfig, load: () => import('../plugins/player/index.js') },
  loop: { configSchema: loopConfig, load: () => import('../plugins/loop/index.js') },
  media: { configSchema: mediaConfig, load: () => import('../plugins/media/index.js') },
  homeassistant: {
    configSchema: homeassistantConfig,
    load: () => import('../plugins/homeassistant/index.js'),
    cli: homeassistantCli,
  },
  wifi: { configSchema: wifiConfig, load: () => import('../plugins/wifi/index.js') },
  display: { configSchema: displayConfig, load: () => import('../plugins/display/index.js') },
};
