// The session cookie: read from a Cookie header, written with the attributes that keep it to this
// device's own page (HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it).
export const SESSION_COOKIE = 'loop_session';

export function readCookie(header: string | undefined, name = SESSION_COOKIE): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim() || null;
  }
  return null;
}

export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export const clearedCookie = (secure: boolean): string => sessionCookie('', 0, secure);

/** `Authorization: Bearer <token>` → the token. */
export function bearerOf(header: string | undefined): string | null {
  const m = /^Bearer\s+([A-Za-z0-9_-]{16,128})\s*$/i.exec(header ?? '');
  return m ? (m[1] as string) : null;
}
