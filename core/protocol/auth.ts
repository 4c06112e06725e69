// The owner's login and API tokens over REST (core/auth/routes.ts): the shapes the routes answer
// with, shared with the page (web/src/stores/access.ts) so neither keeps its own copy.
import { Type, type Static } from '@sinclair/typebox';

export const AuthStatus = Type.Object({
  mode: Type.Union([Type.Literal('off'), Type.Literal('onboarding'), Type.Literal('on'), Type.Literal('locked')]),
  /** Claiming asks for the setup code shown on the device's screen (auth.claim_code). */
  claim_code: Type.Boolean(),
  logged_in: Type.Boolean(),
});
export type AuthStatus = Static<typeof AuthStatus>;

/** An API token as listed: never its secret. */
export const TokenInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  created_at: Type.String(),
  last_used_at: Type.Union([Type.String(), Type.Null()]),
});
export type TokenInfo = Static<typeof TokenInfo>;

/** A token just made: the only answer that carries its secret. */
export const NewToken = Type.Object({
  id: Type.String(),
  name: Type.String(),
  token: Type.String(),
  created_at: Type.String(),
  last_used_at: Type.Null(),
});
export type NewToken = Static<typeof NewToken>;
