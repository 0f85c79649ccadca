import { trace, type Context } from '@opentelemetry/api';
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
  /** Whether the response lives as long as a subscription (an event stream), not as long as a request. */
  longLived = false;
  /** The request's span in its trace, when tracing is on: its operations' parent. */
  traceContext: Context | undefined;
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
    this.#log ??= this.rootLogger.child({ reqId: this.requestId, ...this.traceIds() });
    return this.#log;
  }

  /** `trace_id` and `span_id` of the request's span, for its log lines; none when it is not traced. */
  traceIds(): { trace_id?: string; span_id?: string } {
    const span = this.traceContext && trace.getSpan(this.traceContext);
    if (!span) return {};
    const { traceId, spanId } = span.spanContext();
    return { trace_id: traceId, span_id: spanId };
  }

  setSessionCookie(token: string, maxAgeSeconds: number): void {
    this.cookies?.setCookie(SESSION_COOKIE, token, sessionCookieOptions(maxAgeSeconds, this.secureCookies));
  }

  clearSessionCookie(): void {
    this.cookies?.setCookie(SESSION_COOKIE, '', sessionCookieOptions(0, this.secureCookies));
  }
}
