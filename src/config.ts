/**
 * Environment → typed, validated, frozen configuration.
 *
 * Every setting is read here and nowhere else. `loadConfig` checks all of them
 * and reports every bad value at once, so an operator fixes a deployment in one
 * round instead of one restart per typo. `.env.example` documents each setting.
 */
import path from 'node:path';
import type { DocumentLimits } from './graphql/document-limits.js';
import type { RateLimitSettings } from './http/rate-limits.js';
import type { TracingSettings } from './tracing/tracing.js';

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type SqliteSynchronous = 'NORMAL' | 'FULL';

export type DatabaseLocation =
  { readonly dialect: 'sqlite'; readonly file: string } | { readonly dialect: 'postgres'; readonly url: string };

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseLocation;
  readonly nodeEnv: NodeEnv;
  readonly logLevel: LogLevel;
  /** Largest request body accepted, in bytes; larger ones are answered 413. */
  readonly bodyLimitBytes: number;
  /** How long a shutdown waits for requests in flight before closing their sockets. */
  readonly shutdownTimeoutMs: number;
  /** Connections in the PostgreSQL pool (ignored for SQLite). */
  readonly databasePoolSize: number;
  readonly sqliteSynchronous: SqliteSynchronous;
  /** Serve the GraphiQL IDE to browsers at `GET /graphql`. */
  readonly graphiql: boolean;
  /** Serve the web app (dist/web) at `/`; off for API-only deployments. */
  readonly webApp: boolean;
  /** Replace unexpected error messages with a generic one in responses. */
  readonly maskErrors: boolean;
  /** Answer the tutorial's operations without login, on the shared anonymous space. */
  readonly allowAnonymous: boolean;
  /**
   * Secret that signs session tokens (HS256), at least 32 characters. Required in
   * production; elsewhere, when unset, one is generated once and kept in the database.
   */
  readonly authSecret: string | undefined;
  /** How long a session (its cookie and its token) lasts after login. */
  readonly sessionTtlSeconds: number;
  /** Failed logins for one username within the window after which logins are refused. */
  readonly loginMaxFailures: number;
  readonly loginWindowSeconds: number;
  /** Most items one page of a connection holds (`first`/`last`). */
  readonly maxPageSize: number;
  /** Most todos the tutorial's unpaged `todos` answers; past it, it asks the client to page. */
  readonly maxUnpagedTodos: number;
  /** Most lists one user (or the anonymous space) sees: owned and shared with them. */
  readonly maxListsPerUser: number;
  /** Most users one list is shared with. */
  readonly maxMembersPerList: number;
  /** Days history entries are kept (HISTORY_RETENTION_DAYS); 0 keeps them forever. */
  readonly historyRetentionDays: number;
  /** Days the sync log is kept; older sync cursors are refused with CURSOR_EXPIRED (SYNC_RETENTION_DAYS). */
  readonly syncRetentionDays: number;
  /** How long the answer to a request sent with an Idempotency-Key is kept for its retries (IDEMPOTENCY_KEY_TTL_SECONDS). */
  readonly idempotencyKeyTtlSeconds: number;
  /** Largest answer one operation may give, in bytes of JSON; larger ones are refused. */
  readonly maxResponseBytes: number;
  /** Most subscriptions one WebSocket connection may hold open at once. */
  readonly maxSubscriptionsPerConnection: number;
  /** Most subscriptions one signed-in user may hold open on one instance. */
  readonly maxSubscriptionsPerUser: number;
  /** Most subscriptions one client address may hold open on one instance, signed in or not. */
  readonly maxSubscriptionsPerAddress: number;
  /** Most changes one subscription may have waiting for a client that does not read; then it is dropped. */
  readonly maxQueuedChanges: number;
  /** How often the sessions of live connections are looked up, to end those revoked where the bus could not say so. */
  readonly sessionRecheckSeconds: number;
  /** How often a WebSocket is pinged; one that has not answered the previous ping is cut (0: never). */
  readonly websocketKeepAliveMs: number;
  /** Longest wait for the database (a connection, a statement, a lock), in ms. */
  readonly databaseTimeoutMs: number;
  /** Longest an operation may run before it is answered TIMEOUT, in ms. */
  readonly requestTimeoutMs: number;
  /** Longest a client may take to send a request's headers and body, in ms; past it, 408. */
  readonly requestReadTimeoutMs: number;
  /** Operations per window per client address and per user (0: off). */
  /**
   * Server processes sharing the port (node:cluster): 1 runs one process; more
   * run a primary that forks this many workers (src/cluster.ts).
   */
  readonly workers: number;
  readonly rateLimits: RateLimitSettings;
  /** Whether a proxy in front sets X-Forwarded-For (and -Proto) that can be believed. */
  readonly trustProxy: boolean;
  /** What a GraphQL document may ask for before it is refused unread. */
  readonly documentLimits: DocumentLimits;
  /** A persisted query manifest: when set, only its operations run (trusted documents). */
  readonly trustedDocuments: string | undefined;
  /** Whether the schema may be introspected (and unknown names answered with suggestions). */
  readonly introspection: boolean;
  /** How long the response cache keeps a result; 0 turns it off. */
  readonly responseCacheTtlSeconds: number;
  /** Memory the in-memory response cache may take (without Redis), in bytes. */
  readonly responseCacheMaxBytes: number;
  /** Origins whose web apps may call the API from a browser, cookie included (CORS); empty: none. */
  readonly corsOrigins: readonly string[];
  /** Most operations one batched request (a JSON array) may hold. */
  readonly batchMax: number;
  /** Automatic persisted queries kept in memory (and, with Redis, shared for their TTL). */
  readonly persistedQueries: { readonly maxEntries: number; readonly ttlSeconds: number };
  /** Redis for live updates across instances (`redis://…`); without it, they stay in-process. */
  readonly redisUrl: string | undefined;
  /** Prometheus metrics at GET /metrics. */
  readonly metrics: MetricsSettings;
  /** OpenTelemetry traces, on when an OTLP endpoint is set. */
  readonly tracing: TracingSettings;
  /** Webhook delivery (src/webhooks/). */
  readonly webhooks: WebhookConfig;
}

