// The wifi plugin: NetworkManager through nmcli (see README.md), its actions and REST routes.
// Without nmcli or NetworkManager it runs and reports `unavailable` with the reason.
import { definePlugin, type LoopPlugin } from '../../core/plugins/api.js';
import { wifiActions } from '../../core/protocol/index.js';
import { wifiConfig, type WifiConfig } from './config.js';
import { wifiRoutes } from './routes.js';
import { WifiService } from './service.js';

export default function createWifiPlugin(): LoopPlugin<WifiConfig, typeof wifiActions> {
  return definePlugin({
    id: 'wifi',
    configSchema: wifiConfig,
    actions: wifiActions,
    routes: wifiRoutes,
    async start(ctx) {
      const svc = new WifiService(ctx);
      await svc.start();
      return {
        handlers: {
          status: () => svc.status(),
          scan: ({ rescan }) => svc.scan(rescan ?? true),
          connect: ({ ssid, password, hidden }) => svc.connect(ssid, password, hidden ?? false),
          forget: ({ ssid }) => svc.forget(ssid),
          saved: async () => ({ networks: await svc.saved() }),
          hotspot: ({ active }) => svc.hotspot(active),
        },
        stop: () => svc.stop(),
      };
    },
  });
}
