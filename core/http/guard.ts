// The one gate every request passes (a Fastify onRequest hook, and the same checks for WebSocket
// upgrades): the Host must be one of the device's names (421), a browser request must come from
// the device's own page or a configured origin (403), bodies must be JSON (415), and, once the
// device has an owner, the caller must show a session cookie or an API token (401).
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bearerOf, readCookie } from '../auth/cookie.js';
import { digest } from '../auth/secrets.js';
import type { AuthService } from '../auth/service.js';
import { HostAllowlist } from './guard-hosts.js';

/** How a request proved itself: `open` when auth is off or the device is not claimed yet. */
export type Identity = { via: 'open' } | { via: 'session'; hash: string } | { via: 'token'; id: string };

/** Where a browser says the request comes from. */
type OriginKind = 'none' | 'self' | 'listed' | 'any' | 'foreign';

export interface GuardOptions {
  auth: AuthService;
  corsOrigins: readonly string[];
  allowedHosts: readonly string[];
}

/** Routes anyone may call (method + path as Fastify declares it). */
const PUBLIC_ROUTES = new Set([
  'GET /api/health',
  'HEAD /api/health',
  'GET /api/auth/status',
  'POST /api/auth/login',
  'POST /api/auth/logout',
]);
/** Prefixes whose every path needs a login, also paths no route matches (answer 401, not 404). */
const PRIVATE_PREFIXES = ['/api/', '/media/'];
/** Request headers of the tus protocol (resumable uploads). */
const TUS_REQUEST_HEADERS =
  'tus-resumable, upload-length, upload-metadata, upload-offset, upload-defer-length, upload-concat, x-http-method-override';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The page's headers: no inline script, no framing, no sniffing, no leaking URLs to other sites. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** `http://<the address the request arrived on>:<port>/`: always one of the device's names. */
function ownAddress(req: FastifyRequest): string {
  const a = (req.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const host = a.includes(':') ? `[${a.split('%')[0] ?? a}]` : a;
  return `${req.protocol}://${host}:${req.socket.localPort ?? 80}/`;
}

function originOfReferer(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return 'null';
  }
}

export class Guard {
  private readonly hosts: HostAllowlist;
  private readonly listed: Set<string>;
  private readonly anyOrigin: boolean;
  /** Route URLs that serve the page's own files (collected from the static plugin's routes). */
  readonly publicUrls = new Set<string>(['/']);
  private readonly identities = new WeakMap<IncomingMessage, Identity>();

  constructor(private readonly options: GuardOptions) {
    this.hosts = new HostAllowlist(options.allowedHosts);
    this.listed = new Set(options.corsOrigins.filter((x) => x !== '*'));
    this.anyOrigin = options.corsOrigins.includes('*');
  }

  /** The identity the guard found for a request or upgrade (null: none, or not checked). */
  identity(req: IncomingMessage): Identity | null {
    return this.identities.get(req) ?? null;
  }

  loggedIn = (req: FastifyRequest): boolean => {
    const id = this.identity(req.raw);
    return id !== null && id.via !== 'open';
  };

  viaToken = (req: FastifyRequest): boolean => this.identity(req.raw)?.via === 'token';

  install(app: FastifyInstance): void {
    app.addHook('onRequest', async (req, reply) => this.check(req, reply));
  }

  private originKind(origin: string | undefined, host: string | undefined): OriginKind {
    if (origin === undefined) return 'none';
    if (origin !== 'null') {
      try {
        if (new URL(origin).host === (host ?? '').toLowerCase()) return 'self';
      } catch {
        return 'foreign';
      }
    }
    if (this.listed.has(origin)) return 'listed';
    return this.anyOrigin && origin !== 'null' ? 'any' : 'foreign';
  }

  /** Session or token, whichever the request carries; a cookie counts only from the device's own page or a listed origin. */
  private prove(headers: IncomingMessage['headers'], kind: OriginKind, allowCookie: boolean): Identity | null {
    const token = this.options.auth.tokenValid(bearerOf(headers.authorization));
    if (token) return { via: 'token', id: token.id };
    const session = readCookie(headers.cookie);
    if (allowCookie && (kind === 'self' || kind === 'listed' || kind === 'none') && session && this.options.auth.sessionValid(session))
      return { via: 'session', hash: digest(session) };
    return null;
  }

