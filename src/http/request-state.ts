import type { Logger } from 'pino';
import { SESSION_COOKIE, sessionCookieOptions } from '../accounts/session-cookie.js';
import { ANONYMOUS, type ResponseCookies, type Viewer } from '../accounts/viewer.js';

const ignore = (): void => undefined;

/** What sets cookies on the response: @fastify/cookie's reply. A WebSocket connection has none. */
export interface CookieWriter {
  setCookie(name: string, value: string, options: ReturnType<typeof sessionCookieOptions>): unknown;
}

/**
 * What the HTTP layer knows about one request, shared with the GraphQL layer,
 * whichever transport it came by. The request-scoped logger is created only
 * when something logs: a pino child per request would cost every request, and
 * most never log beyond their one request line.
 */
export class RequestState implements ResponseCookies {
  /** Name of the GraphQL operation run, for the request log line. */
  operationName: string | undefined;
  /** Who the request comes from, once the gate has authenticated it. */
  viewer: Viewer = ANONYMOUS;
  /**
   * Drops this request's connection because a subscription's client stopped
   * reading; set by the streaming transports (WebSocket, SSE).
   */
  dropSlowConsumer: () => void = ignore;
  #log: Logger | undefined;

  constructor(
    readonly requestId: string,
    private readonly rootLogger: Logger,
    /** Whether the request came over HTTPS (or the server runs in production): cookies get `Secure`. */
    readonly secureCookies: boolean,
    /** The client's address, as rate limits and caps count it. */
    readonly address: string,
    private readonly cookies?: CookieWriter,
  ) {}

  /** Logger whose lines carry the request id. */
  get log(): Logger {
    this.#log ??= this.rootLogger.child({ reqId: this.requestId });
    return this.#log;
  }

  setSessionCookie(token: string, maxAgeSeconds: number): void {
    this.cookies?.setCookie(SESSION_COOKIE, token, sessionCookieOptions(maxAgeSeconds, this.secureCookies));
  }

  clearSessionCookie(): void {
    this.cookies?.setCookie(SESSION_COOKIE, '', sessionCookieOptions(0, this.secureCookies));
  }
}
