/**
 * Builds the Fastify application from its dependencies, one plugin per
 * concern. `server.ts` starts it for real; tests build it the same way and
 * listen on a random port.
 */
import http from 'node:http';
import fastifyCookie from '@fastify/cookie';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyBodyParser, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { AccountRules } from './accounts/account-rules.js';
import { unrevokedSessions } from './accounts/accounts.repository.js';
import { Sessions } from './accounts/sessions.js';
import { SessionTokens } from './accounts/tokens.js';
import { createResponseCache } from './cache/create-response-cache.js';
import { ChangeBus } from './changes/change-bus.js';
import { ClusterRelay } from './changes/cluster-relay.js';
import { isClusterWorker } from './cluster.js';
import { RedisRelay } from './changes/redis-relay.js';
import { SessionWatch } from './changes/session-watch.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { DocumentCache } from './graphql/documents.js';
import { createEventStreamEndpoint } from './http/event-stream.js';
import type { ListBounds } from './graphql/list-bounds.js';
import { Operations } from './graphql/operations.js';
import { createPersistedQueryStore } from './graphql/persisted-queries.js';
import graphqlRoutes from './http/graphql-routes.js';
import { buildExecutableSchema } from './graphql/schema.js';
import { TrustedDocuments } from './graphql/trusted-documents.js';
import { graphqlWebSocket } from './http/websocket.js';
import cors from './http/cors.js';
import httpErrors, { JSON_TYPE } from './http/errors.js';
import { errorBody } from './graphql/errors.js';
import graphiqlAssets from './http/graphiql.js';
import webApp from './http/web-app.js';
import health from './http/health.js';
import housekeeping from './http/housekeeping.js';
import { IdempotencyKeys } from './http/idempotency.js';
import { historyRetention } from './history/history.repository.js';
import { syncLogRetention } from './sync/sync-log.repository.js';
import { webhookLogRetention } from './webhooks/delivery-queue.js';
import { SecretBox } from './webhooks/signing.js';
import webhookWorker from './webhooks/webhook-worker.js';
import metricsPlugin from './http/metrics.js';
import { Metrics } from './metrics/metrics.js';
import tracingPlugin from './http/tracing.js';
import { Tracing } from './tracing/tracing.js';
import { observeRedisCommands } from './redis.js';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import rateLimits from './http/rate-limits.js';
import requestLog, { requestId } from './http/request-log.js';
import securityHeaders from './http/security-headers.js';
import { clientErrorAnswers, readTimeouts } from './http/slow-clients.js';

export interface AppDependencies {
  readonly config: Config;
  readonly database: Database;
  readonly logger: Logger;
  /** Signs session tokens: config.authSecret, or the one kept in the database (see resolveAuthSecret). */
  readonly authSecret: string;
  /** Where spans go when tracing is on; by default OTLP, as the OTEL_EXPORTER_OTLP_* variables say. */
  readonly spanExporter?: SpanExporter;
}

export const GRAPHQL_PATH = '/graphql';

const GOING_AWAY = 1001;

