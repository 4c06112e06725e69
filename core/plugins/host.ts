// Starts plugins in dependency order, isolates their failures, serves their actions over MQTT,
// reports them in bridge/info, and stops them in reverse order.
import { mkdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { checkOnce } from '../config/validate.js';
import type { Bus } from '../bus/bus.js';
import { requestTopic, responseTopic, type ActionResponse, type EventLevel, type PluginStatus } from '../protocol/index.js';
import type { StateStore } from '../store/store.js';
import type { DeviceInfo, LoopPlugin, OwnerSettingsAccess, PluginContext, RunningPlugin } from './api.js';
import { parseRequest, parseSet, runAction, type AnyHandlers, type Command } from './dispatch.js';
import { mountActionRoutes } from '../http/action-routes.js';
import { CommandQueue } from './command-queue.js';
import { createLane } from './lane.js';
import { secretOnMqtt } from './secret-guard.js';
import { excerpt } from '../util/text.js';
import { loadPlugin, orderByDependencies } from './load.js';
import type { BuiltinCatalog } from '../parts.js';
import { ActionError, INTERNAL_TRANSACTION_PREFIX, type ActionSpec } from '../protocol/index.js';
import { withTimeout } from '../util/timeout.js';
import { monotonicMs } from '../util/clock.js';
import { logged } from '../util/swallow.js';

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 3_000;
/** Commands waiting for one plugin before new ones are refused as `busy` (coalescing ones never pile up). */
const MAX_WAITING_COMMANDS = 64;
/** Error events about bad commands, per plugin: a burst of this many, then this many a second. */
const BAD_COMMAND_EVENT_BURST = 30;
const BAD_COMMAND_EVENTS_PER_SECOND = 10;

interface Running {
  plugin: LoopPlugin;
  handlers: AnyHandlers;
  stop: () => Promise<void>;
  status: PluginStatus;
  abort: AbortController;
  dispose: () => void;
  /** Commands to one plugin run one at a time, in arrival order, bounded. */
  queue: CommandQueue;
}

export interface HostOptions {
  specs: string[];
  /** The built-in plugins, by id (from the composition root, app/builtin.ts). */
  builtins: BuiltinCatalog;
  config: Record<string, unknown>;
  baseDir: string;
  bus: Bus;
  store: StateStore;
  device: DeviceInfo;
  dataDir: string;
  ownerSettings: OwnerSettingsAccess;
  log: Logger;
  http: FastifyInstance;
  notify: (source: string, level: EventLevel, message: string, data?: unknown, type?: string) => void;
  onInfoChanged: () => void;
  /** Absolute group topics (`loop/group/<name>`) whose `<plugin>/set` commands this device obeys too. */
  groupTopics?: readonly string[];
}

export class PluginHost {
  private readonly plugins = new Map<string, Running>();
  private readonly statuses: PluginStatus[] = [];
  private unsubscribe: Array<() => void> = [];
  private readonly eventBuckets = new Map<string, { tokens: number; at: number; dropped: number }>();
  /** Every plugin loaded, running or not: their declarations say which requests carry secrets. */
  private readonly loaded = new Map<string, LoopPlugin>();

  constructor(private readonly options: HostOptions) {}

  get status(): PluginStatus[] {
    return this.statuses.map((s) => ({ ...s }));
  }

  async start(): Promise<void> {
    const loaded: LoopPlugin[] = [];
    for (const spec of this.options.specs) {
      try {
        const { plugin, source } = await loadPlugin(spec, this.options.baseDir, this.options.builtins);
        if (this.plugins.has(plugin.id) || loaded.some((p) => p.id === plugin.id))
          throw new Error(`plugin id "${plugin.id}" is listed twice`);
        loaded.push(plugin);
        this.statuses.push({
          id: plugin.id,
          state: 'stopped',
          actions: Object.keys(plugin.actions),
          source,
          ...(plugin.entities?.length ? { entities: [...plugin.entities] } : {}),
        });
      } catch (err) {
        this.fail(spec, `cannot load: ${(err as Error).message}`, 'failed');
      }
    }
    for (const plugin of loaded) this.loaded.set(plugin.id, plugin);
    // Requests with a secret field (from REST, /ws or a plugin) reach their plugin here, never the broker.
    this.options.bus.setInProcessActions({
      specOf: (pluginId, action) => this.specOf(pluginId, action),
      run: (pluginId, cmd) => this.run(pluginId, cmd, 'request'),
    });
    const { order, problems } = orderByDependencies(loaded);
    for (const [id, why] of problems) this.fail(id, why, 'skipped');

    // One subscription each for all requests and all `/set` commands.
    this.unsubscribe.push(this.options.bus.subscribeRaw('bridge/request/+/+', (buf, topic) => this.onRequest(topic, buf)));
    this.unsubscribe.push(this.options.bus.subscribeRaw('+/set', (buf, topic) => this.onSet(topic, buf)));
    // A group command is this device's own `<plugin>/set`, arriving on a topic shared by the group.
    for (const g of this.options.groupTopics ?? []) {
      this.unsubscribe.push(
        this.options.bus.subscribeRaw(`${g}/+/set`, (buf, topic) => this.onSet(topic.slice(g.length + 1), buf), { absolute: true }),
      );
    }

    for (const plugin of order) {
      if ((plugin.dependsOn ?? []).some((d) => !this.plugins.has(d))) {
        this.fail(plugin.id, `needs ${plugin.dependsOn?.join(', ')}, not all running`, 'skipped');
        continue;
      }
      await this.startOne(plugin);
    }
  }

  private async startOne(plugin: LoopPlugin): Promise<void> {
    const log = this.options.log.child({ plugin: plugin.id });
    const section = this.options.config[plugin.id] ?? {};
    const problems = checkOnce(plugin.configSchema, section, plugin.id);
    if (problems.length) {
      this.fail(plugin.id, `bad config: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, 'failed');
      return;
    }
    const abort = new AbortController();
    const scopedBus = this.options.bus.scoped();
    const routes: Array<(app: FastifyInstance) => void | Promise<void>> = [];
    const status = this.statuses.find((s) => s.id === plugin.id);
    const queue = new CommandQueue((action) => plugin.actions[action]?.coalesce === true, MAX_WAITING_COMMANDS);
    const ctx: PluginContext = {
      id: plugin.id,
      config: section,
      device: this.options.device,
      log,
      bus: scopedBus,
      store: this.options.store.scope(plugin.id),
      signal: abort.signal,
      lane: createLane(queue, scopedBus, log, abort.signal),
      http: { register: (fn) => routes.push(fn) },
      dataDir: this.options.dataDir,
      ownerSettings: this.options.ownerSettings,
      notify: (level, message, data, type) => this.options.notify(plugin.id, level, message, data, type),
      setDetail: (detail) => {
        if (status) status.detail = { ...(status.detail ?? {}), ...detail };
        this.options.onInfoChanged();
      },
    };
    await mkdir(this.options.dataDir, { recursive: true });
    let running: RunningPlugin;
    try {
      running = await withTimeout(plugin.start(ctx), START_TIMEOUT_MS, `start of ${plugin.id} took over ${START_TIMEOUT_MS} ms`);
      const missing = Object.keys(plugin.actions).filter((a) => typeof running?.handlers?.[a] !== 'function');
      if (missing.length) {
        // The missing handlers are the error to report; a stop that fails as well only adds a log line.
        await running?.stop?.().catch(logged(log, 'stop after an incomplete start failed'));
        throw new Error(`start() returned no handler for ${missing.join(', ')}`);
      }
    } catch (err) {
      abort.abort();
      scopedBus.dispose();
      this.fail(plugin.id, (err as Error).message ?? String(err), 'failed');
      return;
    }
    // Routes are added only for plugins that started, so a failed one leaves no half API.
    const table = plugin.routes;
    if (table?.length) this.options.http.register((app) => mountActionRoutes(app, table, scopedBus));
    for (const fn of routes) this.options.http.register(async (app) => fn(app));
    this.plugins.set(plugin.id, {
      plugin,
      handlers: running.handlers,
      stop: () => running.stop(),
      status: status as PluginStatus,
      abort,
      dispose: () => scopedBus.dispose(),
      queue,
    });
    queue.open((cmd) => runAction(plugin.id, plugin.actions, running.handlers, cmd, cmd.via ?? 'request'));
    if (status) status.state = 'running';
    log.info('started');
  }

  private fail(id: string, why: string, state: 'failed' | 'skipped'): void {
    const status = this.statuses.find((s) => s.id === id);
    if (status) {
      status.state = state;
      status.error = why;
    } else {
      this.statuses.push({ id, state, error: why, actions: [], source: 'unknown' });
    }
    this.options.log.error({ plugin: id }, `plugin ${state}: ${why}`);
    this.options.notify('bridge', 'error', `plugin ${id} ${state}: ${why}`, { plugin: id }, 'plugin_failed');
  }

  private specOf(pluginId: string, action: string): ActionSpec | undefined {
    const actions = this.loaded.get(pluginId)?.actions;
    return actions && Object.prototype.hasOwnProperty.call(actions, action) ? actions[action] : undefined;
  }

  /** Run an action on a plugin in its queue, as the bus would; used by MQTT, REST and /ws alike. */
  private run(pluginId: string, cmd: Command, via: 'request' | 'set'): Promise<ActionResponse> {
    const running = this.plugins.get(pluginId);
    if (!running) {
      const st = this.statuses.find((s) => s.id === pluginId);
      const why = st ? `plugin ${pluginId} is ${st.state}${st.error ? `: ${st.error}` : ''}` : `unknown plugin "${pluginId}"`;
      const res: ActionResponse = {
        status: 'error',
        code: st ? 'unavailable' : 'not_found',
        error: why,
        ...(cmd.transaction !== undefined ? { transaction: cmd.transaction } : {}),
      };
      return Promise.resolve(res);
    }
    return running.queue.push({ ...cmd, via });
  }

  private onRequest(topic: string, buf: Buffer): void {
    const [, , pluginId = '', action = ''] = topic.split('/');
    let cmd: Command;
    try {
      cmd = parseRequest(action, buf);
    } catch (err) {
      const e = err as ActionError;
      const transaction = extractTransaction(buf);
      void this.options.bus.publishRaw(
        responseTopic(pluginId, action),
        JSON.stringify({
          status: 'error',
          code: e.code ?? 'invalid',
          error: e.message,
          ...(transaction !== undefined ? { transaction } : {}),
        }),
      );
      this.badCommand(
        pluginId,
        `bad request on ${excerpt(requestTopic(pluginId, action), 80)}: ${e.message}`,
        undefined,
        'invalid_command',
      );
      return;
    }
    const secret = secretOnMqtt(pluginId, this.specOf(pluginId, action), this.loaded.get(pluginId)?.routes, cmd);
    if (secret) {
      const refusal = {
        status: 'error',
        code: secret.code,
        error: secret.message,
        ...(cmd.transaction !== undefined ? { transaction: cmd.transaction } : {}),
      };
      void this.options.bus.publishRaw(responseTopic(pluginId, action), JSON.stringify(refusal));
      this.badCommand(pluginId, secret.message, { code: secret.code }, 'invalid_command');
      return;
    }
    void this.run(pluginId, cmd, 'request').then((res) => {
      // Loop's own requests (one plugin asking another) are the asker's to handle, not every page's.
      const internal = typeof cmd.transaction === 'string' && cmd.transaction.startsWith(INTERNAL_TRANSACTION_PREFIX);
      if (!internal && res.status === 'error' && (res.code === 'invalid' || res.code === 'not_found' || res.code === 'unavailable')) {
        this.badCommand(pluginId, `${excerpt(`${pluginId}/${action}`, 80)}: ${res.error}`, { code: res.code }, 'invalid_command');
      }
      return this.options.bus.publishRaw(responseTopic(pluginId, action), JSON.stringify(res));
    });
  }

  private onSet(topic: string, buf: Buffer): void {
    const pluginId = topic.split('/')[0] ?? '';
    const running = this.plugins.get(pluginId);
    let cmd: Command;
    try {
      if (!running) throw new ActionError('not_found', `no running plugin "${pluginId}"`);
      cmd = parseSet(running.plugin.actions, buf);
      const secret = secretOnMqtt(pluginId, this.specOf(pluginId, cmd.action), running.plugin.routes, cmd);
      if (secret) throw secret;
    } catch (err) {
      this.badCommand(pluginId, `bad command on ${excerpt(topic, 80)}: ${(err as Error).message}`, undefined, 'invalid_command');
      return;
    }
    void this.run(pluginId, cmd, 'set').then((res) => {
      if (res.status === 'error')
        this.badCommand(pluginId, `${topic} ${excerpt(cmd.action, 40)}: ${res.error}`, { code: res.code }, 'command_failed');
    });
  }

  /**
   * An error event about a bad or failed command, through a token bucket per plugin (a burst of
   * BAD_COMMAND_EVENT_BURST, then BAD_COMMAND_EVENTS_PER_SECOND): a flood of bad commands must not
   * become a flood of events on every open page. What is held back is counted in one warning.
   */
  private badCommand(pluginId: string, message: string, data: unknown, type: string): void {
    const t = monotonicMs();
    const b = this.eventBuckets.get(pluginId) ?? { tokens: BAD_COMMAND_EVENT_BURST, at: t, dropped: 0 };
    b.tokens = Math.min(BAD_COMMAND_EVENT_BURST, b.tokens + ((t - b.at) / 1000) * BAD_COMMAND_EVENTS_PER_SECOND);
    b.at = t;
    this.eventBuckets.set(pluginId, b);
    if (b.tokens < 1) {
      b.dropped++;
      return;
    }
    b.tokens -= 1;
    if (b.dropped > 0) {
      this.options.notify(
        pluginId,
        'warning',
        `${b.dropped} more bad commands were not reported one by one`,
        { dropped: b.dropped },
        'commands_suppressed',
      );
      b.dropped = 0;
    }
    this.options.notify(pluginId, 'error', message, data, type);
  }

  async stop(): Promise<void> {
    this.options.bus.setInProcessActions(null);
    this.unsubscribe.splice(0).forEach((u) => u());
    const running = [...this.plugins.values()].reverse();
    for (const r of running) {
      r.abort.abort();
      try {
        // Timers are cancelled by the abort; the job or command on the lane now finishes before stop runs.
        await withTimeout(
          r.queue.run(() => undefined),
          STOP_TIMEOUT_MS,
          `${r.plugin.id}'s lane took over ${STOP_TIMEOUT_MS} ms to drain`,
        );
      } catch (err) {
        this.options.log.error({ plugin: r.plugin.id, err: (err as Error).message }, 'plugin lane still busy at stop');
      }
      try {
        await withTimeout(r.stop(), STOP_TIMEOUT_MS, `stop of ${r.plugin.id} took over ${STOP_TIMEOUT_MS} ms`);
      } catch (err) {
        this.options.log.error({ plugin: r.plugin.id, err: (err as Error).message }, 'plugin stop failed');
      }
      r.dispose();
      r.status.state = 'stopped';
      this.plugins.delete(r.plugin.id);
    }
  }
}

function extractTransaction(buf: Buffer): string | number | undefined {
  const m = /"transaction"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)/.exec(buf.toString('utf8'));
  if (!m?.[1]) return undefined;
  try {
    return JSON.parse(m[1]) as string | number;
  } catch {
    return undefined;
  }
}
