// What a plugin is and what it is given. A plugin module's default export is a factory
// `() => LoopPlugin`, so every start gets fresh state (and tests can run several Loops in one process).
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Static, TSchema } from '@sinclair/typebox';
import type {
  ActionName,
  ActionSpecs,
  AnswerFor,
  BuiltinPlugin,
  EventLevel,
  RequestArgs,
  RequestOf,
  RequestOptions,
  ResponseOf,
  TopicName,
  TopicPayload,
} from '../protocol/index.js';
import type { RouteTable } from '../http/action-routes.js';
import type { StateStore } from '../store/store.js';

export interface DeviceInfo {
  readonly id: string;
  readonly name: string;
  /** e.g. `loop/livingroom`; every relative topic hangs below it. */
  readonly baseTopic: string;
  readonly version: string;
  /** The configured HTTP port (0 = chosen by the OS at listen time, so not known here). */
  readonly httpPort: number;
  /** When this run started (`bridge/info.started_at`): a retained bridge/info from a previous run has another. */
  readonly startedAt: string;
}

export interface PublishOptions {
  retain?: boolean;
  qos?: 0 | 1;
}

/** Handler for a message on a subscribed topic. `topic` is relative to the base topic. */
export type MessageHandler<T> = (payload: T, topic: string) => void;

/** A plugin's view of the bus: topics are relative to the base topic. */
export interface ScopedBus {
  publish<T extends TopicName>(topic: T, payload: TopicPayload<T>, opts?: PublishOptions): Promise<void>;
  /** Publish on a topic outside the typed map (third-party plugins), relative to the base topic. */
  publishRaw(topic: string, payload: string | Buffer, opts?: PublishOptions): Promise<void>;
  /** Publish on an absolute topic (e.g. Home Assistant discovery, outside the base topic). */
  publishAbsolute(topic: string, payload: string | Buffer, opts?: PublishOptions): Promise<void>;
  /** Parsed, schema-checked payloads; a message that fails the check is logged and dropped. Returns an unsubscribe. */
  subscribe<T extends TopicName>(topic: T, handler: MessageHandler<TopicPayload<T>>): () => void;
  /** Any pattern (`+`, `#`), relative to the base topic unless absolute is set; raw payloads. */
  subscribeRaw(pattern: string, handler: (payload: Buffer, topic: string) => void, opts?: { absolute?: boolean }): () => void;
  /** Ask a built-in plugin to do something and wait for its answer, typed by the action's declaration (rejects with ActionError, `timeout` after timeoutMs). */
  request<P extends BuiltinPlugin, A extends ActionName<P>>(plugin: P, action: A, ...args: RequestArgs<P, A>): Promise<AnswerFor<P, A>>;
  /** The same for any plugin (third-party ones): payload and answer unchecked at compile time. */
  requestRaw(plugin: string, action: string, payload?: unknown, opts?: RequestOptions): Promise<unknown>;
  /** The last value seen on a topic (retained state), if any. */
  last<T extends TopicName>(topic: T): TopicPayload<T> | undefined;
}

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
  start(ctx: PluginContext<C>): Promise<RunningPlugin<M>>;
}

/** Type-checks a plugin against its declared actions; returns it unchanged. */
export function definePlugin<C, M extends ActionSpecs>(plugin: LoopPlugin<C, M>): LoopPlugin<C, M> {
  return plugin;
}

export type PluginFactory<C = unknown> = () => LoopPlugin<C>;
export type ConfigOf<S extends TSchema> = Static<S>;