export async function createApp({
  config,
  database,
  logger,
  authSecret,
  spanExporter,
}: AppDependencies): Promise<FastifyInstance> {
  const schema = buildExecutableSchema();
  const production = config.nodeEnv === 'production';
  const sessions = new Sessions(new SessionTokens(authSecret), config.sessionTtlSeconds);
  const dbSystem = database.dialect === 'postgres' ? 'postgresql' : 'sqlite';
  const tracing = config.tracing.enabled ? new Tracing(config.tracing, dbSystem, spanExporter) : undefined;
  const redisRelay = config.redisUrl ? new RedisRelay(config.redisUrl, logger) : undefined;
  // A cluster's workers without Redis pass changes through their primary.
  const relay = redisRelay ?? (isClusterWorker() ? new ClusterRelay() : undefined);
  // Read only at a scrape, by when `changes` exists.
  let subscriptionCount = (): number => 0;
  const metrics = config.metrics.enabled
    ? new Metrics({
        maxOperationNames: config.metrics.maxOperationNames,
        dbSystem,
        poolStats: () => database.poolStats(),
        subscriptions: () => subscriptionCount(),
        ...(redisRelay && { relayConnected: () => redisRelay.connected }),
      })
    : undefined;
  const changes = new ChangeBus(
    {
      maxSubscriptionsPerUser: config.maxSubscriptionsPerUser,
      maxSubscriptionsPerAddress: config.maxSubscriptionsPerAddress,
      maxQueuedChanges: config.maxQueuedChanges,
    },
    relay,
    metrics,
  );
  subscriptionCount = () => changes.subscriptionCount;
  const responseCache = createResponseCache(config, logger, metrics);
  // With trusted documents, only the manifest's operations run: nothing to persist.
  const persistedQueries =
    config.trustedDocuments === undefined
      ? createPersistedQueryStore(config.persistedQueries, config.redisUrl, logger)
      : undefined;
  const bounds: ListBounds = {
    maxPageSize: config.maxPageSize,
    maxUnpagedTodos: config.maxUnpagedTodos,
    maxListsPerUser: config.maxListsPerUser,
    maxMembersPerList: config.maxMembersPerList,
    maxWebhookEndpointsPerUser: config.webhooks.maxEndpointsPerUser,
    maxWebhookAttempts: config.webhooks.maxAttempts,
  };
  const webhookSecrets = new SecretBox(authSecret);
  const operations = new Operations({
    schema,
    db: database.db,
    documents: new DocumentCache(schema, {
      limits: config.documentLimits,
      bounds,
      introspection: config.introspection,
      metrics,
    }),
    maskErrors: config.maskErrors,
    suggestions: config.introspection,
    accounts: new AccountRules(sessions, {
      maxFailures: config.loginMaxFailures,
      windowSeconds: config.loginWindowSeconds,
    }),
    allowAnonymous: config.allowAnonymous,
    bounds,
    maxResponseBytes: config.maxResponseBytes,
    changes,
    responseCache,
    requestTimeoutMs: config.requestTimeoutMs,
    syncRetentionDays: config.syncRetentionDays,
    webhooks: {
      maxEndpointsPerUser: config.webhooks.maxEndpointsPerUser,
      allowPrivateAddresses: config.webhooks.allowPrivateAddresses,
      secrets: webhookSecrets,
    },
    trustedDocuments: TrustedDocuments.load(config.trustedDocuments, persistedQueries),
    metrics,
    tracing,
  });
  const sessionWatch = new SessionWatch(changes, {
    unrevoked: (sessionIds) => unrevokedSessions(database.db, sessionIds),
    intervalMs: config.sessionRecheckSeconds * 1000,
    log: logger,
  });

  const clientErrors = clientErrorAnswers(config.requestReadTimeoutMs);
  const app = Fastify<http.Server>({
    loggerInstance: logger,
    // One line per request, written by request-log.ts. No child logger per
    // request either: RequestState makes one, with the request id, only when
    // something logs, which few requests do.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger) => logger,
    genReqId: requestId,
    bodyLimit: config.bodyLimitBytes,
    // Behind a proxy the client is the last X-Forwarded-For entry, the address the proxy itself saw.
    trustProxy: config.trustProxy ? (_address, hop) => hop < 1 : false,
    serverFactory: (handler) => {
      const server = http.createServer(readTimeouts(config.requestReadTimeoutMs), handler);
      clientErrors.track(server);
      return server;
    },
    clientErrorHandler: clientErrors.handler,
    // A path that is not valid URL encoding (`/%zz`) never reaches a route: it is refused here.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      void reply
        .code(400)
        .type(JSON_TYPE)
        .send(errorBody(`The request's path is not valid: ${error.message}`, 'BAD_REQUEST'));
    },
    // Requests that reach an instance while it drains are served: it stops taking
    // connections, and tells each client to close its own once answered (server.ts).
    return503OnClosing: false,
  });
  // Bodies reach graphql-http as they came, which says what is wrong with them, as the protocol asks.
  // JSON is named as well as the catch-all: Fastify remembers the parser of a
  // named type, but looks the catch-all up anew, parsing the header, for every request.
  const asText: FastifyBodyParser<string> = (_request, body, done) => done(null, body);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, asText);
  app.addContentTypeParser('*', { parseAs: 'string' }, asText);

  await app.register(fastifyCookie);
  await app.register(requestLog, { logger, production });
  if (metrics) {
    await app.register(metricsPlugin, {
      metrics,
      port: config.metrics.port,
      host: config.host,
      servedByPrimary: isClusterWorker(),
    });
    const unobserve = database.observeStatements((sqlText, ms, failed) => metrics.statement(sqlText, ms, failed));
    app.addHook('onClose', (_instance, done) => {
      unobserve();
      done();
    });
  }
  if (tracing) {
    await app.register(tracingPlugin, { tracing });
    const unobserve = database.observeStatements((sqlText, ms, failed) => tracing.statement(sqlText, ms, failed));
    const unobserveRedis = observeRedisCommands((name, ms, failed) => tracing.redisCommand(name, ms, failed));
    app.addHook('onClose', async () => {
      unobserve();
      unobserveRedis();
      await tracing.shutdown();
    });
  }
  await app.register(securityHeaders);
  // First, so that every route after it (CORS's preflight route too) answers errors in this server's words.
  await app.register(httpErrors, { graphqlPath: GRAPHQL_PATH, bodyLimit: config.bodyLimitBytes });
  const corsOrigins = new Set(config.corsOrigins);
  await app.register(cors, { origins: corsOrigins });
  await app.register(rateLimits, { settings: config.rateLimits, redisUrl: config.redisUrl, log: logger });
  await app.register(fastifyWebsocket, {
    options: { maxPayload: config.bodyLimitBytes },
    // Live connections would keep the server from closing for ever: they close first, with 1001.
    preClose(done) {
      for (const socket of this.websocketServer.clients) socket.close(GOING_AWAY, 'The server is shutting down.');
      this.websocketServer.close(() => done());
    },
  });
  // Every subscription (an event stream's too) completes once its queued changes are delivered.
  app.addHook('preClose', async () => changes.close());
  await app.register(health, { database });
  const idempotency = new IdempotencyKeys(database.db, {
    ttlSeconds: config.idempotencyKeyTtlSeconds,
    requestTimeoutMs: config.requestTimeoutMs,
    batchMax: config.batchMax,
    secret: authSecret,
  });
  await app.register(housekeeping, {
    chores: [
      historyRetention(database.db, config.historyRetentionDays),
      syncLogRetention(database.db, config.syncRetentionDays),
      idempotency.expiry(),
      webhookLogRetention(database.db, config.webhooks.logRetentionDays),
    ].flatMap((chore) => chore ?? []),
    log: logger,
  });
  await app.register(webhookWorker, {
    db: database.db,
    responseCache,
    settings: config.webhooks,
    secrets: webhookSecrets,
    log: logger,
  });
  if (config.graphiql) await app.register(graphiqlAssets);
  if (config.webApp) await app.register(webApp);
  const gate = { db: database.db, sessions, rateLimits: app.rateLimits, corsOrigins, metrics };
  await app.register(graphqlRoutes, {
    path: GRAPHQL_PATH,
    schema,
    operations,
    gate,
    graphiql: config.graphiql,
    idempotency,
    batchMax: config.batchMax,
    eventStream: createEventStreamEndpoint({ schema, operations, sessionWatch, metrics }),
    webSocket: graphqlWebSocket({
      gate,
      schema,
      operations,
      sessionWatch,
      allowAnonymous: config.allowAnonymous,
      production,
      maxPerConnection: config.maxSubscriptionsPerConnection,
      keepAliveMs: config.websocketKeepAliveMs,
    }),
  });
  app.addHook('onClose', async () => {
    sessionWatch.close();
    await responseCache?.close();
    await persistedQueries?.close();
  });
  return app;
}
