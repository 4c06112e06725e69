// The media plugin: uploads streamed to disk, ffprobe checks, conversion to the display profile
// with ffmpeg, thumbnails, the library, live progress. See README.md beside this file.
import { join } from 'node:path';
import { definePlugin, type LoopPlugin, type PluginContext } from '../../core/plugins/api.js';
import { ActionError } from '../../core/protocol/envelope.js';
import { mediaActions } from '../../core/protocol/media.js';
import { mediaConfig, type MediaConfig } from './config.js';
import { FILES_URL, mediaRoutes, registerUploadAndFiles } from './routes.js';
import { MediaService } from './service.js';
import { registerTus } from './tus-route.js';
import { sweepExpiredUploads, sweepIntervalMs } from './tus-sweep.js';

function serviceFor(ctx: PluginContext<MediaConfig>): MediaService {
  const { bus, log } = ctx;
  const published = (what: string) => (err: unknown) => log.warn({ err }, `could not publish ${what}`);
  return new MediaService({
    config: ctx.config,
    dataDir: ctx.dataDir,
    store: ctx.store,
    log,
    lane: ctx.lane,
    filesUrl: FILES_URL,
    screen: () => bus.last('display'),
    fit: () => bus.last('settings')?.values.fit,
    out: {
      state: (s) => void bus.publish('media', s, { retain: true }).catch(published('media')),
      progress: (p) => void bus.publish('media/progress', p).catch(published('media/progress')),
      event: (e) => {
        void bus.publish('media/event', e).catch(published('media/event'));
        if (e.type === 'failed')
          ctx.notify(
            'warning',
            `${e.item?.filename ?? e.slug} could not be converted: ${e.item?.error ?? 'unknown reason'}`,
            { slug: e.slug },
            'media_failed',
          );
      },
    },
  });
}

/**
 * A delete answers only once the loop has let the item go, so a client that reads the dashboard
 * right after the answer does not find the slug still queued. The loop also drops it on its own
 * (from media/event); whichever comes first, `not_found` here means it is gone already.
 */
async function letLoopGo(ctx: PluginContext<MediaConfig>, slug: string): Promise<void> {
  try {
    await ctx.bus.request('loop', 'remove', { slug }, { timeoutMs: 5000 });
  } catch (err) {
    const code = err instanceof ActionError ? err.code : 'internal';
    if (code !== 'not_found' && code !== 'unavailable')
      ctx.log.warn({ slug, err: (err as Error).message }, 'the loop did not confirm it let a deleted item go');
  }
}

/** How long a delete waits for the screen to move off the deleted clip before it answers anyway. */
const SCREEN_MOVES_OFF_MS = 5000;

/**
 * The clip on screen was deleted: the answer waits until the player reports another one under the
 * loop's new cue (it follows the loop, which has let the clip go), so a client reading the dashboard next does not find the
 * deleted slug as the current media. Event-driven (the player's state), bounded.
 */
function screenMovesOff(ctx: PluginContext<MediaConfig>, slug: string): Promise<void> {
  // The loop has let the clip go (letLoopGo) and asked for the next one with a new cue: the screen
  // has moved off when the player shows another slug AND has taken that cue. A paused player first
  // shows a stand-in (another slug, the old cue) and only then the hand-over's clip, playing.
  const cue = ctx.bus.last('loop')?.cue ?? 0;
  const movedOff = (p: { slug: string | null; cue: number } | undefined): boolean => !p || (p.slug !== slug && p.cue >= cue);
  if (ctx.bus.last('player')?.slug !== slug && movedOff(ctx.bus.last('player'))) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      off();
      resolve();
    };
    const timer = setTimeout(() => {
      ctx.log.warn({ slug }, `the player still showed a deleted item after ${SCREEN_MOVES_OFF_MS} ms; answering anyway`);
      done();
    }, SCREEN_MOVES_OFF_MS);
    const off = ctx.bus.subscribe('player', (p) => {
      if (movedOff(p)) done();
    });
  });
}

export default function createMediaPlugin(): LoopPlugin<MediaConfig, typeof mediaActions> {
  return definePlugin({
    id: 'media',
    configSchema: mediaConfig,
    actions: mediaActions,
    routes: mediaRoutes,
    async start(ctx) {
      const svc = serviceFor(ctx);
      await svc.start().catch(async (err: unknown) => {
        await svc.stop();
        throw err;
      });
      ctx.http.register((app) => registerUploadAndFiles(app, svc, ctx.config));
      // A new screen profile (a rotated panel, another size) converts the library again, in the
      // background, with progress on media/progress; the old clips play until the new ones are in place.
      // Without a display plugin (or before it has spoken) media.display is the profile: checked a
      // little after the start, so a display plugin that starts later is heard first.
      ctx.lane.follow('display', 'convert the library for the screen', () => void svc.reconvertStale());
      ctx.lane.after(5000, 'convert the library for media.display', () => void svc.reconvertStale());
      // The owner's default fit (page settings) applies to the next conversions, and to items kept with their original.
      ctx.lane.follow('settings', 'convert the library for the default fit', () => void svc.reconvertStale());
      // Resumable uploads: partial files outside media/ (whose start-up cleanup removes what the index does not own).
      const tusDir = join(ctx.dataDir, 'uploads', 'tus');
      const expiryMs = ctx.config.upload_expiry_hours * 3_600_000;
      const sweep = async () => {
        const gone = await sweepExpiredUploads(tusDir, expiryMs);
        if (gone.length) ctx.log.info({ uploads: gone }, 'removed resumable uploads idle past media.upload_expiry_hours');
      };
      await sweep();
      ctx.lane.every(sweepIntervalMs(expiryMs), 'the resumable-upload expiry sweep', sweep);
      ctx.http.register((app) => registerTus(app, { svc, cfg: ctx.config, dir: tusDir, log: ctx.log }));
      return {
        handlers: {
          list: async () => svc.list(),
          get: async ({ slug }) => svc.get(slug),
          delete: async ({ slug }) => {
            const done = await svc.delete(slug);
            await letLoopGo(ctx, slug);
            await screenMovesOff(ctx, slug);
            return done;
          },
          retry: async ({ slug }) => svc.retry(slug),
          fit: async ({ slug, fit }) => svc.setFit(slug, fit),
          cleanup: async () => svc.cleanup(),
        },
        stop: () => svc.stop(),
      };
    },
  });
}
