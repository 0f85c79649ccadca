import type { Context } from '@opentelemetry/api';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AccountRules } from '../accounts/account-rules.js';
import type { ResponseCache } from '../cache/response-cache.js';
import type { ChangeBus } from '../changes/change-bus.js';
import type { ResponseCookies, Viewer } from '../accounts/viewer.js';
import type { Tables } from '../db/tables.js';
import type { RequestState } from '../http/request-state.js';
import type { WebhookSettings } from '../webhooks/webhook-settings.js';
import type { ListBounds } from './list-bounds.js';
import { createLoaders, type Loaders } from './loaders.js';
import { RequestBudget, UNLIMITED_BUDGET } from './request-budget.js';

/**
 * What every resolver receives as its third argument: a RequestContext's
 * public members. (A mapped type rather than the class itself: graphql-http
 * requires an indexable context, which a class's instance type is not.)
 */
export type GraphQLContext = Pick<RequestContext, keyof RequestContext>;

/** What a request's context is made from that is the same for every request. */
export interface ContextSettings {
  readonly db: Kysely<Tables>;
  readonly accounts: AccountRules;
  readonly changes: ChangeBus;
  readonly responseCache: ResponseCache | undefined;
  readonly bounds: ListBounds;
  /** Longest an operation may run (REQUEST_TIMEOUT_MS). */
  readonly requestTimeoutMs: number;
  /** Largest answer an operation may give, in bytes (MAX_RESPONSE_BYTES). */
  readonly maxResponseBytes: number;
  /** Days the sync log is kept (SYNC_RETENTION_DAYS). */
  readonly syncRetentionDays: number;
  /** What webhook endpoints may be, and the box their secrets are kept in. */
  readonly webhooks: WebhookSettings;
}

/**
 * The context of one operation. A class, not an object literal: a literal with
 * getters (`log`, `loaders` and `budget` are made on first use) made V8 keep
 * each request's objects through young-generation collections, which then cost
 * five times as much (see docs/performance.md).
 */
export class RequestContext {
  readonly db: Kysely<Tables>;
  readonly requestId: string;
  /** The client's address (the proxy's X-Forwarded-For entry with TRUST_PROXY), for per-client caps. */
  readonly address: string;
  /** Who is calling: a signed-in user or an anonymous caller. */
  readonly viewer: Viewer;
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
  /** The request's place in its trace, when tracing is on. */
  readonly traceContext: Context | undefined;
  /** Days the sync log is kept: how old a sync cursor may be. */
  readonly syncRetentionDays: number;
  /** What webhook endpoints may be, and the box their secrets are kept in. */
  readonly webhooks: WebhookSettings;
  readonly #settings: ContextSettings;
  readonly #state: RequestState;
  readonly #started = performance.now();
  #loaders: Loaders | undefined;
  #budget: RequestBudget | undefined;

  /**
   * A `streaming` context (WebSocket or SSE) may serve many results over
   * time, so its loaders keep nothing and its budget is unlimited.
   */
  constructor(
    settings: ContextSettings,
    state: RequestState,
    /**
     * Whose todos this request reads and writes: the user's id, the anonymous
     * space's, or null when nobody is signed in and anonymous access is off.
     */
    readonly owner: number | null,
    private readonly streaming: boolean,
  ) {
    this.#settings = settings;
    this.#state = state;
    this.db = settings.db;
    this.requestId = state.requestId;
    this.address = state.address;
    this.viewer = state.viewer;
    this.response = state;
    this.accounts = settings.accounts;
    this.changes = settings.changes;
    this.responseCache = settings.responseCache;
    this.bounds = settings.bounds;
    this.syncRetentionDays = settings.syncRetentionDays;
    this.webhooks = settings.webhooks;
    // The streaming transports set it before any context is made.
    this.dropSlowConsumer = state.dropSlowConsumer;
    this.traceContext = state.traceContext;
  }

  /** Request-scoped logger: every line carries the request id. */
  get log(): Logger {
    return this.#state.log;
  }

  /** This request's batch loaders, made on first use. */
  get loaders(): Loaders {
    this.#loaders ??= createLoaders(this.db, this.owner, !this.streaming);
    return this.#loaders;
  }

  /**
   * What this operation may still spend (time, answer size); checked before
   * each list of todos is read. Made on first use, when the operation reads its
   * first list: its clock starts with the request's.
   */
  get budget(): RequestBudget {
    const { requestTimeoutMs, maxResponseBytes } = this.#settings;
    this.#budget ??= this.streaming
      ? UNLIMITED_BUDGET
      : new RequestBudget(this.#started + requestTimeoutMs, requestTimeoutMs, maxResponseBytes);
    return this.#budget;
  }
}
