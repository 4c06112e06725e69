// The bus: Loop's one MQTT connection, shared by the plugins, the HTTP layer and the gateway.
// It subscribes once to `<base>/#` and dispatches locally, caches the last value of every topic
// (retained state), runs request/response with transactions, and after a reconnect to an
// external broker republishes the retained state it owns (a restarted broker may have lost it).
// A request whose action declares a secret field never goes to the broker: it runs in-process.
import { randomUUID } from 'node:crypto';
import type { IClientPublishOptions, MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { ValidateFunction } from 'ajv';
import { compile } from '../config/validate.js';
import {
  ActionError,
  INTERNAL_TRANSACTION_PREFIX,
  builtinActions,
  isCommandTopic,
  secretFields,
  isStateTopic,
  topicSchemas,
  requestTopic,
  responseTopic,
  type ActionName,
  type ActionResponse,
  type ActionSpec,
  type AnswerFor,
  type BuiltinPlugin,
  type RequestArgs,
  type RequestOptions,
  type TopicName,
  type TopicPayload,
} from '../protocol/index.js';
import type { MessageHandler, PublishOptions, ScopedBus } from '../plugins/scoped-bus.js';
import type { Command } from '../plugins/dispatch.js';
import { topicMatches } from './match.js';
import { PendingAnswers } from '../util/pending.js';

type RawHandler = (payload: Buffer, topic: string) => void;

/** `topic`: the response topic the answer must come on (a transaction alone could be echoed elsewhere). */

/** The plugin host, as the bus sees it: declarations to look up and a queue to run an action in. */
export interface InProcessActions {
  /** The declaration of an action of a plugin the host loaded, if any. */
  specOf(plugin: string, action: string): ActionSpec | undefined;
  run(plugin: string, cmd: Command): Promise<ActionResponse>;
}

export interface BusOptions {
  client: MqttClient;
  baseTopic: string;
  log: Logger;
  /** Default request timeout in ms. */
  requestTimeoutMs?: number;
}

export class Bus {
  readonly baseTopic: string;
  readonly client: MqttClient;
  private readonly log: Logger;
  private readonly handlers = new Map<string, Set<RawHandler>>();
  private readonly absoluteSubs = new Map<string, Set<RawHandler>>();
  private readonly lastValues = new Map<string, Buffer>();
  private readonly ownedRetained = new Map<string, Buffer>();
  /**
   * Our own state publishes not yet back from the broker, per topic. `last()` holds what this process
   * published from the moment it publishes (read your writes: a response at QoS 0 can overtake the
   * QoS 1 state its handler published before it), and the echoes, older or equal, do not undo that.
   */
  private readonly ownEchoes = new Map<string, number>();
  /** Requests awaiting their answer, by transaction; the tag is the response topic it must come on. */
  private readonly pending = new PendingAnswers<string, unknown, string>();
  private readonly requestTimeoutMs: number;
  private connectedOnce = false;
  private readonly connectListeners = new Set<(reconnect: boolean) => void>();
  /** Where requests that carry a secret run (the plugin host, once started); null: refused. */
  private inProcess: InProcessActions | null = null;

  constructor(opts: BusOptions) {
    this.client = opts.client;
    this.baseTopic = opts.baseTopic;
    this.log = opts.log;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.client.on('message', (topic, payload, packet) => this.dispatch(topic, payload, packet.retain));
    this.client.on('connect', () => this.onConnect());
  }

  /** Resolves once connected (or after timeoutMs, with a warning: mqtt.js queues until then). */
  waitConnected(timeoutMs = 5000): Promise<void> {
    if (this.client.connected) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.log.warn('broker not reachable yet; continuing, messages are queued until it is');
        resolve();
      }, timeoutMs);
      this.client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  onConnected(fn: (reconnect: boolean) => void): () => void {
    this.connectListeners.add(fn);
    return () => this.connectListeners.delete(fn);
  }

  private onConnect(): void {
    const reconnect = this.connectedOnce;
    this.connectedOnce = true;
    // Subscriptions survive a reconnect (mqtt.js resubscribes); the first one is made here.
    if (!reconnect) {
      this.client.subscribe(`${this.baseTopic}/#`, { qos: 1 });
      for (const filter of this.absoluteSubs.keys()) this.client.subscribe(filter, { qos: 1 });
    } else {
      // Echoes lost with the connection never come; the republish below is what `last()` follows now.
      this.ownEchoes.clear();
      this.log.info({ topics: this.ownedRetained.size }, 'reconnected to broker; republishing retained state');
      for (const [topic, payload] of this.ownedRetained) this.client.publish(topic, payload, { retain: true, qos: 1 });
    }
    for (const fn of this.connectListeners) fn(reconnect);
  }

  abs(rel: string): string {
    return `${this.baseTopic}/${rel}`;
  }

  rel(abs: string): string | null {
    return abs.startsWith(this.baseTopic + '/') ? abs.slice(this.baseTopic.length + 1) : null;
  }

  publishAbsolute(topic: string, payload: string | Buffer, opts: PublishOptions = {}): Promise<void> {
    const buf = typeof payload === 'string' ? Buffer.from(payload) : payload;
    if (opts.retain) {
      if (buf.length === 0) this.ownedRetained.delete(topic);
      else this.ownedRetained.set(topic, buf);
      const rel = this.rel(topic);
      if (rel !== null && isStateTopic(rel)) {
        this.remember(rel, buf);
        this.ownEchoes.set(rel, (this.ownEchoes.get(rel) ?? 0) + 1);
      }
    }
    const options: IClientPublishOptions = { retain: opts.retain ?? false, qos: opts.qos ?? (opts.retain ? 1 : 0) };
    return new Promise((resolve, reject) => {
      this.client.publish(topic, buf, options, (err) => (err ? reject(err) : resolve()));
    });
  }

  publishRaw(rel: string, payload: string | Buffer, opts?: PublishOptions): Promise<void> {
    return this.publishAbsolute(this.abs(rel), payload, opts);
  }

  publish<T extends TopicName>(topic: T, payload: TopicPayload<T>, opts?: PublishOptions): Promise<void> {
    return this.publishRaw(topic, JSON.stringify(payload), opts);
  }

  /** Raw subscription to a pattern relative to the base topic (or absolute). */
  subscribeRaw(pattern: string, handler: RawHandler, opts: { absolute?: boolean } = {}): () => void {
    if (opts.absolute) {
      let set = this.absoluteSubs.get(pattern);
      if (!set) {
        set = new Set();
        this.absoluteSubs.set(pattern, set);
        if (this.client.connected) this.client.subscribe(pattern, { qos: 1 });
      }
      set.add(handler);
      return () => {
        set.delete(handler);
        if (set.size === 0) {
          this.absoluteSubs.delete(pattern);
          this.client.unsubscribe(pattern);
        }
      };
    }
    let set = this.handlers.get(pattern);
    if (!set) {
      set = new Set();
      this.handlers.set(pattern, set);
    }
    set.add(handler);
    // Deliver the cached value(s) at once, as a retained subscription would.
    for (const [rel, payload] of this.lastValues) {
      if (topicMatches(pattern, rel)) queueMicrotask(() => handler(payload, rel));
    }
    return () => set.delete(handler);
  }

  subscribe<T extends TopicName>(topic: T, handler: MessageHandler<TopicPayload<T>>): () => void {
    // Compiled on the first message: a subscription to a topic that stays quiet costs no validator.
    let validate: ValidateFunction | null = null;
    return this.subscribeRaw(topic, (buf, rel) => {
      if (buf.length === 0) return;
      let value: unknown;
      try {
        value = JSON.parse(buf.toString('utf8'));
      } catch {
        this.log.warn({ topic: rel }, 'dropped a message that is not JSON');
        return;
      }
      validate ??= compile(topicSchemas[topic]);
      if (!validate(value)) {
        this.log.warn({ topic: rel, errors: validate.errors?.slice(0, 3) }, 'dropped a message that does not match the contract');
        return;
      }
      handler(value as TopicPayload<T>, rel);
    });
  }

  last<T extends TopicName>(topic: T): TopicPayload<T> | undefined {
    const buf = this.lastValues.get(topic);
    if (!buf || buf.length === 0) return undefined;
    try {
      return JSON.parse(buf.toString('utf8')) as TopicPayload<T>;
    } catch {
      // A retained value that is not JSON was already dropped (and logged) by every subscriber: as if none.
      return undefined;
    }
  }

  lastRaw(rel: string): Buffer | undefined {
    return this.lastValues.get(rel);
  }

  /** Ask a built-in plugin, typed by the action's declaration in core/protocol. */
  request<P extends BuiltinPlugin, A extends ActionName<P>>(plugin: P, action: A, ...args: RequestArgs<P, A>): Promise<AnswerFor<P, A>> {
    const [payload, opts] = args;
    return this.requestRaw(plugin, action, payload ?? {}, opts);
  }

  /** Set by the plugin host while it runs: requests with a secret field are handed to it, not the broker. */
  setInProcessActions(actions: InProcessActions | null): void {
    this.inProcess = actions;
  }

  async requestRaw(plugin: string, action: string, payload: unknown = {}, opts: RequestOptions = {}): Promise<unknown> {
    // Unguessable, so nobody can answer in Loop's place; the prefix keeps answers from outside clients.
    const transaction = `${INTERNAL_TRANSACTION_PREFIX}${randomUUID()}`;
    const body =
      payload !== null && typeof payload === 'object' && !Array.isArray(payload)
        ? { ...(payload as Record<string, unknown>), transaction }
        : { value: payload, transaction };
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
    if (this.carriesSecrets(plugin, action)) return this.requestInProcess(plugin, action, body, timeoutMs);
    const result = this.pending.wait(
      transaction,
      timeoutMs,
      () => new ActionError('timeout', `no answer from ${plugin}/${action} within ${timeoutMs} ms`),
      responseTopic(plugin, action),
    );
    await this.publishRaw(requestTopic(plugin, action), JSON.stringify(body), { qos: 1 });
    return result;
  }

  /** Whether the action declares a secret field (a built-in's declaration counts even before its plugin loads). */
  private carriesSecrets(plugin: string, action: string): boolean {
    const builtin: Partial<Record<string, Partial<Record<string, ActionSpec>>>> = builtinActions;
    const spec = this.inProcess?.specOf(plugin, action) ?? builtin[plugin]?.[action];
    return spec !== undefined && secretFields(spec).length > 0;
  }

  /**
   * Every subscriber of the broker (any MQTT user, anything on an external broker's network) would
   * read a request published there; the HTTP routes, the gateway and the plugins share this process,
   * so one that carries a secret goes straight to the plugin's queue. Without a host: refused.
   */
  private async requestInProcess(plugin: string, action: string, body: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    const host = this.inProcess;
    if (!host) throw new ActionError('unavailable', `${plugin}/${action} carries a secret and no plugin host runs in this process`);
    const { transaction, ...payload } = body;
    const cmd: Command = { action, payload, transaction: transaction as string, via: 'request' };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new ActionError('timeout', `no answer from ${plugin}/${action} within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const res = await Promise.race([host.run(plugin, cmd), late]);
      if (res.status === 'ok') return res.data;
      throw new ActionError(res.code, res.error, res.data);
    } finally {
      clearTimeout(timer);
    }
  }

  private dispatch(topic: string, payload: Buffer, retained = false): void {
    const rel = this.rel(topic);
    // A retained command (left on an external broker) would replay at every (re)connect; that holds
    // for a fleet's group commands (outside the device's own topics) too.
    if (retained && (rel !== null ? isCommandTopic(rel) : topic.endsWith('/set'))) {
      this.log.warn({ topic }, 'ignored a retained command (commands are never retained; clear it with an empty retained publish)');
      return;
    }
    if (rel !== null) {
      if (rel.startsWith('bridge/response/')) this.settleResponse(rel, payload);
      // Keep the latest value of state topics (commands and responses are not state).
      if (isStateTopic(rel)) {
        const echoes = this.ownEchoes.get(rel) ?? 0;
        if (echoes === 0) this.remember(rel, payload);
        else if (echoes === 1) this.ownEchoes.delete(rel);
        else this.ownEchoes.set(rel, echoes - 1);
      }
      for (const [pattern, set] of this.handlers) {
        if (!topicMatches(pattern, rel)) continue;
        for (const h of set) this.safeCall(h, payload, rel);
      }
    }
    for (const [pattern, set] of this.absoluteSubs) {
      if (!topicMatches(pattern, topic)) continue;
      for (const h of set) this.safeCall(h, payload, topic);
    }
  }

  private remember(rel: string, payload: Buffer): void {
    if (payload.length === 0) this.lastValues.delete(rel);
    else this.lastValues.set(rel, payload);
  }

  private safeCall(h: RawHandler, payload: Buffer, topic: string): void {
    try {
      h(payload, topic);
    } catch (err) {
      this.log.error({ err, topic }, 'a message handler threw');
    }
  }

  private settleResponse(rel: string, payload: Buffer): void {
    let res: ActionResponse;
    try {
      res = JSON.parse(payload.toString('utf8')) as ActionResponse;
    } catch {
      // Not an answer of ours (we always send JSON): the request it might belong to times out with a clear error.
      return;
    }
    const tx = typeof res.transaction === 'string' ? res.transaction : undefined;
    if (!tx || this.pending.tagOf(tx) !== rel) return;
    this.pending.settle(
      tx,
      res.status === 'ok' ? { value: res.data } : { error: new ActionError(res.code ?? 'internal', res.error ?? 'failed', res.data) },
    );
  }

  /** A view for one plugin: relative topics, and every subscription undone at stop. */
  scoped(): ScopedBus & { dispose(): void } {
    const subs: Array<() => void> = [];
    const track = (u: () => void) => {
      subs.push(u);
      return u;
    };
    return {
      publish: (t, p, o) => this.publish(t, p, o),
      publishRaw: (t, p, o) => this.publishRaw(t, p, o),
      publishAbsolute: (t, p, o) => this.publishAbsolute(t, p, o),
      subscribe: (t, h) => track(this.subscribe(t, h)),
      subscribeRaw: (p, h, o) => track(this.subscribeRaw(p, h, o)),
      request: (pl, a, ...args) => this.request(pl, a, ...args),
      requestRaw: (pl, a, p, o) => this.requestRaw(pl, a, p, o),
      last: (t) => this.last(t),
      dispose: () => subs.splice(0).forEach((u) => u()),
    };
  }

  async close(): Promise<void> {
    this.pending.failAll(new ActionError('unavailable', 'Loop is shutting down'));
    await new Promise<void>((resolve) => this.client.end(false, {}, () => resolve()));
  }
}
