import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Tables } from '../db/tables.js';

/**
 * What every resolver receives as its third argument, built once per request.
 * (A type alias, not an interface: graphql-http requires an indexable context.)
 */
export type GraphQLContext = {
  readonly db: Kysely<Tables>;
  /** Request-scoped logger: every line carries the request id. */
  readonly log: Logger;
  readonly requestId: string;
};
