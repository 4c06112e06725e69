// Who may use this device: the owner (one password, sessions) and the API tokens the owner made.
// The mode is `off` (config: anyone on the network), `onboarding` (on, but no owner yet: whoever
// shows the setup code from the device's screen claims it), `on`, or `locked` (an auth file cannot be
// read or is damaged: nobody gets in until it is repaired; never read as "no owner"). Secrets are
// kept only as digests (secrets.ts).
import type { Logger } from 'pino';
import { ActionError } from '../protocol/index.js';
import { AuthFiles, authDir, type AuthData, type AuthRead, type SessionRecord, type TokenRecord } from './files.js';
import { cliCommand, lockedMessage } from './locked.js';
import { DeviceSecret, SETUP_CODE } from './device-secret.js';
import { checkOwnerPassword, hashOwnerPassword, passwordProblem, scryptBusy } from './password.js';
import { digest, randomId, randomSecret, sameDigest } from './secrets.js';
import { Throttle } from './throttle.js';
import { logged } from '../util/swallow.js';

export type AuthMode = 'off' | 'onboarding' | 'on' | 'locked';

/** A refusal with the HTTP status to answer (Fastify's error handler reads statusCode and code). */
export class AuthFailure extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface TokenInfo {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}
export interface NewToken extends TokenInfo {
  token: string;
}

/** Most sessions kept at once; the oldest goes first (a phone, a laptop, a tablet... not hundreds). */
const MAX_SESSIONS = 32;
const MAX_TOKENS = 64;
export const TOKEN_NAME_MAX = 64;

const info = (t: TokenRecord): TokenInfo => ({ id: t.id, name: t.name, created_at: t.created_at, last_used_at: t.last_used_at });

