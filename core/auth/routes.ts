// /api/auth/*: status, onboarding, login/logout, password change and API tokens. The guard
// (core/http/guard.ts) decides who reaches these; here only what each one does.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { EnvelopeOf, ErrorEnvelope, ok } from '../http/envelope.js';
import { AuthStatus as Status, NewToken, TokenInfo } from '../protocol/auth.js';
import { clearedCookie, readCookie, sessionCookie } from './cookie.js';
import { AuthFailure, TOKEN_NAME_MAX, type AuthService } from './service.js';
import { PASSWORD_MAX } from './password.js';

const Password = Type.String({ maxLength: PASSWORD_MAX * 4 });
const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 409: ErrorEnvelope, 429: ErrorEnvelope, 503: ErrorEnvelope };

/** What the guard found about a request: whether it proved itself, and whether with an API token. */
export interface Caller {
  loggedIn(req: FastifyRequest): boolean;
  viaToken(req: FastifyRequest): boolean;
}

export function registerAuthRoutes(app: FastifyInstance, auth: AuthService, caller: Caller): void {
  const loggedIn = (req: FastifyRequest) => caller.loggedIn(req);
  // A token given to Home Assistant or a script drives the player; it does not manage who gets in:
  // a leaked token must not mint tokens that outlive its revocation, nor change the password.
  const ownerOnly = async (req: FastifyRequest) => {
    if (caller.viaToken(req))
      throw new AuthFailure(403, 'forbidden', "API tokens cannot manage tokens or the password: log in as the owner (the device's page)");
  };
  const secure = (req: FastifyRequest) => req.protocol === 'https';
  const startSession = (req: FastifyRequest, reply: FastifyReply, id: string) =>
    reply.header('Set-Cookie', sessionCookie(id, auth.sessionSeconds, secure(req)));
  const fail = (reply: FastifyReply, err: unknown): never => {
    if (err instanceof AuthFailure && err.retryAfterSeconds) reply.header('Retry-After', String(err.retryAfterSeconds));
    throw err;
  };
  const status = (req: FastifyRequest, override?: boolean) => ({
    mode: auth.mode(),
    claim_code: auth.claimCode,
    logged_in: override ?? (auth.mode() === 'off' || auth.mode() === 'onboarding' || loggedIn(req)),
  });

  app.get(
    '/api/auth/status',
    {
      schema: {
        tags: ['auth'],
        summary:
          'off | onboarding (no owner yet: claim with the setup code on the screen) | on | locked (an auth file is damaged: nobody gets in); and whether this client is logged in',
        response: { 200: EnvelopeOf(Status) },
      },
    },
    async (req) => ok(status(req)),
  );

  app.post(
    '/api/auth/onboard',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Claim a new device with the setup code shown on its screen: set the owner password (only while onboarding), revoke everything made before, log in',
        body: Type.Object({ password: Password, code: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: EnvelopeOf(Status), ...errors },
      },
    },
    async (req, reply) => {
      const { password, code } = req.body as { password: string; code?: string };
      const id = await auth.onboard(password, code, req.ip).catch((e: unknown) => fail(reply, e));
      startSession(req, reply, id);
      return ok(status(req, true), 'owner password set');
    },
  );

  app.post(
    '/api/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log in as the owner: sets the loop_session cookie (HttpOnly, SameSite=Strict)',
        body: Type.Object({ password: Password }),
        response: { 200: EnvelopeOf(Status), ...errors },
      },
    },
    async (req, reply) => {
      const id = await auth.login((req.body as { password: string }).password, req.ip).catch((e: unknown) => fail(reply, e));
      startSession(req, reply, id);
      return ok(status(req, true), 'logged in');
    },
  );

  app.post(
    '/api/auth/logout',
    {
      schema: { tags: ['auth'], summary: 'End this session', response: { 200: EnvelopeOf(Status), ...errors } },
    },
    async (req, reply) => {
      await auth.logout(readCookie(req.headers.cookie));
      reply.header('Set-Cookie', clearedCookie(secure(req)));
      return ok(status(req, auth.mode() !== 'on'), 'logged out');
    },
  );

  app.post(
    '/api/auth/password',
    {
      preHandler: ownerOnly,
      schema: {
        tags: ['auth'],
        summary: 'Change the owner password; every other session ends',
        body: Type.Object({ current: Type.Optional(Password), password: Password }),
        response: { 200: EnvelopeOf(Status), ...errors },
      },
    },
    async (req, reply) => {
      const { current, password } = req.body as { current?: string; password: string };
      if (auth.mode() === 'off') throw new AuthFailure(409, 'conflict', 'auth is off on this device');
      const id = await auth.changePassword(current, password, req.ip).catch((e: unknown) => fail(reply, e));
      startSession(req, reply, id);
      return ok(status(req, true), 'password changed');
    },
  );

  app.get(
    '/api/auth/tokens',
    {
      preHandler: ownerOnly,
      schema: {
        tags: ['auth'],
        summary: 'API tokens (names and dates; the secrets are never shown again)',
        response: { 200: EnvelopeOf(Type.Array(TokenInfo)), ...errors },
      },
    },
    async () => ok(auth.listTokens()),
  );

  app.post(
    '/api/auth/tokens',
    {
      preHandler: ownerOnly,
      schema: {
        tags: ['auth'],
        summary: 'Make a long-lived API token (Authorization: Bearer <token>); the token is shown only in this answer',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: TOKEN_NAME_MAX }) }),
        response: { 200: EnvelopeOf(NewToken), ...errors },
      },
    },
    async (req) => ok(await auth.createToken((req.body as { name: string }).name), 'token created: copy it now, it is not shown again'),
  );

  app.delete(
    '/api/auth/tokens/:id',
    {
      preHandler: ownerOnly,
      schema: {
        tags: ['auth'],
        summary: 'Revoke an API token',
        params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{1,32}$' }) }),
        response: { 200: EnvelopeOf(Type.Object({ id: Type.String() })), 404: ErrorEnvelope, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      if (!(await auth.revokeToken(id))) throw new AuthFailure(404, 'not_found', `no token ${id}`);
      return ok({ id }, `revoked ${id}`);
    },
  );
}
