// Commands and REST calls: a plugin action goes over the socket while it is live (answered by a
// `response` with the same id) and over REST (POST /api/actions/<plugin>/<action>) when it is not.
import type { Envelope, ServerMessage } from './messages.js';
import { LiveError, type FetchInit, type FetchLike, type Timers } from './transport.js';

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: unknown;
}

export interface RequestDeps {
  fetch: FetchLike;
  /** Origin (or '') that REST paths are relative to. */
  httpBase: string;
  timers: Timers;
  requestTimeoutMs: number;
  onUnauthorized?: (() => void) | undefined;
}

export class Requests {
  /** Requests sent over the socket and not answered yet, by id. */
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly deps: RequestDeps) {}

  /** Runs `plugin/action` over the socket (when `send` is given: it is live) or else over REST. */
  async run<T>(action: string, data: object, send: ((msg: object) => void) | null): Promise<T> {
    if (send) return this.overSocket<T>(action, data, send);
    const [plugin, name] = action.split('/');
    return this.rest<T>('POST', `/api/actions/${encodeURIComponent(plugin ?? '')}/${encodeURIComponent(name ?? '')}`, data);
  }

  /** A REST call answered with the envelope: resolves with `data`, throws LiveError with the server's message. */
  async rest<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: FetchInit = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
    if (body !== undefined) {
      init.headers = { ...init.headers, 'content-type': 'application/json' };
      init.body = JSON.stringify(body);
    }
    let res: Awaited<ReturnType<FetchLike>>;
    try {
      res = await this.deps.fetch(this.deps.httpBase + path, init);
    } catch {
      throw new LiveError('Loop cannot be reached', 'unreachable');
    }
    // A body that is not JSON (a proxy's error page) is judged by its status alone.
    const json = (await res.json().catch(() => null)) as Envelope<T> | null;
    if (res.status === 401) this.deps.onUnauthorized?.();
    if (!res.ok || !json || json.success === false) {
      throw new LiveError(
        json?.message ?? `HTTP ${res.status}`,
        json?.code ?? (res.status === 401 ? 'unauthorized' : 'internal'),
        res.status,
      );
    }
    return json.data as T;
  }

  /** A `response` from the gateway settles the request with its id. */
  onResponse(msg: ServerMessage): void {
    const p = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
    if (!p || typeof msg.id !== 'number') return;
    this.pending.delete(msg.id);
    this.deps.timers.clearTimeout(p.timer);
    if (msg.success) p.resolve(msg.data);
    else p.reject(new LiveError(msg.message ?? 'the command failed', msg.code ?? 'internal'));
  }

  /** The socket is gone: its unanswered requests will never be answered. */
  rejectAll(why: string): void {
    for (const [id, p] of this.pending) {
      this.deps.timers.clearTimeout(p.timer);
      p.reject(new LiveError(why, 'disconnected'));
      this.pending.delete(id);
    }
  }

  private overSocket<T>(action: string, data: object, send: (msg: object) => void): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = this.deps.timers.setTimeout(() => {
        this.pending.delete(id);
        reject(new LiveError(`Loop did not answer ${action} in time`, 'timeout'));
      }, this.deps.requestTimeoutMs);
      this.pending.set(id, { resolve: (v) => resolve(v as T), reject, timer });
      send({ type: 'request', id, action, data });
    });
  }
}
