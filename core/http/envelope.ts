// The first version's REST envelope: {success, message?, data?, errors?}, and its JSON schema.
import { Type, type TSchema } from '@sinclair/typebox';

export interface Envelope<T> {
  success: boolean;
  message?: string;
  data?: T;
  errors?: unknown;
}

/** The error body of every REST answer: built here only. */
export const fail = (
  code: string,
  message: string,
  errors?: unknown,
): { success: false; message: string; code: string; errors?: unknown } =>
  errors !== undefined ? { success: false, message, code, errors } : { success: false, message, code };

export const ok = <T>(data: T, message?: string): Envelope<T> => (message ? { success: true, message, data } : { success: true, data });

/** Response schema for a route answering `ok(data)`. */
export const EnvelopeOf = (data: TSchema): TSchema =>
  Type.Object({
    success: Type.Boolean(),
    message: Type.Optional(Type.String()),
    data,
  });

export const ErrorEnvelope = Type.Object({
  success: Type.Literal(false),
  message: Type.String(),
  code: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Unknown()),
});
