/**
 * The session cookie browsers carry: the session token itself, HttpOnly (page
 * scripts cannot read it), SameSite=Lax (other sites' forms and images do not
 * send it, bar top-level GET navigations, which cannot mutate), Secure when the
 * connection is HTTPS or in production.
 */
export const SESSION_COOKIE = 'todo_session';

/** The session cookie's value in a Cookie header, if there is one. */
export function readSessionCookie(header: string | undefined): string | undefined {
  if (header === undefined || !header.includes(SESSION_COOKIE)) return undefined;
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator !== -1 && pair.slice(0, separator).trim() === SESSION_COOKIE) {
      const value = pair.slice(separator + 1).trim();
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}

export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

export function expiredSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}
