import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AccountRules } from '../accounts/account-rules.js';
import type { ResponseCache } from '../cache/response-cache.js';
import type { ChangeBus } from '../changes/change-bus.js';
import type { ResponseCookies, Viewer } from '../accounts/viewer.js';
import type { Tables } from '../db/tables.js';
import type { ListBounds } from './list-bounds.js';
import type { Loaders } from './loaders.js';
import type { RequestBudget } from './request-budget.js';

/**
 * What every resolver receives as its third argument, built once per request.
 * (A type alias, not an interface: graphql-http requires an indexable context.)
 */
export type GraphQLContext = {
  readonly db: Kysely<Tables>;
  /** Request-scoped logger: every line carries the request id. */
  readonly log: Logger;
  readonly requestId: string;
  /** The client's address (the proxy's X-Forwarded-For entry with TRUST_PROXY), for per-client caps. */
  readonly address: string;
  /** Who is calling: a signed-in user or an anonymous caller. */
  readonly viewer: Viewer;
  /**
   * Whose todos this request reads and writes: the user's id, the anonymous
   * space's, or null when nobody is signed in and anonymous access is off.
   */
  readonly owner: number | null;
  /** Lets account operations set the session cookie on this response. */
  readonly response: ResponseCookies;
  readonly accounts: AccountRules;
  /** Where mutations announce changes for subscriptions. */
  readonly changes: ChangeBus;
  /** The response cache mutations invalidate, when it is on (RESPONSE_CACHE_TTL_SECONDS). */
  readonly responseCache: ResponseCache | undefined;
  /** Ends the connection of a subscription whose client has stopped reading. */
  readonly dropSlowConsumer: () => void;
  /** How long each list in an answer may be: pages, the unpaged `todos`, lists, members. */
  readonly bounds: ListBounds;
  /** What this operation may still spend (time, answer size); checked before each list of todos is read. */
  readonly budget: RequestBudget;
  /** This request's batch loaders, made on first use. */
  readonly loaders: Loaders;
};