export function tokenNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.trim().length === 0) return 'name must be a non-empty string';
  if (name.length > TOKEN_NAME_MAX) return `name must have at most ${TOKEN_NAME_MAX} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) return 'name must be printable text';
  return null;
}

export interface AuthOptions {
  dataDir: string;
  mode: 'on' | 'off';
  sessionDays: number;
  /** Claiming needs the setup code shown on the device's screen (auth.claim_code). */
  claimCode: boolean;
  /** The config file Loop was started with, for the exact CLI lines in messages. */
  configFile?: string;
  log: Logger;
}

export class AuthService {
  readonly files: AuthFiles;
  readonly throttle = new Throttle();
  readonly setupCode: DeviceSecret;
  private data: AuthData = { owner: null, sessions: [], tokens: [] };
  /** Auth files that could not be read or are damaged, with why: any at all locks the device. */
  private problems: AuthRead['problems'] = {};
  private claiming = false;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly options: AuthOptions) {
    this.files = new AuthFiles(authDir(options.dataDir));
    this.setupCode = new DeviceSecret(options.dataDir, SETUP_CODE);
  }

  async start(): Promise<void> {
    const read = await this.files.load();
    this.data = read.data;
    this.problems = read.problems;
    this.files.watch(() => void this.reload());
    if (this.options.mode === 'off') return;
    if (this.mode() === 'locked') this.options.log.error(this.lockedReason());
    if (!this.options.claimCode)
      this.options.log.warn(
        'auth.claim_code is false: while unclaimed, anyone who reaches this device first can claim it (no setup code asked)',
      );
    // The code exists before anyone needs it: the idle card and `loop setup-code` show it.
    if (this.mode() === 'onboarding' && this.options.claimCode) await this.setupCode.ensure();
  }

  /** Why the device is locked and the way back (a log line, the 503's message); '' when it is not. */
  lockedReason(): string {
    return lockedMessage(this.problems, (n) => this.files.path(n), this.options.configFile);
  }

  stop(): void {
    this.files.close();
  }

  /** Called after any change: the mode (onboarding done), sessions ended, tokens revoked, a CLI edit. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  mode(): AuthMode {
    if (this.options.mode === 'off') return 'off';
    if (Object.keys(this.problems).length) return 'locked';
    return this.data.owner ? 'on' : 'onboarding';
  }

  /** Whether requests must prove who they are (an owner exists, or the files are locked). */
  get enforced(): boolean {
    const mode = this.mode();
    return mode === 'on' || mode === 'locked';
  }

  /** Throws the refusal every login-needing path gives while locked. */
  private refuseWhenLocked(): void {
    // An ActionError, not a failure of the request: the loud log line is the one at start or reload.
    if (this.mode() === 'locked') throw new ActionError('unavailable', this.lockedReason());
  }

  /** Token and password routes wait for the claim: before it, anyone on the network would be "the owner". */
  private refuseWhenUnclaimed(): void {
    this.refuseWhenLocked();
    if (this.mode() === 'onboarding')
      throw new AuthFailure(409, 'conflict', 'this device has no owner yet: claim it first (POST /api/auth/onboard with the setup code)');
  }

  get claimCode(): boolean {
    return this.options.claimCode;
  }

  get sessionSeconds(): number {
    return Math.round(this.options.sessionDays * 86400);
  }

  sessionValid(id: string | null): boolean {
    if (!id || this.mode() === 'locked') return false;
    const h = digest(id);
    const now = Date.now();
    return this.data.sessions.some((s) => sameDigest(s.id_hash, h) && Date.parse(s.expires_at) > now);
  }

  /** Still valid? For connections that proved themselves earlier (open WebSockets). */
  stillValid(who: { via: 'open' } | { via: 'session'; hash: string } | { via: 'token'; id: string }): boolean {
    if (who.via === 'open') return !this.enforced;
    if (this.mode() === 'locked') return false;
    if (who.via === 'token') return this.data.tokens.some((t) => t.id === who.id);
    const now = Date.now();
    return this.data.sessions.some((s) => sameDigest(s.id_hash, who.hash) && Date.parse(s.expires_at) > now);
  }

  /** The token's record when `token` is a live API token. Every record is compared (constant time). */
  tokenValid(token: string | null): TokenInfo | null {
    if (!token || this.mode() === 'locked') return null;
    const h = digest(token);
    let hit: TokenRecord | null = null;
    for (const t of this.data.tokens) if (sameDigest(t.token_hash, h)) hit = t;
    if (!hit) return null;
    hit.last_used_at = new Date().toISOString();
    return info(hit);
  }

  /**
   * Claims the device: needs the setup code from its screen (unless auth.claim_code is false), then
   * revokes everything made before (tokens, sessions: the open window ends) and changes the code.
   */
  async onboard(password: unknown, code: unknown, address: string): Promise<string> {
    this.refuseWhenLocked();
    if (this.mode() !== 'onboarding' || this.claiming)
      throw new AuthFailure(
        409,
        'conflict',
        this.options.mode === 'off' ? 'auth is off on this device' : 'this device already has an owner: log in',
      );
    const wait = this.throttle.waitMs(address);
    if (wait > 0)
      throw new AuthFailure(429, 'too_many', `too many failed attempts; try again in ${Math.ceil(wait / 1000)} s`, Math.ceil(wait / 1000));
    const problem = passwordProblem(password);
    if (problem) throw new AuthFailure(400, 'invalid', problem);
    this.claiming = true;
    try {
      if (this.options.claimCode && !(await this.setupCode.matches(code))) {
        this.throttle.failed(address);
        this.options.log.warn({ address }, 'claim refused: wrong or missing setup code');
        throw new AuthFailure(
          403,
          'forbidden',
          typeof code === 'string' && code.length
            ? "wrong setup code: type the code shown on the device's screen"
            : `the setup code is missing: type the code shown on the device's screen (or run \`${cliCommand('setup-code', this.options.configFile)}\` on it)`,
        );
      }
      this.throttle.succeeded(address);
      const hash = await hashOwnerPassword(password as string);
      // Everything made while the device was open goes: a token minted then is not the owner's.
      this.data.tokens = [];
      this.data.sessions = [];
      await this.files.write('tokens', []);
      await this.files.write('sessions', []);
      await this.setOwner(hash);
      if (this.options.claimCode) await this.setupCode.rotate();
    } finally {
      this.claiming = false;
    }
    this.options.log.warn({ address }, 'device claimed: owner password set; every token and session made before was revoked');
    return this.newSession();
  }

  async login(password: unknown, address: string): Promise<string> {
    if (this.mode() === 'off') throw new AuthFailure(409, 'conflict', 'auth is off on this device');
    this.refuseWhenLocked();
    const wait = this.throttle.waitMs(address);
    if (wait > 0)
      throw new AuthFailure(429, 'too_many', `too many failed logins; try again in ${Math.ceil(wait / 1000)} s`, Math.ceil(wait / 1000));
    if (scryptBusy()) throw new AuthFailure(429, 'too_many', 'too many logins at once; try again shortly', 1);
    if (typeof password !== 'string' || password.length === 0 || password.length > 1024)
      throw new AuthFailure(400, 'invalid', 'password must be a non-empty string');
    const good = await checkOwnerPassword(password, this.data.owner?.password_hash ?? null);
    if (!good) {
      this.throttle.failed(address);
      this.options.log.warn({ address }, 'failed login');
      throw new AuthFailure(401, 'unauthorized', this.data.owner ? 'wrong password' : 'no owner yet: set a password first');
    }
    this.throttle.succeeded(address);
    return this.newSession();
  }

  async logout(sessionId: string | null): Promise<void> {
    if (!sessionId) return;
    const h = digest(sessionId);
    const before = this.data.sessions.length;
    this.data.sessions = this.data.sessions.filter((s) => !sameDigest(s.id_hash, h));
    if (this.data.sessions.length !== before) await this.files.write('sessions', this.data.sessions);
    this.emit();
  }

  /** Changes the password; every other session ends, the caller gets a fresh one. */
  async changePassword(current: unknown, password: unknown, address: string): Promise<string> {
    // Before the claim this would be a second, code-less way to claim.
    this.refuseWhenUnclaimed();
    const wait = this.throttle.waitMs(address);
    if (wait > 0)
      throw new AuthFailure(429, 'too_many', `too many failed attempts; try again in ${Math.ceil(wait / 1000)} s`, Math.ceil(wait / 1000));
    const problem = passwordProblem(password);
    if (problem) throw new AuthFailure(400, 'invalid', problem);
    if (typeof current !== 'string' || !(await checkOwnerPassword(current, this.data.owner?.password_hash ?? null))) {
      this.throttle.failed(address);
      throw new AuthFailure(403, 'forbidden', 'the current password is wrong');
    }
    await this.setOwner(await hashOwnerPassword(password as string));
    this.data.sessions = [];
    const id = await this.newSession();
    this.emit();
    return id;
  }

  listTokens(): TokenInfo[] {
    this.refuseWhenUnclaimed();
    return this.data.tokens.map(info);
  }

  async createToken(name: unknown): Promise<NewToken> {
    this.refuseWhenUnclaimed();
    const problem = tokenNameProblem(name);
    if (problem) throw new AuthFailure(400, 'invalid', problem);
    if (this.data.tokens.length >= MAX_TOKENS) throw new AuthFailure(409, 'conflict', `at most ${MAX_TOKENS} tokens; revoke one first`);
    const { record, token } = makeToken((name as string).trim());
    this.data.tokens = [...this.data.tokens, record];
    await this.files.write('tokens', this.data.tokens);
    return { ...info(record), token };
  }

  async revokeToken(id: string): Promise<boolean> {
    this.refuseWhenUnclaimed();
    const left = this.data.tokens.filter((t) => t.id !== id);
    if (left.length === this.data.tokens.length) return false;
    this.data.tokens = left;
    await this.files.write('tokens', left);
    this.emit();
    return true;
  }

  private async setOwner(hash: string): Promise<void> {
    this.data.owner = { password_hash: hash, changed_at: new Date().toISOString() };
    await this.files.write('owner', this.data.owner);
    this.emit();
  }

  private async newSession(): Promise<string> {
    const id = randomSecret();
    const now = Date.now();
    const rec: SessionRecord = {
      id_hash: digest(id),
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + this.sessionSeconds * 1000).toISOString(),
    };
    this.data.sessions = [...this.data.sessions.filter((s) => Date.parse(s.expires_at) > now), rec].slice(-MAX_SESSIONS);
    await this.files.write('sessions', this.data.sessions);
    return id;
  }

  private async reload(): Promise<void> {
    let changed: Awaited<ReturnType<AuthFiles['changed']>>;
    try {
      changed = await this.files.changed();
    } catch (err) {
      this.options.log.warn({ err: (err as Error).message }, 'auth files could not be reloaded');
      return;
    }
    // An own write started since the read: what was read may undo it, so read again.
    if (changed === null || this.files.busy) return void setTimeout(() => void this.reload(), 50).unref();
    const wasLocked = this.mode() === 'locked';
    this.data = { ...this.data, ...changed.data };
    const problems = { ...this.problems };
    for (const name of changed.changed) delete problems[name];
    this.problems = { ...problems, ...changed.problems };
    if (this.mode() === 'locked') this.options.log.error(this.lockedReason());
    else if (wasLocked) this.options.log.warn('auth files repaired: the device is unlocked');
    if (this.mode() === 'onboarding' && this.options.claimCode)
      await this.setupCode
        .ensure()
        .catch(logged(this.options.log, 'the setup code could not be made; a claim is refused until the next change or start', 'error'));
    if (changed.changed.length) this.emit();
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}

export function makeToken(name: string): { record: TokenRecord; token: string } {
  const token = `loop_${randomSecret()}`;
  return { token, record: { id: randomId(), name, token_hash: digest(token), created_at: new Date().toISOString(), last_used_at: null } };
}
