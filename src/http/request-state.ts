import type { Logger } from 'pino';
import { ANONYMOUS, type ResponseCookies, type Viewer } from '../accounts/viewer.js';

const ignore = (): void => undefined;

/**
 * What the HTTP layer knows about one request, shared with the GraphQL layer.
 * The request-scoped logger is created only when something logs: a pino child
 * per request would cost every request, and most never log beyond their one
 * request line.
 */
export class RequestState implements ResponseCookies {
  /** Name of the GraphQL operation run, for the request log line. */
  operationName: string | undefined;
  /** Who the request comes from, once the endpoint has authenticated it. */
  viewer: Viewer = ANONYMOUS;
  /** Set-Cookie values for the response. */
  setCookies: string[] | undefined;
  /**
   * Drops this request's connection because a subscription's client stopped
   * reading; set by the streaming transports (WebSocket, SSE).
   */
  dropSlowConsumer: () => void = ignore;
  #log: Logger | undefined;

  constructor(
    readonly requestId: string,
    private readonly rootLogger: Logger,
    readonly secureCookies: boolean,
    /** The client's address, as rate limits and caps count it. */
    readonly address: string,
  ) {}

  /** Logger whose lines carry the request id. */
  get log(): Logger {
    this.#log ??= this.rootLogger.child({ reqId: this.requestId });
    return this.#log;
  }

  addSetCookie(value: string): void {
    (this.setCookies ??= []).push(value);
  }
}
