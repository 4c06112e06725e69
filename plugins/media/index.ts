// The media plugin: uploads streamed to disk, ffprobe checks, conversion to the display profile
// with fluent-ffmpeg, thumbnails, the library, live progress. See README.md beside this file.
import type { LoopPlugin, PluginContext } from '../../core/plugins/api.js';
import { defineActions } from '../../core/plugins/api.js';
import { ActionError } from '../../core/protocol/envelope.js';
import { mediaActions } from '../../core/protocol/media.js';
import { mediaConfig, type MediaConfig } from './config.js';
import { FILES_URL, registerMediaRoutes } from './routes.js';
import { MediaService } from './service.js';

export default function createMediaPlugin(): LoopPlugin<MediaConfig> {
  let svc: MediaService | null = null;
  const service = (): MediaService => {
    if (!svc) throw new ActionError('unavailable', 'the media plugin is not running');
    return svc;
  };

  const actions = defineActions(mediaActions, {
    list: async () => service().list(),
    get: async ({ slug }) => service().get(slug),
    delete: async ({ slug }) => service().delete(slug),
    retry: async ({ slug }) => service().retry(slug),
    cleanup: async () => service().cleanup(),
  });

  return {
    id: 'media',
    configSchema: mediaConfig,
    actions,
    async start(ctx: PluginContext<MediaConfig>) {
      const { bus, log } = ctx;
      const published = (what: string) => (err: unknown) => log.warn({ err }, `could not publish ${what}`);
      svc = new MediaService({
        config: ctx.config,
        dataDir: ctx.dataDir,
        store: ctx.store,
        log,
        filesUrl: FILES_URL,
        out: {
          state: (s) => void bus.publish('media', s, { retain: true }).catch(published('media')),
          progress: (p) => void bus.publish('media/progress', p).catch(published('media/progress')),
          event: (e) => {
            void bus.publish('media/event', e).catch(published('media/event'));
            if (e.type === 'failed') ctx.notify('warning', `${e.item?.filename ?? e.slug} could not be converted: ${e.item?.error ?? 'unknown reason'}`, { slug: e.slug }, 'media_failed');
          },
        },
      });
      await svc.start();
      const running = svc;
      ctx.http.register((app) => registerMediaRoutes(app, running, bus, ctx.config));
    },
    async stop() {
      const s = svc;
      svc = null;
      await s?.stop();
    },
  };
}
