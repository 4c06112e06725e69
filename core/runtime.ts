// One running Loop: config → broker → bus → HTTP → plugins → gateway → listen; and back down.
import { chmod, mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { registerAuthRoutes } from './auth/routes.js';
import { AuthService } from './auth/service.js';
import { EmbeddedBroker } from './broker/embedded.js';
import { mqttOverWebSocket, type MqttWebSocket } from './broker/websocket.js';
import { Bus } from './bus/bus.js';
import { createMqttClient } from './bus/connect.js';
import type { LoopConfig } from './config/schema.js';
import { validateConfig } from './config/load.js';
import type { PinnedSettings } from './config/owner-settings.js';
import { OwnerSettings } from './config/owner-store.js';
import type { LoopParts } from './parts.js';
import { DashboardView } from './dashboard.js';
import { Gateway } from './gateway/gateway.js';
import { registerCoreRoutes } from './http/core-routes.js';
import { Guard } from './http/guard.js';
import { createHttpServer } from './http/server.js';
import { createLogger } from './log.js';
import { version } from './paths.js';
import { PluginHost } from './plugins/host.js';
import { ServiceNotifier } from './service/notify.js';
import { baseTopic, groupTopic, type BridgeEvent, type BridgeInfo, type EventLevel } from './protocol/index.js';
import { StateStore } from './store/store.js';
import { pageUrl } from './util/reachable.js';
import { join } from 'node:path';
import { monotonicMs } from './util/clock.js';

export interface RuntimeOptions {
  config: LoopConfig;
  /** The built-in plugins and the page's view paths, from the composition root (app/parts.ts). */
  parts: LoopParts;
  deviceId: string;
  /** Where relative plugin paths are resolved from. */
  baseDir?: string;
  /** The config file given with --config (messages name the exact CLI line with it). */
  configFile?: string;
  /** Owner settings the user's file or LOOP_* variables set (LoadedConfig.pinned): read-only on the page. */
  pinned?: PinnedSettings;
  log?: Logger;
}

export class LoopRuntime {
  readonly log: Logger;
  readonly baseTopic: string;
  broker: EmbeddedBroker | null = null;
  bus!: Bus;
  app!: FastifyInstance;
  host!: PluginHost;
  gateway: Gateway | null = null;
  auth!: AuthService;
  private view!: DashboardView;
  private store: StateStore | null = null;
  private mqttWs: MqttWebSocket | null = null;
  private startedAt = new Date().toISOString();
  /** Start-up complete and not stopping: bridge/info's `plugins` is final (see BridgeInfo.ready). */
  private ready = false;
  private infoTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;
  private notifier: ServiceNotifier | null = null;
  /** The owner's settings, laid over the given config at start (core/config/owner-store.ts). */
  private owner: OwnerSettings | null = null;

  constructor(private readonly options: RuntimeOptions) {
    this.log = options.log ?? createLogger(options.config.log.level, options.config.log.json);
    this.baseTopic = baseTopic(options.config.mqtt.base_topic, options.deviceId);
  }

  /** The config in force: the given one with the owner's settings laid over it once started. */
  get config(): LoopConfig {
    return this.owner?.running ?? this.options.config;
  }

  get httpPort(): number {
    return (this.app.server.address() as AddressInfo).port;
  }

  get mqttPort(): number | null {
    return this.broker?.port ?? null;
  }

  async start(): Promise<void> {
    const given = this.options.config;
    this.notifier = ServiceNotifier.fromEnv({ log: this.log.child({ mod: 'systemd' }) });
    // The library, state and password hashes are Loop's alone: nobody else on the device reads them.
    await mkdir(given.data.dir, { recursive: true, mode: 0o700 });
    await chmod(given.data.dir, 0o700).catch((err: Error) =>
      this.log.warn({ err: err.message }, 'data dir: cannot make it private (0700)'),
    );
    // The store opens first: the owner's settings (one of its documents) shape the config everything else reads.
    // Its reports reach bridge/event once the bus is up; before that, the log (the settings' own problem stays in their report).
    const storeLog = this.log.child({ mod: 'store' });
    const store = new StateStore(join(given.data.dir, 'state'), {
      report: (level, message, data) => {
        storeLog[level === 'warning' ? 'warn' : level](data, message);
        this.notify('store', level, message, data, 'storage');
      },
    });
    this.store = store;
    this.owner = await OwnerSettings.open(store, {
      given,
      pinned: this.options.pinned ?? {},
      validate: (tree) => validateConfig(tree, this.options.parts.builtins),
    });
    const c = this.owner.running;
    this.auth = new AuthService({
      dataDir: c.data.dir,
      mode: c.auth.mode,
      sessionDays: c.auth.session_days,
      claimCode: c.auth.claim_code,
      configFile: this.options.configFile,
      log: this.log.child({ mod: 'auth' }),
    });
    await this.auth.start();
    let mode = this.auth.mode();
    this.auth.onChange(() => {
      if (this.auth.mode() === mode) return;
      mode = this.auth.mode();
      this.scheduleInfo();
    });
    const external = c.mqtt.url !== null;
    if (!external) {
      this.broker = new EmbeddedBroker({
        listen: c.mqtt.listen,
        host: c.mqtt.host ?? c.http.host,
        port: c.mqtt.port,
        allowAnonymous: c.mqtt.allow_anonymous,
        users: c.mqtt.users,
        passwordFile: c.mqtt.password_file,
        baseTopic: this.baseTopic,
        log: this.log.child({ mod: 'broker' }),
        acl: c.mqtt.acl,
        aclFile: c.mqtt.acl_file,
        clientIdBinding: c.mqtt.client_id_binding,
        limits: c.mqtt.limits,
      });
      await this.broker.start();
    }
    const client = createMqttClient({
      baseTopic: this.baseTopic,
      deviceId: this.options.deviceId,
      log: this.log.child({ mod: 'bus' }),
      url: c.mqtt.url,
      username: c.mqtt.username,
      password: c.mqtt.password,
      keepalive: c.mqtt.keepalive,
      ...(this.broker ? { broker: this.broker } : {}),
    });
    this.bus = new Bus({
      client,
      baseTopic: this.baseTopic,
      log: this.log.child({ mod: 'bus' }),
      requestTimeoutMs: c.http.request_timeout_ms,
    });
    this.bus.onConnected(() => void this.bus.publish('bridge/state', { state: 'online' }, { retain: true }));
    await this.bus.waitConnected();

    const guard = new Guard({ auth: this.auth, corsOrigins: c.http.cors_origins, allowedHosts: c.http.allowed_hosts });
    const { app, upgrades } = await createHttpServer({
      host: c.http.host,
      port: c.http.port,
      bodyLimit: c.http.body_limit,
      guard,
      docsUi: c.http.docs_ui,
      deviceName: c.device.name,
      viewPaths: this.options.parts.viewPaths,
      log: this.log.child({ mod: 'http' }, { level: 'warn' }),
    });
    this.app = app;
    this.view = new DashboardView(this.bus);
    registerAuthRoutes(app, this.auth, guard);
    registerCoreRoutes(app, {
      bus: this.bus,
      view: this.view,
      gateway: () => this.gateway,
      version,
      requestTimeoutMs: c.http.request_timeout_ms,
    });

    this.host = new PluginHost({
      specs: c.plugins,
      builtins: this.options.parts.builtins,
      config: c,
      baseDir: this.options.baseDir ?? process.cwd(),
      bus: this.bus,
      store,
      device: {
        id: this.options.deviceId,
        name: c.device.name,
        baseTopic: this.baseTopic,
        version,
        httpPort: c.http.port,
        httpHost: c.http.host,
        startedAt: this.startedAt,
      },
      dataDir: c.data.dir,
      ownerSettings: this.owner,
      log: this.log,
      http: app,
      notify: (source, level, message, data, type) => this.notify(source, level, message, data, type),
      onInfoChanged: () => this.scheduleInfo(),
      groupTopics: c.mqtt.groups.map((g) => groupTopic(c.mqtt.base_topic, g)),
    });
    await this.host.start();

    const g = c.gateway;
    this.gateway = new Gateway({
      bus: this.bus,
      view: this.view,
      log: this.log.child({ mod: 'gateway' }),
      maxConnections: g.max_connections,
      maxMessageBytes: g.max_message_bytes,
      softBufferBytes: g.soft_buffer_bytes,
      hardBufferBytes: g.hard_buffer_bytes,
      heartbeatSeconds: g.heartbeat_seconds,
      dashboardThrottleMs: g.dashboard_throttle_ms,
      token: g.token,
      auth: this.auth,
      identity: (req) => guard.identity(req),
      maxPending: g.max_unauthenticated,
      authTimeoutMs: g.auth_timeout_ms,
    });
    const gateway = this.gateway;
    upgrades.set('/ws', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
    if (this.broker && c.mqtt.websocket) {
      const mqttWs = mqttOverWebSocket(this.broker);
      this.mqttWs = mqttWs;
      upgrades.set('/mqtt', (req, socket, head) => mqttWs.upgrade(req, socket, head));
    }

    await app.listen({ host: c.http.host, port: c.http.port });
    this.log.info(
      {
        url: `http://${c.http.host === '0.0.0.0' ? hostname() : c.http.host}:${this.httpPort}`,
        base_topic: this.baseTopic,
        process_id: process.pid,
      },
      'Loop is up',
    );
    this.notifier?.ready();
    this.ready = true;
    await this.publishInfo();
  }

  bridgeInfo(): BridgeInfo {
    const c = this.config;
    return {
      version,
      device_id: this.options.deviceId,
      name: c.device.name,
      base_topic: this.baseTopic,
      config_url: this.app?.server.listening ? pageUrl(c.http.host, this.httpPort) : null,
      broker: c.mqtt.url ? 'external' : 'embedded',
      plugins: this.host?.status ?? [],
      started_at: this.startedAt,
      ready: this.ready,
      // The idle card says "unclaimed: open the page to set a password" while onboarding.
      auth: { mode: this.auth?.mode() ?? 'off' },
    };
  }

  private scheduleInfo(): void {
    if (this.infoTimer) return;
    this.infoTimer = setTimeout(() => {
      this.infoTimer = null;
      void this.publishInfo();
    }, 50);
  }

  private async publishInfo(): Promise<void> {
    if (!this.bus) return;
    await this.bus.publish('bridge/info', this.bridgeInfo(), { retain: true });
  }

  notify(source: string, level: EventLevel, message: string, data?: unknown, type = 'notification'): void {
    const ev: BridgeEvent = { type, level, message, source, timestamp: new Date().toISOString(), ...(data !== undefined ? { data } : {}) };
    // Fails only while the broker is down (startup, shutdown): the event then goes to the log instead.
    void this.bus
      ?.publish('bridge/event', ev)
      .catch((err: Error) => this.log.warn({ source, event: message, err: err.message }, 'bridge/event not published'));
  }

  /** Graceful: offline published, plugins stopped (state flushed), sockets closed. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const step = async (name: string, fn: () => unknown) => {
      const t0 = monotonicMs();
      try {
        await fn();
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, `shutdown: ${name} failed`);
      }
      this.log.debug({ ms: Math.round(monotonicMs() - t0) }, `shutdown: ${name}`);
    };
    this.notifier?.stopping();
    this.ready = false;
    if (this.infoTimer) clearTimeout(this.infoTimer);
    await step('gateway', () => this.gateway?.close());
    await step('mqtt-ws', () => this.mqttWs?.close());
    await step('plugins', () => this.host?.stop());
    await step('state', () => this.store?.flush());
    await step('http', () => this.app?.close());
    this.view?.close();
    if (this.bus) {
      await step('offline', () => this.bus.publish('bridge/state', { state: 'offline' }, { retain: true }));
      await step('bus', () => this.bus.close());
    }
    await step('broker', () => this.broker?.close());
    this.auth?.stop();
  }
}
