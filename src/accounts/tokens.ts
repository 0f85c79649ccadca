/**
 * Session tokens: JWTs signed with HS256 (jose) whose `sid` claim names a
 * session row. The signature and `exp` are checked here; whether the session
 * is still active is the database's answer (see sessions.ts), which is
 * what lets `logout` end a token before it expires, on every instance.
 */
import { SignJWT, errors, jwtVerify } from 'jose';

const ALGORITHM = 'HS256';
const ISSUER = 'todo-graphql';

export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}

export class SessionTokens {
  readonly #key: Uint8Array;

  constructor(secret: string) {
    this.#key = new TextEncoder().encode(secret);
  }

  sign(session: { sessionId: string; userId: number; expiresAt: Date }): Promise<string> {
    return (
      new SignJWT({ sid: session.sessionId })
        .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
        .setIssuer(ISSUER)
        .setSubject(String(session.userId))
        .setIssuedAt()
        // `exp` counts whole seconds: rounding up keeps the token valid for all of
        // its session, whose row says the exact moment it ends.
        .setExpirationTime(Math.ceil(session.expiresAt.getTime() / 1000))
        .sign(this.#key)
    );
  }

  /** The session id a valid token names; throws TokenError saying why otherwise. */
  async sessionId(token: string): Promise<string> {
    try {
      const { payload } = await jwtVerify(token, this.#key, { algorithms: [ALGORITHM], issuer: ISSUER });
      if (typeof payload.sid !== 'string') throw new TokenError('The token names no session.');
      return payload.sid;
    } catch (error) {
      if (error instanceof TokenError) throw error;
      if (error instanceof errors.JWTExpired) throw new TokenError('The token has expired: log in again.');
      throw new TokenError('The token is not valid: log in again.');
    }
  }
}
