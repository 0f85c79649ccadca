/**
 * The session cookie browsers carry: the session token itself, HttpOnly (page
 * scripts cannot read it), SameSite=Lax (other sites' forms and images do not
 * send it, bar top-level GET navigations, which cannot mutate), Secure when the
 * connection is HTTPS or in production. @fastify/cookie reads and writes it.
 */
import type { SerializeOptions } from '@fastify/cookie';

export const SESSION_COOKIE = 'todo_session';

/** The cookie's attributes, for a session of `maxAgeSeconds` (0 clears it). */
export const sessionCookieOptions = (maxAgeSeconds: number, secure: boolean): SerializeOptions => ({
  path: '/',
  maxAge: maxAgeSeconds,
  httpOnly: true,
  sameSite: 'lax',
  secure,
});