export interface WebhookConfig {
  /** Attempts per delivery before it is marked FAILED (WEBHOOK_MAX_ATTEMPTS). */
  readonly maxAttempts: number;
  /** Longest one attempt may take, connecting to reading the answer (WEBHOOK_TIMEOUT_MS). */
  readonly timeoutMs: number;
  /** The first retry's delay; each next one doubles, with jitter (WEBHOOK_BACKOFF_BASE_MS). */
  readonly backoffBaseMs: number;
  /** Whether endpoints may be on loopback, private or link-local addresses (WEBHOOK_ALLOW_PRIVATE_ADDRESSES). */
  readonly allowPrivateAddresses: boolean;
  /** Most endpoints one user may register (WEBHOOK_MAX_ENDPOINTS_PER_USER). */
  readonly maxEndpointsPerUser: number;
  /** How often each instance looks for due deliveries, besides being woken by its own writes (WEBHOOK_POLL_MS). */
  readonly pollMs: number;
  /** Deliveries one instance sends at once (WEBHOOK_CONCURRENCY). */
  readonly concurrency: number;
  /** Days finished deliveries and their attempts are kept (WEBHOOK_LOG_RETENTION_DAYS). */
  readonly logRetentionDays: number;
}

export interface MetricsSettings {
  readonly enabled: boolean;
  /** Serve /metrics on this port alone, not on the API's; undefined: on the API's port. */
  readonly port: number | undefined;
  /** Distinct operation names kept as label values; later ones are counted as "other". */
  readonly maxOperationNames: number;
}

export const MIN_AUTH_SECRET_LENGTH = 32;

