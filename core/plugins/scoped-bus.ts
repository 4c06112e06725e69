// A plugin's view of the bus (`ctx.bus`), apart from the rest of the plugin API so that the REST
// route table (core/http/action-routes.ts), which the API names, can use it without a cycle.
import type { ActionName, AnswerFor, BuiltinPlugin, RequestArgs, RequestOptions, TopicName, TopicPayload } from '../protocol/index.js';

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
