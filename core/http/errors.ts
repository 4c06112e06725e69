// Action error codes → HTTP statuses (data, not code), and Fastify's error and 404 handlers.
import type { FastifyError, FastifyInstance } from 'fastify';
import { ActionError, type ErrorCode } from '../protocol/index.js';
import { fail } from './envelope.js';

export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported: 415,
  storage_full: 507,
  busy: 429,
  internal: 500,
  unavailable: 503,
  timeout: 504,
};

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ActionError, req, reply) => {
    if (err instanceof ActionError) {
      return reply.status(HTTP_STATUS[err.code]).send(fail(err.code, err.message, err.data));
    }
    const fe = err;
    if (fe.validation) {
      return reply.status(400).send(fail('invalid', `invalid request: ${fe.message}`, fe.validation));
    }
    const status = fe.statusCode && fe.statusCode >= 400 ? fe.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    return reply.status(status).send(fail(fe.code ?? 'internal', fe.message || 'internal error'));
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send(fail('not_found', `no route ${req.method} ${req.url.split('?')[0]}`));
  });
}
