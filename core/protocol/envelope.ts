// The envelopes shared by every plugin: request/response over bridge/*, events, errors.
import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';

/** A union of string literals (a closed set of names), typed as the names themselves. */
export function Names<const T extends string[]>(...names: T): TUnion<{ [K in keyof T]: TLiteral<T[K]> }> {
  return Type.Union(names.map((name) => Type.Literal(name))) as unknown as TUnion<{ [K in keyof T]: TLiteral<T[K]> }>;
}

/** Error codes a plugin action may answer with; HTTP maps them to status codes (see core/http/errors.ts). */
export const ErrorCodes = [
  'invalid',
  'not_found',
  'conflict',
  'too_large',
  'unsupported',
  'forbidden',
  'storage_full',
  'busy',
  'unavailable',
  'timeout',
  'internal',
] as const;
export type ErrorCode = (typeof ErrorCodes)[number];

/** Transactions of Loop's own requests (one plugin asking another): random after the prefix. */
export const INTERNAL_TRANSACTION_PREFIX = 'loop~';

export interface OkResponse<T = unknown> {
  status: 'ok';
  data: T;
  transaction?: string | number;
}
export interface ErrorResponse {
  status: 'error';
  error: string;
  code: ErrorCode;
  data?: unknown;
  transaction?: string | number;
}
export type ActionResponse<T = unknown> = OkResponse<T> | ErrorResponse;

/** An action's contract: the JSON schema of its payload and of its answer. */
export interface ActionSpec<Req extends TSchema = TSchema, Res extends TSchema = TSchema> {
  readonly description: string;
  readonly request: Req;
  readonly response: Res;
  /** `{"<action>": value}` on `<plugin>/set` means `{<field>: value}` (for Home Assistant and Node-RED). */
  readonly shorthand?: string;
  /**
   * A newer call may stand in for an older one still waiting in the plugin's queue (repeated `next`
   * or `volume`): under a flood of commands the queue holds one, not thousands.
   */
  readonly coalesce?: boolean;
}
export type ActionSpecs = Readonly<Record<string, ActionSpec>>;

export type RequestOf<S extends ActionSpec> = Static<S['request']>;
export type ResponseOf<S extends ActionSpec> = Static<S['response']>;

/** Thrown by action handlers; becomes `{status:"error", code, error}` and an HTTP status. */
export class ActionError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'ActionError';
  }
}

export const EventLevel = Names('debug', 'info', 'warning', 'error');
export type EventLevel = Static<typeof EventLevel>;

export const BridgeEvent = Type.Object({
  type: Type.String(),
  level: EventLevel,
  message: Type.String(),
  source: Type.String(),
  data: Type.Optional(Type.Unknown()),
  timestamp: Type.String(),
});
export type BridgeEvent = Static<typeof BridgeEvent>;

/** `T | null`: a field that is always present and may be empty. */
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const NoPayload = Type.Object({}, { additionalProperties: false });
export const Ack = Type.Object({ ok: Type.Literal(true) });