export const DEFAULT_SQLITE_FILE = './data/todo.db';

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads one setting; records a problem and returns the fallback when the value is bad. */
class Reader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T, normalize = (v: string) => v): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const normalized = normalize(value);
    if ((allowed as readonly string[]).includes(normalized)) return normalized as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
    return fallback;
  }

  /** A comma-separated list of web origins (`https://app.example.com`), each as the URL standard serialises it. */
  origins(name: string): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    const origins: string[] = [];
    for (const entry of value.split(',').map((item) => item.trim())) {
      if (entry === '') continue;
      const origin = URL.canParse(entry) ? new URL(entry).origin : 'null';
      if (origin === 'null' || origin !== entry.replace(/\/$/, '').toLowerCase()) {
        this.problems.push(`${name} must list origins like https://app.example.com, without a path (got "${entry}")`);
      } else origins.push(origin);
    }
    return origins;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
    if (Number.isSafeInteger(parsed) && parsed >= min && parsed <= max) return parsed;
    this.problems.push(`${name} must be a whole number from ${min} to ${max} (got "${value}")`);
    return fallback;
  }

  /** A share from 0 to 1, such as 0.25. */
  ratio(name: string, fallback: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = /^(0|1|0?\.\d+|1\.0*)$/.test(value) ? Number(value) : NaN;
    if (parsed >= 0 && parsed <= 1) return parsed;
    this.problems.push(`${name} must be a number from 0 to 1 (got "${value}")`);
    return fallback;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    this.problems.push(`${name} must be true or false (got "${this.raw(name)}")`);
    return fallback;
  }
}

/**
 * Accepts `postgres://…`/`postgresql://…`, SQLAlchemy-style `sqlite:///path/to/todo.db`
 * (as the tutorial writes it), or a plain file path.
 */
