// What a plugin is and what it is given. A plugin module's default export is a factory
// `() => LoopPlugin`, so every start gets fresh state (and tests can run several Loops in one process).
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Static, TSchema } from '@sinclair/typebox';
import type { ActionSpecs, EventLevel, RequestOf, ResponseOf, TopicName, TopicPayload } from '../protocol/index.js';
import type { PluginEntity } from '../protocol/entities.js';
import type { LoopConfig } from '../config/schema.js';
import type { RouteTable } from '../http/action-routes.js';
import type { ScopedBus } from './scoped-bus.js';
import type { StateStore } from '../store/store.js';
import type { OwnerSettingsPatch, OwnerSettingsReport } from '../protocol/settings.js';

/** The owner's settings (core/config/owner-store.ts): served by the system plugin. */
export interface OwnerSettingsAccess {
  report(): OwnerSettingsReport;
  /** Stores a change (answers once it is on disk); refuses a pinned setting or a value the config schema refuses. */
  update(patch: OwnerSettingsPatch): Promise<OwnerSettingsReport>;
}

export interface DeviceInfo {
  readonly id: string;
  readonly name: string;
  /** e.g. `loop/livingroom`; every relative topic hangs below it. */
  readonly baseTopic: string;
  readonly version: string;
  /** The configured HTTP port (0 = chosen by the OS at listen time, so not known here). */
  readonly httpPort: number;
  /** The configured HTTP listen address (`http.host`): what the device may tell people to open. */
  readonly httpHost: string;
  /** When this run started (`bridge/info.started_at`): a retained bridge/info from a previous run has another. */
  readonly startedAt: string;
}

export type { MessageHandler, PublishOptions, ScopedBus } from './scoped-bus.js';

export interface HttpRegistrar {
  /** Register routes in the plugin's own Fastify scope (before the server listens). */
  register(fn: (app: FastifyInstance) => void | Promise<void>): void;
}

/**
 * The plugin's lane: jobs run one at a time with the plugin's commands (never two at once), so a
 * service needs no lock. Timers and follows are cancelled when the plugin stops; a job that fails is
 * logged with its `what`. `start` itself is not on the lane: jobs posted during start run alongside it.
 */
export interface PluginLane {
  /** Run `job` in turn with the commands; resolves or rejects with its outcome. */
  run<T>(job: () => Promise<T> | T): Promise<T>;
  /** Run `job` in turn, without waiting for it. */
  post(what: string, job: () => Promise<void> | void): void;
  /** Run `job` in turn after `ms`, once. Returns a cancel. */
  after(ms: number, what: string, job: () => Promise<void> | void): () => void;
  /** Run `job` in turn every `ms`; a tick is skipped while the last one still waits. Returns a cancel. */
  every(ms: number, what: string, job: () => Promise<void> | void): () => void;
  /** Follow a state topic: each (schema-checked) payload is handled in turn. Returns an unsubscribe. */
  follow<T extends TopicName>(
    topic: T,
    what: string,
    handler: (payload: TopicPayload<T>, topic: string) => Promise<void> | void,
  ): () => void;
}

export interface PluginContext<C = unknown> {
  readonly id: string;
  readonly config: C;
  readonly device: DeviceInfo;
  readonly log: Logger;
  readonly bus: ScopedBus;
  readonly store: StateStore;
  /** Aborted when the plugin is being stopped. */
  readonly signal: AbortSignal;
  /** Timers, followed topics and commands one at a time (see PluginLane). */
  readonly lane: PluginLane;
  readonly http: HttpRegistrar;
  /** The data directory of the whole device (media, state). */
  readonly dataDir: string;
  /** The owner's settings over the config (the system plugin serves them; others follow the `settings` topic). */
  readonly ownerSettings: OwnerSettingsAccess;
  /** Publish a notification on `bridge/event` (errors reach every page). */
  notify(level: EventLevel, message: string, data?: unknown, type?: string): void;
  /** Extra facts for `bridge/info` (e.g. why the player is unavailable). Republishes bridge/info. */
  setDetail(detail: Record<string, unknown>): void;
}

/** Where a handler is called from, for logging and auditing. */
export interface ActionMeta {
  readonly via: 'request' | 'set' | 'internal';
  readonly transaction?: string | number;
}

/** One handler per declared action, each typed by its declaration (payload in, answer out). */
export type ActionHandlers<M extends ActionSpecs> = {
  [K in keyof M]: Handler<RequestOf<M[K]>, ResponseOf<M[K]>>;
};
// Method syntax makes the parameter bivariant, so a typed plugin is still a `LoopPlugin` for the host
// (which validates every payload against the declaration before it calls a handler).
type Handler<P, R> = { handle(payload: P, meta: ActionMeta): Promise<R> }['handle'];

/**
 * What `start` returns: the plugin while it runs. Handlers close over the started service, so no
 * handler can meet a plugin that is not running (the host only routes to running plugins).
 */
export interface RunningPlugin<M extends ActionSpecs = ActionSpecs> {
  readonly handlers: ActionHandlers<M>;
  stop(): Promise<void>;
}

export interface LoopPlugin<C = unknown, M extends ActionSpecs = ActionSpecs> {
  /** Explicit id: the config section, the topic segment, the folder name. */
  readonly id: string;
  /** Plugins that must be started first (start order only: plugins still talk over MQTT). */
  readonly dependsOn?: readonly string[];
  readonly configSchema: TSchema;
  /** The declared actions (core/protocol for built-ins): validated before any handler runs. */
  readonly actions: M;
  /** REST routes as data, mounted once the plugin runs (see core/http/action-routes.ts). */
  readonly routes?: RouteTable;
  /** Home Assistant entities on its own topics and actions, as data (published in bridge/info; docs/plugins.md). */
  readonly entities?: readonly PluginEntity[];
  /** Its `loop <id> <command>` commands (a built-in gives them in app/builtin.ts instead, from a light module). */
  readonly cli?: PluginCli;
  start(ctx: PluginContext<C>): Promise<RunningPlugin<M>>;
}

/** Type-checks a plugin against its declared actions; returns it unchanged. */
export function definePlugin<C, M extends ActionSpecs>(plugin: LoopPlugin<C, M>): LoopPlugin<C, M> {
  return plugin;
}

/** What a plugin's command line command is given. */
export interface CliEnv {
  /** The effective config (defaults, `--config FILE`, LOOP_* variables), as `loop start` reads it. */
  readonly config: LoopConfig;
  readonly deviceId: string;
  /** `<base_topic>/<device id>`: every relative topic hangs below it. */
  readonly baseTopic: string;
  /** The plugin's own config section (a third-party plugin's is checked only when it starts). */
  readonly section: unknown;
  /** Prints a line for the person at the terminal. */
  print(line: string): void;
}

/** One `loop <plugin> <name>` command. */
export interface CliCommand {
  /** One line for `loop --help`. */
  readonly summary: string;
  /** The arguments after `loop <plugin> <name>`, for `loop --help` (e.g. `[--config FILE]`). */
  readonly usage?: string;
  /** Runs it with the arguments after the command's name; resolves to the exit code (none: 0). */
  run(args: readonly string[], env: CliEnv): Promise<number | void>;
}

/** A plugin's commands by name. */
export type PluginCli = Readonly<Record<string, CliCommand>>;

export type PluginFactory<C = unknown> = () => LoopPlugin<C>;
export type ConfigOf<S extends TSchema> = Static<S>;
