/**
 * Starts the real application (src/app.ts) on a random port over a real
 * database, as server.ts does, and talks HTTP to it.
 */
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resolveAuthSecret } from '../../src/accounts/auth-secret.js';
import { createApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createLogger } from '../../src/logger.js';
import type { TestDatabase } from './databases.js';
import { postGraphQL, type GraphQLAnswer } from './graphql-client.js';
import { until } from './until.js';

export type GraphQLResponse = GraphQLAnswer;

export interface TestServer {
  readonly url: string;
  readonly graphqlUrl: string;
  readonly database: Database;
  /** Every log line written so far, parsed. */
  readonly logLines: Record<string, unknown>[];
  /** POSTs a GraphQL request as JSON and parses the answer. */
  graphql(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse>;
  /**
   * How many subscriptions the server has logged as started, and as ended, so
   * far. Once one is counted started, every change made after reaches it.
   */
  subscriptionCounts(): { started: number; ended: number };
  /** The `data` of a request that must succeed without GraphQL errors. */
  data<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

/** Signs the tests' tokens; a test passes AUTH_SECRET: '' to use the one kept in the database. */
export const TEST_AUTH_SECRET = 'test-secret-that-is-at-least-32-characters-long';

/**
 * Rate limits off unless a test sets them: rate-limits.test.ts proves them, and
 * elsewhere they would make a test's outcome depend on how many requests it makes.
 */
export const UNLIMITED = { RATE_LIMIT_PER_ADDRESS: '0', RATE_LIMIT_PER_USER: '0' };

/**
 * The webhook worker looks for deliveries rarely unless a test sets it (its
 * own writes still wake it): tests that count statements would otherwise
 * count its polls too.
 */
export const QUIET_WEBHOOKS = { WEBHOOK_POLL_MS: '600000' };

export interface TestServerOptions {
  /** Called with every SQL statement the server sends. */
  readonly onStatement?: (sqlText: string) => void;
  /** Where spans go, when the test turns tracing on (OTEL_EXPORTER_OTLP_ENDPOINT). */
  readonly spanExporter?: SpanExporter;
}

export async function startTestServer(
  testDb: TestDatabase,
  env: Record<string, string> = {},
  options: TestServerOptions = {},
): Promise<TestServer> {
  const config: Config = {
    ...loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      AUTH_SECRET: TEST_AUTH_SECRET,
      ...UNLIMITED,
      ...QUIET_WEBHOOKS,
      ...env,
    }),
    database: testDb.location,
  };
  const logLines: Record<string, unknown>[] = [];
  const logSink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  const logger = createLogger(config, logSink);
  const database = openDatabase(config.database, {
    onStatement: options.onStatement,
    timeoutMs: config.databaseTimeoutMs,
  });
  await migrateToLatest(database);
  const app = await createApp({
    config,
    database,
    logger,
    authSecret: await resolveAuthSecret(config, database),
    spanExporter: options.spanExporter,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const graphqlUrl = `${url}/graphql`;

  const graphql = (query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) =>
    postGraphQL(
      graphqlUrl,
      { query, variables },
      { headers: { accept: 'application/graphql-response+json', ...headers } },
    );

  return {
    url,
    graphqlUrl,
    database,
    logLines,
    graphql,
    subscriptionCounts: () => ({
      started: logLines.filter((line) => line.msg === 'subscription started').length,
      ended: logLines.filter((line) => line.msg === 'subscription ended').length,
    }),
    async data<T>(query: string, variables?: Record<string, unknown>) {
      const response = await graphql(query, variables);
      if (response.status !== 200 || response.body.errors) {
        throw new Error(`GraphQL request failed (${response.status}): ${JSON.stringify(response.body)}`);
      }
      return response.body.data as T;
    },
    async close() {
      app.server.closeAllConnections();
      await app.close();
      await database.close();
    },
  };
}

/**
 * Runs `act`, then waits until `server` has logged `count` more subscriptions as
 * `event` (started or ended): what a test waits for before making a change a
 * subscriber must hear, or before relying on a freed place.
 */
export async function afterSubscriptions<T>(
  server: Pick<TestServer, 'subscriptionCounts'>,
  event: 'started' | 'ended',
  count: number,
  act: () => T,
): Promise<T> {
  const target = server.subscriptionCounts()[event] + count;
  const result = act();
  await until(() => server.subscriptionCounts()[event] >= target, `${count} subscriptions to be ${event}`);
  return result;
}

/** How often `server`'s Redis connection for `role` (e.g. 'response cache') has (re)connected, by its log. */
export const redisConnections = (server: TestServer, role: string): number =>
  server.logLines.filter((line) => line.msg === 'redis connected' && line.role === role).length;