export function parseDatabaseUrl(value: string): DatabaseLocation | string {
  if (/^postgres(ql)?:\/\//i.test(value)) {
    try {
      const url = new URL(value);
      if (!url.hostname && !url.searchParams.get('host')) return 'DATABASE_URL has no host';
      return { dialect: 'postgres', url: value };
    } catch {
      return 'DATABASE_URL is not a valid postgres:// URL';
    }
  }
  if (/^sqlite:/i.test(value)) {
    const file = value.replace(/^sqlite:(\/\/)?/i, '');
    if (file === '' || file === '/') return 'DATABASE_URL names no SQLite file (write sqlite:///absolute/path/todo.db)';
    return { dialect: 'sqlite', file: path.resolve(file) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    return `DATABASE_URL must start with postgres://, postgresql:// or sqlite:// (got "${value.split(':')[0]}:")`;
  }
  return { dialect: 'sqlite', file: path.resolve(value) };
}

export function loadConfig(env: Env = process.env): Config {
  const read = new Reader(env);
  const nodeEnv = read.oneOf<NodeEnv>('NODE_ENV', ['development', 'production', 'test'], 'development');
  const production = nodeEnv === 'production';

  const databaseUrl = read.raw('DATABASE_URL') ?? DEFAULT_SQLITE_FILE;
  const database = parseDatabaseUrl(databaseUrl);
  if (typeof database === 'string') read.problems.push(database);

  const config: Config = {
    port: read.integer('PORT', 4000, 0, 65535),
    host: read.raw('HOST') ?? '127.0.0.1',
    database: typeof database === 'string' ? { dialect: 'sqlite', file: DEFAULT_SQLITE_FILE } : database,
    nodeEnv,
    logLevel: read.oneOf<LogLevel>(
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'info',
      (v) => v.toLowerCase(),
    ),
    bodyLimitBytes: read.integer('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
    shutdownTimeoutMs: read.integer('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 10 * 60_000),
    databasePoolSize: read.integer('DATABASE_POOL_SIZE', 10, 1, 1000),
    sqliteSynchronous: read.oneOf<SqliteSynchronous>('SQLITE_SYNCHRONOUS', ['NORMAL', 'FULL'], 'NORMAL', (v) =>
      v.toUpperCase(),
    ),
    graphiql: read.boolean('GRAPHIQL', !production),
    webApp: read.boolean('WEB_APP', true),
    maskErrors: read.boolean('MASK_ERRORS', production),
    allowAnonymous: read.boolean('ALLOW_ANONYMOUS', true),
    authSecret: read.raw('AUTH_SECRET'),
    sessionTtlSeconds: read.integer('SESSION_TTL_SECONDS', 7 * 24 * 3600, 1, 366 * 24 * 3600),
    loginMaxFailures: read.integer('LOGIN_MAX_FAILURES', 5, 1, 1000),
    loginWindowSeconds: read.integer('LOGIN_WINDOW_SECONDS', 15 * 60, 1, 24 * 3600),
    maxPageSize: read.integer('MAX_PAGE_SIZE', 100, 1, 1000),
    maxUnpagedTodos: read.integer('MAX_UNPAGED_TODOS', 1000, 1, 100_000),
    maxListsPerUser: read.integer('MAX_LISTS_PER_USER', 100, 1, 10_000),
    maxMembersPerList: read.integer('MAX_MEMBERS_PER_LIST', 25, 1, 10_000),
    historyRetentionDays: read.integer('HISTORY_RETENTION_DAYS', 365, 0, 100 * 365),
    syncRetentionDays: read.integer('SYNC_RETENTION_DAYS', 30, 1, 3650),
    idempotencyKeyTtlSeconds: read.integer('IDEMPOTENCY_KEY_TTL_SECONDS', 24 * 3600, 60, 30 * 24 * 3600),
    maxResponseBytes: read.integer('MAX_RESPONSE_BYTES', 8 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    redisUrl: read.raw('REDIS_URL'),
    maxSubscriptionsPerConnection: read.integer('MAX_SUBSCRIPTIONS_PER_CONNECTION', 20, 1, 10_000),
    maxSubscriptionsPerUser: read.integer('MAX_SUBSCRIPTIONS_PER_USER', 100, 1, 100_000),
    maxSubscriptionsPerAddress: read.integer('MAX_SUBSCRIPTIONS_PER_ADDRESS', 100, 1, 100_000),
    websocketKeepAliveMs: read.integer('WEBSOCKET_KEEPALIVE_MS', 12_000, 0, 600_000),
    sessionRecheckSeconds: read.integer('SESSION_RECHECK_SECONDS', 30, 1, 3600),
    databaseTimeoutMs: read.integer('DATABASE_TIMEOUT_MS', 5000, 100, 600_000),
    requestTimeoutMs: read.integer('REQUEST_TIMEOUT_MS', 15_000, 100, 600_000),
    requestReadTimeoutMs: read.integer('REQUEST_READ_TIMEOUT_MS', 10_000, 100, 300_000),
    workers: read.integer('WORKERS', 1, 1, 256),
    rateLimits: {
      perAddress: read.integer('RATE_LIMIT_PER_ADDRESS', 1200, 0, 10_000_000),
      perUser: read.integer('RATE_LIMIT_PER_USER', 600, 0, 10_000_000),
      windowSeconds: read.integer('RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400),
    },
    trustProxy: read.boolean('TRUST_PROXY', false),
    documentLimits: {
      maxTokens: read.integer('MAX_QUERY_TOKENS', 2000, 10, 100_000),
      maxDepth: read.integer('MAX_QUERY_DEPTH', 10, 1, 100),
      maxAliases: read.integer('MAX_QUERY_ALIASES', 15, 0, 1000),
      maxDirectives: read.integer('MAX_QUERY_DIRECTIVES', 20, 0, 1000),
      maxRootFields: read.integer('MAX_QUERY_ROOT_FIELDS', 10, 1, 1000),
      maxCost: read.integer('MAX_QUERY_COST', 50_000, 1, 10_000_000),
    },
    introspection: read.boolean('INTROSPECTION', !production),
    trustedDocuments: read.raw('TRUSTED_DOCUMENTS'),
    responseCacheTtlSeconds: read.integer('RESPONSE_CACHE_TTL_SECONDS', 0, 0, 86_400),
    responseCacheMaxBytes: read.integer('RESPONSE_CACHE_MAX_BYTES', 64 * 1024 * 1024, 1024 * 1024, 64 * 1024 ** 3),
    maxQueuedChanges: read.integer('MAX_QUEUED_CHANGES', 1000, 1, 1_000_000),
    corsOrigins: read.origins('CORS_ORIGINS'),
    batchMax: read.integer('BATCH_MAX', 10, 1, 100),
    persistedQueries: {
      maxEntries: read.integer('PERSISTED_QUERIES_MAX', 1000, 0, 1_000_000),
      ttlSeconds: read.integer('PERSISTED_QUERIES_TTL_SECONDS', 7 * 24 * 3600, 1, 366 * 24 * 3600),
    },
    metrics: {
      enabled: read.boolean('METRICS_ENABLED', true),
      port: read.raw('METRICS_PORT') === undefined ? undefined : read.integer('METRICS_PORT', 9464, 0, 65535),
      maxOperationNames: read.integer('METRICS_MAX_OPERATION_NAMES', 100, 1, 10_000),
    },
    tracing: {
      // The OpenTelemetry SDKs' own variables: the exporter reads the rest of OTEL_EXPORTER_OTLP_*.
      enabled:
        !read.boolean('OTEL_SDK_DISABLED', false) &&
        (read.raw('OTEL_EXPORTER_OTLP_ENDPOINT') ?? read.raw('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')) !== undefined,
      sampleRatio: read.ratio('TRACES_SAMPLE_RATIO', 1),
      serviceName: read.raw('OTEL_SERVICE_NAME') ?? 'todo-graphql',
    },
    webhooks: {
      maxAttempts: read.integer('WEBHOOK_MAX_ATTEMPTS', 8, 1, 50),
      timeoutMs: read.integer('WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
      backoffBaseMs: read.integer('WEBHOOK_BACKOFF_BASE_MS', 30_000, 10, 3_600_000),
      allowPrivateAddresses: read.boolean('WEBHOOK_ALLOW_PRIVATE_ADDRESSES', false),
      maxEndpointsPerUser: read.integer('WEBHOOK_MAX_ENDPOINTS_PER_USER', 10, 1, 1000),
      pollMs: read.integer('WEBHOOK_POLL_MS', 1000, 10, 600_000),
      concurrency: read.integer('WEBHOOK_CONCURRENCY', 4, 1, 100),
      logRetentionDays: read.integer('WEBHOOK_LOG_RETENTION_DAYS', 30, 1, 3650),
    },
  };
  if (config.redisUrl !== undefined && !/^rediss?:\/\/./i.test(config.redisUrl)) {
    read.problems.push(
      `REDIS_URL must start with redis:// or rediss:// (got "${config.redisUrl.split(':')[0] ?? ''}:")`,
    );
  }
  if (config.workers > 1 && config.responseCacheTtlSeconds > 0 && config.redisUrl === undefined) {
    read.problems.push(
      'RESPONSE_CACHE_TTL_SECONDS with WORKERS > 1 needs REDIS_URL: a cache in each worker would not hear the others’ writes',
    );
  }
  if (config.authSecret === undefined && production) {
    read.problems.push(
      `AUTH_SECRET is required in production: set it to a random string of at least ${MIN_AUTH_SECRET_LENGTH} characters (for example: openssl rand -base64 48)`,
    );
  } else if (config.authSecret !== undefined && config.authSecret.length < MIN_AUTH_SECRET_LENGTH) {
    read.problems.push(
      `AUTH_SECRET must be at least ${MIN_AUTH_SECRET_LENGTH} characters (got ${config.authSecret.length})`,
    );
  }

  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return Object.freeze(config);
}
