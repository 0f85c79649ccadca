import type { UserRecord } from './accounts.repository.js';

/** Who is making a request. */
export type Viewer =
  | { readonly kind: 'anonymous' }
  | {
      readonly kind: 'user';
      readonly user: UserRecord;
      readonly sessionId: string;
      /** When the session ends unless it is logged out first. */
      readonly expiresAt: Date;
      /** How the request proved it: the session cookie or a bearer token. */
      readonly via: 'cookie' | 'bearer';
    };

export const ANONYMOUS: Viewer = Object.freeze({ kind: 'anonymous' });

/** What lets a response set the session cookie; the HTTP layer's request state provides it. */
export interface ResponseCookies {
  /** Sets the session cookie to `token` for `maxAgeSeconds`. */
  setSessionCookie(token: string, maxAgeSeconds: number): void;
  /** Tells the browser to forget the session cookie. */
  clearSessionCookie(): void;
}
