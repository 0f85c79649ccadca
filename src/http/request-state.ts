import type { Logger } from 'pino';

/** What the HTTP layer knows about one request, shared with the GraphQL layer. */
export interface RequestState {
  readonly requestId: string;
  /** Logger whose lines carry the request id. */
  readonly log: Logger;
  /** Name of the GraphQL operation run, for the request log line. */
  operationName?: string | undefined;
  /** Set when the operation failed before execution (e.g. bad variables). */
  requestError?: boolean;
}
