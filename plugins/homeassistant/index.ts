// The homeassistant plugin: Loop as one Home Assistant device (MQTT device-based discovery). It
// announces the entities of the plugins that run (entities/*.ts, as data), re-announces when Home
// Assistant comes back online or the library changes, and publishes the little state Home
// Assistant needs beside the other plugins' topics: the clip select's current name, the thumbnail
// and the last error. Commands go to the other plugins' own `<plugin>/set` topics. Other plugins'
// declared entities (bridge/info) are announced beside its own (plugin-entities.ts). Everything it
// follows and every timer runs on its lane (ctx.lane), in turn with its commands: no lock, no timer list.
import { Type, type Static } from '@sinclair/typebox';
import { readFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { definePlugin, type LoopPlugin, type PluginContext } from '../../core/plugins/api.js';
import { ActionError, HA_THUMBNAIL_TOPIC, homeassistantActions, setTopic, type HaClip, type MediaItem } from '../../core/protocol/index.js';
import type { JsonDocument } from '../../core/store/store.js';
import { clipNames, type ClipNames } from './clip-names.js';
import { homeassistantConfig, type HomeassistantConfig } from './config.js';
import { buildDiscovery, discoveryTopic, type DeviceFacts } from './discovery.js';
import { entities } from './entities/index.js';
import { PLATFORMS, type EntityContext, type EntityDef } from './entity.js';
import { pluginEntities } from './plugin-entities.js';
import { thumbnailBytes } from './thumbnail.js';

/** Changes arriving together (bridge/info, library, start) make one announcement. */
const DEBOUNCE_MS = 150;

/** What was announced (state/homeassistant.discovery.json), checked on every read. */
const PlatformSchema = Type.Union(PLATFORMS.map((p) => Type.Literal(p)));
const Doc = Type.Object({
  /** Announced now. */
  components: Type.Record(Type.String(), PlatformSchema),
  /** Announced once, sent as removed since, and again in every payload until they come back. */
  removed: Type.Optional(Type.Record(Type.String(), PlatformSchema)),
});
type Doc = Static<typeof Doc>;

function model(): string {
  try {
    return readFileSync('/proc/device-tree/model', 'utf8').replace(/\0/g, '').trim() || `${platform()} ${arch()}`;
  } catch {
    return `${platform()} ${arch()}`;
  }
}

class HomeAssistantService {
  private readonly topic: string;
  private readonly model = model();
  private doc!: JsonDocument<Doc>;
  private running = new Set<string>();
  private configured = new Set<string>();
  private configUrl: string | null = null;
  private names: ClipNames = clipNames([]);
  private library = new Map<string, MediaItem>();
  private playingSlug: string | null = null;
  private thumbSlug: string | null | undefined = undefined;
  private clip: HaClip | null = null;
  private published: string | null = null;
  private withdrawn = false;
  /**
   * No announcement before this run's bridge/info says start-up is complete: until then (or from a
   * previous run's info, retained on an external broker) the plugins list is not what runs, and
   * announcing from it would remove entities Home Assistant users named, placed and set up.
   */
  private infoSeen = false;
  /** The entities other plugins declare (bridge/info), after this plugin's own. */
  private declared: EntityDef[] = [];
  /** An announcement is waiting on the lane (changes arriving together make one). */
  private scheduled = false;

  constructor(private readonly ctx: PluginContext<HomeassistantConfig>) {
    this.topic = discoveryTopic(ctx.config.discovery_prefix, ctx.device.id);
  }

  async start(): Promise<void> {
    const { bus, lane } = this.ctx;
    this.doc = await this.ctx.store.open<Doc>('discovery', {
      version: 1,
      schema: Doc,
      defaults: () => ({ components: {} }),
    });
    lane.follow('bridge/info', 'reading bridge/info', (info) => {
      if (info.started_at !== this.ctx.device.startedAt || !info.ready) return;
      this.running = new Set(info.plugins.filter((p) => p.state === 'running').map((p) => p.id));
      this.configured = new Set(info.plugins.map((p) => p.id));
      this.configUrl = info.config_url;
      this.declared = pluginEntities(info.plugins, entities);
      this.infoSeen = true;
      this.schedule();
    });
    lane.follow('media', 'following the library', async (media) => {
      this.library = new Map(media.items.map((i) => [i.slug, i]));
      this.names = clipNames(media.items);
      this.schedule();
      await this.follow();
    });
    lane.follow('player', 'following the player', async (p) => {
      this.playingSlug = p.slug;
      await this.follow();
    });
    lane.follow('bridge/event', 'keeping the last error', async (e) => {
      if (e.level !== 'error') return;
      await bus.publish(
        'homeassistant/last_error',
        { message: e.message, source: e.source, type: e.type, timestamp: e.timestamp },
        { retain: true },
      );
    });
    // Home Assistant's birth message: announce again after a random delay, so a fleet does not answer
    // at once. Outside the base topic, so a raw subscription; the host drops it at stop.
    bus.subscribeRaw(
      `${this.ctx.config.discovery_prefix}/status`,
      (buf) => {
        const status = buf.toString('utf8').trim();
        // Home Assistant's own availability (its birth and last will), for the page's settings view.
        if (status === 'online' || status === 'offline')
          this.ctx.setDetail({ home_assistant: status, home_assistant_since: new Date().toISOString() });
        if (status !== 'online') return;
        lane.after(Math.random() * this.ctx.config.announce_delay_ms, 'announcing after Home Assistant came online', async () => {
          await this.announce(true);
        });
      },
      { absolute: true },
    );
    this.schedule();
  }

  /** One announcement on the lane after DEBOUNCE_MS; a failure is logged by the lane. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.ctx.lane.after(DEBOUNCE_MS, 'publishing discovery', async () => {
      this.scheduled = false;
      await this.announce(false);
    });
  }

  private entityContext(): EntityContext {
    const base = this.ctx.device.baseTopic;
    return {
      t: { state: (rel) => `${base}/${rel}`, set: (plugin) => `${base}/${setTopic(plugin)}` },
      clipNames: this.names.names,
      config: this.ctx.config,
    };
  }

  private facts(): DeviceFacts {
    const d = this.ctx.device;
    return {
      id: d.id,
      name: d.name,
      version: d.version,
      configUrl: this.configUrl,
      model: this.model,
      baseTopic: d.baseTopic,
      running: this.running,
      configured: this.configured,
    };
  }

  /** Publishes the discovery payload when it changed (always when forced); returns the components announced. */
  async announce(force: boolean): Promise<string[]> {
    if (this.withdrawn || !this.infoSeen) return [];
    const known = this.doc.get();
    const { payload, components, removed } = buildDiscovery(this.facts(), this.entityContext(), [...entities, ...this.declared], {
      components: known.components,
      removed: known.removed ?? {},
    });
    const json = JSON.stringify(payload);
    if (force || json !== this.published) {
      await this.ctx.bus.publishAbsolute(this.topic, json, { retain: true, qos: 1 });
      this.published = json;
      this.ctx.log.debug({ topic: this.topic, components: Object.keys(components).length }, 'announced to Home Assistant');
    }
    if (JSON.stringify({ components, removed }) !== JSON.stringify({ components: known.components, removed: known.removed ?? {} }))
      await this.doc.set({ components, removed });
    return Object.keys(components);
  }

  /** The `announce` action: a person asks, so a `remove` earlier in this run no longer holds. */
  announceAgain(): Promise<string[]> {
    this.withdrawn = false;
    return this.announce(true);
  }

  async remove(): Promise<string> {
    this.withdrawn = true;
    await this.ctx.bus.publishAbsolute(this.topic, '', { retain: true, qos: 1 });
    await this.doc.set({ components: {}, removed: {} });
    this.published = null;
    return this.topic;
  }

  slugOf(name: string): string {
    const slug = this.names.slugOf.get(name);
    if (!slug)
      throw new ActionError(
        'not_found',
        `no clip named "${name}"; the clip select offers: ${this.names.names.slice(0, 10).join(', ') || 'none'}`,
      );
    return slug;
  }

  /** The clip select's state and the thumbnail follow what plays. */
  private async follow(): Promise<void> {
    const slug = this.playingSlug;
    const clip: HaClip = { name: slug ? (this.names.nameOf.get(slug) ?? null) : null, slug };
    if (JSON.stringify(clip) !== JSON.stringify(this.clip)) {
      this.clip = clip;
      await this.ctx.bus.publish('homeassistant/clip', clip, { retain: true });
    }
    if (!this.ctx.config.thumbnail || slug === this.thumbSlug) return;
    const item = slug ? this.library.get(slug) : undefined;
    const jpeg = await thumbnailBytes(this.ctx.dataDir, item);
    if (!jpeg || this.playingSlug !== slug) return; // none yet (converting), or already moved on
    this.thumbSlug = slug;
    await this.ctx.bus.publishRaw(HA_THUMBNAIL_TOPIC, jpeg, { retain: true, qos: 1 });
  }
}

export default function createHomeAssistantPlugin(): LoopPlugin<HomeassistantConfig, typeof homeassistantActions> {
  return definePlugin({
    id: 'homeassistant',
    configSchema: homeassistantConfig,
    actions: homeassistantActions,
    async start(ctx) {
      const svc = new HomeAssistantService(ctx);
      await svc.start();
      return {
        handlers: {
          // Asked for by name (the page's Home Assistant switch turned back on): announced even after a remove.
          announce: async () => ({
            topic: discoveryTopic(ctx.config.discovery_prefix, ctx.device.id),
            components: await svc.announceAgain(),
          }),
          remove: async () => ({ topic: await svc.remove() }),
          // Which item plays is the loop's to decide: activating it there is the whole command (the
          // player follows the loop's new cue, and the select's state follows the player). Nobody
          // reads this answer in Home Assistant, so it does not wait for the screen.
          play_clip: async ({ name }) => {
            const slug = svc.slugOf(name);
            await ctx.bus.request('loop', 'activate', { slug });
            return { slug };
          },
        },
        // Nothing of its own to stop: its timers and follows are the lane's, cancelled by the host.
        stop: async () => undefined,
      };
    },
  });
}
