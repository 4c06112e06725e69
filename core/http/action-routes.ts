// REST routes built from action declarations. A plugin's routes.ts is a table of these: path,
// method and which action it runs; schemas, OpenAPI tags and error answers all come from here,
// and every handler is a bus request like any other client's (REST can do nothing MQTT cannot).
import type { FastifyInstance } from 'fastify';
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import type { ActionSpec, ActionSpecs, ResponseOf } from '../protocol/index.js';
import type { ScopedBus } from '../plugins/scoped-bus.js';
import { EnvelopeOf, ErrorEnvelope, ok } from './envelope.js';
import { HTTP_STATUS } from './errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What the route answers with, when it is not the action's answer as it is. */
export interface RouteView<S extends ActionSpec = ActionSpec> {
  readonly schema: TSchema;
  from(data: ResponseOf<S>, bus: ScopedBus): unknown;
}

export interface RouteOptions<S extends ActionSpec = ActionSpec> {
  /** OpenAPI summary; the action's description by default. */
  readonly summary?: string;
  readonly timeoutMs?: number;
  readonly view?: RouteView<S>;
  /** false: answer the data itself, not `{success, data}` (the first version's storage route). */
  readonly envelope?: boolean;
  /** The envelope's `message`, from the answer. */
  readonly message?: (data: ResponseOf<S>) => string;
}

export interface ActionRoute {
  readonly method: HttpMethod;
  /** Fastify path; each `:name` becomes the payload field of that name. */
  readonly path: string;
  readonly plugin: string;
  readonly action: string;
  readonly spec: ActionSpec;
  readonly options: RouteOptions;
}
export type RouteTable = readonly ActionRoute[];

/** A route builder bound to one plugin's declared actions: `r('POST', '/api/loop', 'add')`. */
export function routesFor<M extends ActionSpecs>(plugin: string, actions: M) {
  return <A extends keyof M & string>(method: HttpMethod, path: string, action: A, options: RouteOptions<M[A]> = {}): ActionRoute => ({
    method,
    path,
    plugin,
    action,
    spec: actions[action] as ActionSpec,
    options: options as RouteOptions,
  });
}

/** Every error status of the one table, each answered with the error envelope. */
const ERROR_RESPONSES: Record<number, TSchema> = Object.fromEntries(
  [...new Set(Object.values(HTTP_STATUS))].map((s) => [s, ErrorEnvelope]),
);

const paramNames = (path: string): string[] => [...path.matchAll(/:([a-z_]+)/g)].map((m) => m[1] as string);

/** The OpenAPI tag is the path's first segment after /api, so tags match paths. */
export const tagOf = (path: string): string => path.split('/')[2] ?? 'api';

export function mountActionRoutes(app: FastifyInstance, table: RouteTable, bus: ScopedBus): void {
  for (const r of table) {
    const request = r.spec.request as TObject;
    const names = paramNames(r.path);
    // Path params take their schema from the action's own payload declaration.
    const params = names.length
      ? Type.Object(Object.fromEntries(names.map((n) => [n, request.properties?.[n] ?? Type.String({ minLength: 1 })])))
      : undefined;
    const rest = Object.keys(request.properties ?? {}).filter((k) => !names.includes(k));
    const hasBody = r.method !== 'GET' && r.method !== 'DELETE' && rest.length > 0;
    const body = hasBody ? (names.length ? Type.Omit(request, names) : request) : undefined;
    const answer = r.options.view?.schema ?? r.spec.response;
    // A body whose fields are all optional may be left out (the first version's toggles sent none).
    const optionalBody = hasBody && !(body as TObject).required?.length;
    app.route({
      method: r.method,
      url: r.path,
      schema: {
        tags: [tagOf(r.path)],
        summary: r.options.summary ?? r.spec.description,
        ...(params ? { params } : {}),
        ...(body ? { body } : {}),
        response: { 200: r.options.envelope === false ? answer : EnvelopeOf(answer), ...ERROR_RESPONSES },
      },
      ...(optionalBody
        ? {
            preValidation: async (req: { body: unknown }) => {
              req.body ??= {};
            },
          }
        : {}),
      handler: async (req) => {
        const payload = { ...(hasBody ? (req.body as object) : {}), ...(req.params as object) };
        const opts = r.options.timeoutMs ? { timeoutMs: r.options.timeoutMs } : undefined;
        const data = await bus.requestRaw(r.plugin, r.action, payload, opts);
        const shown = r.options.view ? r.options.view.from(data, bus) : data;
        if (r.options.envelope === false) return shown;
        return ok(shown, r.options.message?.(data));
      },
    });
  }
}
