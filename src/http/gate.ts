/**
 * What lets a request in, whichever transport it came by: who it is, and
 * whether it is within its rate limits. HTTP and SSE requests pass it from
 * their headers, before their body is read (`admit`); a WebSocket connection
 * when it opens, with the credentials of its upgrade request or of its
 * `connection_init` (`admitConnection`), and each subscribe message against
 * the rate limits (`admitOperation`).
 *
 * The client's address is counted first, so a flood of bad credentials is cut
 * off too. A credential that does not hold answers 401 (and clears a stale
 * cookie); the session cookie sent from a page of another origin, unless listed
 * in CORS_ORIGINS, answers 403; past a rate limit,
 * 429 with Retry-After.
 */
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Authentication, Credentials, Sessions } from '../accounts/sessions.js';
import { SESSION_COOKIE } from '../accounts/session-cookie.js';
import type { Viewer } from '../accounts/viewer.js';
import type { Tables } from '../db/tables.js';
import { RATE_LIMITED, rateLimitMessage, type RateLimits } from './rate-limits.js';
import type { Metrics } from '../metrics/metrics.js';

export interface Gate {
  readonly db: Kysely<Tables>;
  readonly sessions: Sessions;
  readonly rateLimits: RateLimits;
  /** Origins other than the server's own whose pages may use the session cookie (CORS_ORIGINS). */
  readonly corsOrigins: ReadonlySet<string>;
  /** Where refusals are counted, by their code. */
  readonly metrics: Metrics | undefined;
}

/** Why a request is refused, before anything of it runs. */
export interface Refusal {
  readonly status: 401 | 403 | 429;
  readonly code: string;
  readonly message: string;
  /** Seconds to wait, past a rate limit. */
  readonly retryAfter?: number;
}

const tooMany = (retryAfter: number): Refusal => ({
  status: 429,
  code: RATE_LIMITED,
  message: rateLimitMessage(retryAfter),
  retryAfter,
});

/** The request's credentials: its Authorization header, or the session cookie. */
export const credentialsOf = (request: FastifyRequest): Credentials => ({
  authorization: request.headers.authorization,
  cookie: request.cookies[SESSION_COOKIE],
});

const CROSS_SITE_COOKIE: Refusal = {
  status: 403,
  code: 'FORBIDDEN',
  message:
    'A request from another site cannot use the session cookie: send the token as "Authorization: Bearer <token>", or list the site in CORS_ORIGINS.',
};

/**
 * Whether the session cookie may stand for the caller of `request`: only on a
 * request from the server's own pages or from a listed origin. SameSite=Lax
 * already keeps the cookie off other sites' subrequests, but not off a
 * WebSocket upgrade, and not from a sibling subdomain; a browser always says
 * where a WebSocket or a cross-origin fetch comes from (Origin), and a
 * same-origin GET comes with Sec-Fetch-Site.
 */
function cookieMayCount(gate: Gate, request: FastifyRequest): boolean {
  const { origin } = request.headers;
  if (origin === undefined) return request.headers['sec-fetch-site'] !== 'cross-site';
  const lowered = origin.toLowerCase();
  return lowered === `${request.protocol}://${request.host}`.toLowerCase() || gate.corsOrigins.has(lowered);
}

/**
 * Authenticates an HTTP request into `request.state.viewer` and counts it
 * against the rate limits, or answers why not.
 *
 * Answered without a promise when nothing has to wait: no rate limit is on and
 * the request carries no credential to look up. That is most requests to a
 * server without limits, and each promise (and the microtasks to settle it)
 * would cost them more than the check itself.
 */
export function admit(gate: Gate, request: FastifyRequest): Refusal | undefined | Promise<Refusal | undefined> {
  if (gate.rateLimits.enabled) return admitCounted(gate, request);
  const pending = gate.sessions.authenticate(gate.db, credentialsOf(request));
  return pending instanceof Promise
    ? pending.then((authentication) => authenticated(gate, request, authentication))
    : authenticated(gate, request, pending);
}

/**
 * Counts a refusal in the metrics, where it is answered (so that admitting,
 * which every request does, costs nothing more): as an error by its code, and
 * past a rate limit as a refusal too.
 */
export function recorded<T extends Refusal>(gate: Gate, refusal: T): T {
  if (gate.metrics) {
    if (refusal.code === RATE_LIMITED) gate.metrics.refusal(refusal.code);
    else gate.metrics.error(refusal.code);
  }
  return refusal;
}

/** `admit` with rate limits on: the address is counted first, the user once known. */
async function admitCounted(gate: Gate, request: FastifyRequest): Promise<Refusal | undefined> {
  const { rateLimits } = gate;
  const wait = await rateLimits.byAddress(request);
  if (wait !== undefined) return tooMany(wait);
  const pending = gate.sessions.authenticate(gate.db, credentialsOf(request));
  const refusal = authenticated(gate, request, pending instanceof Promise ? await pending : pending);
  if (refusal) return refusal;
  const waitForUser = await rateLimits.byUser(request, request.state.viewer);
  return waitForUser === undefined ? undefined : tooMany(waitForUser);
}

/** Takes the viewer of `authentication` into the request's state, or answers why it does not count. */
function authenticated(gate: Gate, request: FastifyRequest, authentication: Authentication): Refusal | undefined {
  const { state } = request;
  if (!authentication.ok) {
    if (authentication.via === 'cookie') state.clearSessionCookie();
    return { status: 401, code: 'UNAUTHENTICATED', message: authentication.message };
  }
  const { viewer } = authentication;
  if (viewer.kind === 'user' && viewer.via === 'cookie' && !cookieMayCount(gate, request)) return CROSS_SITE_COOKIE;
  state.viewer = viewer;
  return undefined;
}

/**
 * Lets a WebSocket connection in: counts it against its address, and
 * authenticates it with `credentials` (its upgrade request's, or its
 * `connection_init`'s), or answers why not.
 */
export async function admitConnection(
  gate: Gate,
  request: FastifyRequest,
  credentials: Credentials,
): Promise<{ readonly viewer: Viewer } | Refusal> {
  if (gate.rateLimits.enabled) {
    const wait = await gate.rateLimits.byAddress(request);
    if (wait !== undefined) return tooMany(wait);
  }
  const authentication = await gate.sessions.authenticate(gate.db, credentials);
  if (!authentication.ok) return { status: 401, code: 'UNAUTHENTICATED', message: authentication.message };
  const { viewer } = authentication;
  if (viewer.kind === 'user' && viewer.via === 'cookie' && !cookieMayCount(gate, request)) return CROSS_SITE_COOKIE;
  request.state.viewer = authentication.viewer;
  return { viewer: authentication.viewer };
}

/** Counts one more operation on a WebSocket connection, against its address and its user. */
export async function admitOperation(gate: Gate, request: FastifyRequest): Promise<Refusal | undefined> {
  const { rateLimits } = gate;
  if (!rateLimits.enabled) return undefined;
  const wait = (await rateLimits.byAddress(request)) ?? (await rateLimits.byUser(request, request.state.viewer));
  return wait === undefined ? undefined : recorded(gate, tooMany(wait));
}
