// What a plugin is and what it is given. A plugin module's default export is a factory
// `() => LoopPlugin`, so every start gets fresh state (and tests can run several Loops in one process).
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Static, TSchema } from '@sinclair/typebox';
import type { ActionSpec, ActionSpecs, EventLevel, RequestOf, ResponseOf, TopicName, TopicPayload } from '../protocol/index.js';
import type { StateStore } from '../store/store.js';

export interface DeviceInfo {
  readonly id: string;
  readonly name: string;
  /** e.g. `loop/livingroom`; every relative topic hangs below it. */
  readonly baseTopic: string;
  readonly version: string;
  /** The configured HTTP port (0 = chosen by the OS at listen time, so not known here). */
  readonly httpPort: number;
}

export interface PublishOptions { retain?: boolean; qos?: 0 | 1 }

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
  /** Ask a plugin to do something and wait for its answer (rejects with ActionError, `timeout` after timeoutMs). */
  request<Res = unknown>(plugin: string, action: string, payload?: unknown, opts?: { timeoutMs?: number }): Promise<Res>;
  /** The last value seen on a topic (retained state), if any. */
  last<T extends TopicName>(topic: T): TopicPayload<T> | undefined;
}

export interface HttpRegistrar {
  /** Register routes in the plugin's own Fastify scope (before the server listens). */
  register(fn: (app: FastifyInstance) => void | Promise<void>): void;
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
  readonly http: HttpRegistrar;
  /** The data directory of the whole device (media, state). */
  readonly dataDir: string;
  /** Publish a notification on `bridge/event` (errors reach every page). */
  notify(level: EventLevel, message: string, data?: unknown, type?: string): void;
  /** Extra facts for `bridge/info` (e.g. why the player is unavailable). Republishes bridge/info. */
  setDetail(detail: Record<string, unknown>): void;
}

/** Where a handler is called from, for logging and auditing. */
export interface ActionMeta { readonly via: 'request' | 'set' | 'internal'; readonly transaction?: string | number }

export interface ActionEntry<S extends ActionSpec = ActionSpec> {
  readonly spec: S;
  run(payload: RequestOf<S>, meta: ActionMeta): Promise<ResponseOf<S>>;
}
export type ActionTable = Readonly<Record<string, ActionEntry>>;

export type ActionHandlers<M extends ActionSpecs> = {
  [K in keyof M]: (payload: RequestOf<M[K]>, meta: ActionMeta) => Promise<ResponseOf<M[K]>>;
};

/** Pairs each declared action (core/protocol) with its handler, type-checked against the declaration. */
export function defineActions<M extends ActionSpecs>(specs: M, handlers: ActionHandlers<M>): ActionTable {
  const table: Record<string, ActionEntry> = {};
  for (const name of Object.keys(specs)) {
    const spec = specs[name] as ActionSpec;
    const run = handlers[name as keyof M] as ActionEntry['run'];
    table[name] = { spec, run };
  }
  return table;
}

export interface LoopPlugin<C = unknown> {
  /** Explicit id: the config section, the topic segment, the folder name. */
  readonly id: string;
  /** Plugins that must be started first (start order only: plugins still talk over MQTT). */
  readonly dependsOn?: readonly string[];
  readonly configSchema: TSchema;
  readonly actions: ActionTable;
  start(ctx: PluginContext<C>): Promise<void>;
  stop(): Promise<void>;
}

export type PluginFactory<C = unknown> = () => LoopPlugin<C>;
export type ConfigOf<S extends TSchema> = Static<S>;