  private async check(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    const refuse = (status: number, code: string, message: string) => reply.status(status).send({ success: false, message, code });
    if (!this.hosts.allows(req.headers.host)) {
      // A page visit under another name (a phone's captive-portal probe in hotspot mode, where every
      // name resolves to the device) is sent to the device's own address: a rebinding page cannot
      // read a cross-origin redirect, and nothing but the API answers 421.
      const path = req.url.split('?')[0] ?? '/';
      if ((req.method === 'GET' || req.method === 'HEAD') && !PRIVATE_PREFIXES.some((p) => path.startsWith(p))) {
        return reply.redirect(ownAddress(req), 302);
      }
      return refuse(421, 'misdirected', 'this device does not answer to that host name (add it to http.allowed_hosts)');
    }
    const state = !SAFE_METHODS.has(req.method);
    const origin = req.headers.origin ?? (state ? originOfReferer(req.headers.referer) : undefined);
    const kind = this.originKind(origin, req.headers.host);
    if (kind === 'foreign') return refuse(403, 'forbidden', 'cross-origin request refused (add the origin to http.cors_origins)');
    if (kind === 'listed' || kind === 'any') {
      reply.header('Access-Control-Allow-Origin', origin).header('Vary', 'Origin');
      // A wildcard never carries credentials: such callers need a bearer token.
      if (kind === 'listed') reply.header('Access-Control-Allow-Credentials', 'true');
      if (req.method === 'OPTIONS') {
        return (
          reply
            .header('Access-Control-Allow-Methods', 'GET,POST,PUT,PATCH,DELETE,OPTIONS')
            // The tus headers: a listed origin's page may resume uploads (/api/uploads/tus).
            .header('Access-Control-Allow-Headers', `content-type, authorization, ${TUS_REQUEST_HEADERS}`)
            .header('Access-Control-Max-Age', '600')
            .status(204)
            .send()
        );
      }
    }
    if (state) {
      const ct = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
      const consumes = (req.routeOptions.schema as { consumes?: string[] } | undefined)?.consumes ?? [];
      // JSON, or what the route declares it consumes (multipart for POST /api/media, tus's offset+octet-stream).
      const okType = ct === 'application/json' || (ct !== '' && consumes.includes(ct));
      if (ct ? !okType : hasBody) return refuse(415, 'unsupported', 'send the body as application/json');
    }
    const auth = this.options.auth;
    if (!auth.enforced) {
      this.identities.set(req.raw, { via: 'open' });
      return;
    }
    const who = this.prove(req.headers, kind, true);
    if (who) this.identities.set(req.raw, who);
    if (this.isPublic(req)) return;
    // Locked (a damaged auth file): nobody proves anything; say why and the way back.
    if (auth.mode() === 'locked') return refuse(503, 'unavailable', auth.lockedReason());
    if (!who) return refuse(401, 'unauthorized', 'log in, or send Authorization: Bearer <token>');
    // A browser always sends Origin on these; a cookie alone without it is not enough.
    if (state && kind === 'none' && who.via === 'session') return refuse(403, 'forbidden', 'a request without Origin needs a bearer token');
  }

  private isPublic(req: FastifyRequest): boolean {
    const url = req.routeOptions.url;
    if (url === undefined) {
      const path = req.url.split('?')[0] ?? '/';
      return !PRIVATE_PREFIXES.some((p) => path.startsWith(p));
    }
    return PUBLIC_ROUTES.has(`${req.method} ${url}`) || ((req.method === 'GET' || req.method === 'HEAD') && this.publicUrls.has(url));
  }

  /**
   * The same checks for a WebSocket upgrade. Answers the HTTP refusal to write, or null when the
   * upgrade may proceed; identity(req) is then the session found (null: the socket must send a
   * token first). `cookies: false` for /mqtt, whose broker checks its own credentials.
   */
  upgrade(req: IncomingMessage): { status: number; reason: string } | null {
    if (!this.hosts.allows(req.headers.host)) return { status: 421, reason: 'Misdirected Request' };
    const kind = this.originKind(req.headers.origin, req.headers.host);
    if (kind === 'foreign') return { status: 403, reason: 'Forbidden' };
    if (!this.options.auth.enforced) {
      this.identities.set(req, { via: 'open' });
      return null;
    }
    // Without Origin it is not a browser: it proves itself with a token in its first message.
    if (kind === 'self' || kind === 'listed') {
      const who = this.prove({ cookie: req.headers.cookie }, kind, true);
      if (who) this.identities.set(req, who);
    }
    return null;
  }
}
