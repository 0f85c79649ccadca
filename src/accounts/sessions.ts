/**
 * Who a request comes from, and starting and ending sessions.
 *
 * A request proves a session with a bearer token (`Authorization: Bearer …`) or
 * with the session cookie; both hold the same signed token, which names a row in
 * `sessions`. Every authenticated request checks that row, so `logout` on one
 * instance ends the session on all of them at once.
 *
 * A credential that does not hold (malformed, tampered, expired, revoked) is an
 * error, never a silent fall-back to anonymous: the caller must know its
 * session is gone. A stale cookie is cleared by the same answer.
 */
import type { Kysely } from 'kysely';
import type { Tables } from '../db/tables.js';
import { createSession, findActiveSession, revokeSession, type UserRecord } from './accounts.repository.js';
import { TokenError, type SessionTokens } from './tokens.js';
import { ANONYMOUS, type ResponseCookies, type Viewer } from './viewer.js';

export type Authentication =
  | { readonly ok: true; readonly viewer: Viewer }
  | { readonly ok: false; readonly message: string; readonly via: 'cookie' | 'bearer' };

/** What a request may prove itself with. */
export interface Credentials {
  readonly authorization: string | undefined;
  /** The session cookie's value. */
  readonly cookie: string | undefined;
}

const ANONYMOUS_AUTHENTICATION: Authentication = Object.freeze({ ok: true, viewer: ANONYMOUS });
const BEARER = /^Bearer\s+(\S+)\s*$/i;

export class Sessions {
  constructor(
    private readonly tokens: SessionTokens,
    private readonly ttlSeconds: number,
  ) {}

  /**
   * Who presents these credentials: an `Authorization` header, or the session
   * cookie's value. Synchronous for a request without either, which is most
   * anonymous traffic.
   */
  authenticate(db: Kysely<Tables>, credentials: Credentials): Authentication | Promise<Authentication> {
    const { authorization, cookie } = credentials;
    if (authorization !== undefined) {
      const token = BEARER.exec(authorization)?.[1];
      if (token === undefined) {
        return { ok: false, via: 'bearer', message: 'The Authorization header must be "Bearer <token>".' };
      }
      return this.#check(db, token, 'bearer');
    }
    if (cookie !== undefined && cookie !== '') return this.#check(db, cookie, 'cookie');
    return ANONYMOUS_AUTHENTICATION;
  }

  async #check(db: Kysely<Tables>, token: string, via: 'cookie' | 'bearer'): Promise<Authentication> {
    let sessionId: string;
    try {
      sessionId = await this.tokens.sessionId(token);
    } catch (error) {
      if (error instanceof TokenError) return { ok: false, via, message: error.message };
      throw error;
    }
    const session = await findActiveSession(db, sessionId);
    if (!session) return { ok: false, via, message: 'The session has ended (logged out or expired): log in again.' };
    const { user, expiresAt } = session;
    return { ok: true, viewer: { kind: 'user', user, sessionId: session.sessionId, expiresAt, via } };
  }

  /** Opens a session for `user`: sets the cookie on the response and returns the token. */
  async start(db: Kysely<Tables>, user: UserRecord, response: ResponseCookies): Promise<string> {
    const { sessionId, expiresAt } = await createSession(db, user.id, this.ttlSeconds);
    const token = await this.tokens.sign({ sessionId, userId: user.id, expiresAt });
    response.setSessionCookie(token, this.ttlSeconds);
    return token;
  }

  /** Ends the viewer's session, if any, and clears the cookie. */
  async end(db: Kysely<Tables>, viewer: Viewer, response: ResponseCookies): Promise<void> {
    if (viewer.kind === 'user') await revokeSession(db, viewer.sessionId);
    response.clearSessionCookie();
  }
}
