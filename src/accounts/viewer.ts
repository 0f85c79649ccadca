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

/** What lets a response set cookies; the HTTP layer's request state provides it. */
export interface ResponseCookies {
  /** Whether the request came over HTTPS (or the server runs in production): cookies get `Secure`. */
  readonly secureCookies: boolean;
  addSetCookie(value: string): void;
}
