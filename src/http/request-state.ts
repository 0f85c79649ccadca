import type { Logger } from 'pino';

/**
 * What the HTTP layer knows about one request, shared with the GraphQL layer.
 * The request-scoped logger is created only when something logs: a pino child
 * per request would cost every request, and most never log beyond their one
 * request line.
 */
export class RequestState {
  /** Name of the GraphQL operation run, for the request log line. */
  operationName: string | undefined;
  #log: Logger | undefined;

  constructor(
    readonly requestId: string,
    private readonly rootLogger: Logger,
  ) {}

  /** Logger whose lines carry the request id. */
  get log(): Logger {
    this.#log ??= this.rootLogger.child({ reqId: this.requestId });
    return this.#log;
  }
}
