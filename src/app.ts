/**
 * Builds the HTTP server from its dependencies. `server.ts` starts it for real;
 * tests build it the same way and listen on a random port.
 */
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { AccountRules } from './accounts/account-rules.js';
import { unrevokedSessions } from './accounts/accounts.repository.js';
import { Sessions } from './accounts/sessions.js';
import { SessionTokens } from './accounts/tokens.js';
import { ChangeBus } from './changes/change-bus.js';
import { RedisRelay } from './changes/redis-relay.js';
import { SessionWatch } from './changes/session-watch.js';
import type { Config } from './config.js';
import { DocumentCache } from './graphql/documents.js';
import { Operations } from './graphql/operations.js';
import { serveSubscriptions } from './graphql/websocket.js';
import type { Database } from './db/database.js';
import { admit, createGraphQLEndpoint } from './graphql/endpoint.js';
import { describeRefusal } from './graphql/errors.js';
import { TrustedDocuments } from './graphql/trusted-documents.js';
import { createEventStreamEndpoint, wantsEventStream } from './graphql/event-stream.js';
import type { ListBounds } from './graphql/list-bounds.js';
import { buildExecutableSchema } from './graphql/schema.js';
import { createResponseCache } from './cache/create-response-cache.js';
import { BodyTooLargeError, readBody } from './http/body.js';
import { ASSET_PREFIX, GRAPHIQL_CSP, loadGraphiQL } from './http/graphiql.js';
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE } from './db/unavailable.js';
import { clientAddress, RateLimits } from './http/rate-limits.js';
import { RequestState } from './http/request-state.js';
import { commonHeaders, JSON_TYPE, send, sendError } from './http/responses.js';
import { answerClientErrors, readTimeouts } from './http/slow-clients.js';

export interface AppDependencies {
  readonly config: Config;
  readonly database: Database;
  readonly logger: Logger;
  /** Signs session tokens: config.authSecret, or the one kept in the database (see resolveAuthSecret). */
  readonly authSecret: string;
}

export const GRAPHQL_PATH = '/graphql';

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;
const READY_TIMEOUT_MS = 2000;

export function createApp({ config, database, logger, authSecret }: AppDependencies): http.Server {
  const schema = buildExecutableSchema();
  const sessions = new Sessions(new SessionTokens(authSecret), config.sessionTtlSeconds);
  const changes = new ChangeBus(
    {
      maxSubscriptionsPerUser: config.maxSubscriptionsPerUser,
      maxSubscriptionsPerAddress: config.maxSubscriptionsPerAddress,
      maxQueuedChanges: config.maxQueuedChanges,
    },
    config.redisUrl ? new RedisRelay(config.redisUrl, logger) : undefined,
  );
  const responseCache = createResponseCache(config, logger);
  const bounds: ListBounds = {
    maxPageSize: config.maxPageSize,
    maxUnpagedTodos: config.maxUnpagedTodos,
    maxListsPerUser: config.maxListsPerUser,
    maxMembersPerList: config.maxMembersPerList,
  };
  const operations = new Operations({
    schema,
    db: database.db,
    documents: new DocumentCache(schema, {
      limits: config.documentLimits,
      bounds,
      introspection: config.introspection,
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
    trustedDocuments: TrustedDocuments.load(config.trustedDocuments),
  });
  const rateLimits = new RateLimits(config.rateLimits, config.redisUrl, logger);
  const gate = { db: database.db, sessions, rateLimits, trustProxy: config.trustProxy };
  const graphql = createGraphQLEndpoint({ ...gate, schema, operations });
  const sessionWatch = new SessionWatch(changes, {
    unrevoked: (sessionIds) => unrevokedSessions(database.db, sessionIds),
    intervalMs: config.sessionRecheckSeconds * 1000,
    log: logger,
  });
  const eventStream = createEventStreamEndpoint({ schema, operations, sessionWatch });
  const production = config.nodeEnv === 'production';
  const graphiql = config.graphiql ? loadGraphiQL(GRAPHQL_PATH) : undefined;

  async function route(req: IncomingMessage, res: ServerResponse, state: RequestState): Promise<void> {
    const url = req.url ?? '/';
    const queryStart = url.indexOf('?');
    const path = queryStart === -1 ? url : url.slice(0, queryStart);

    if (path === GRAPHQL_PATH) {
      if (graphiql && req.method === 'GET' && queryStart === -1 && req.headers.accept?.includes('text/html')) {
        send(res, state, 200, graphiql.page, {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': GRAPHIQL_CSP,
        });
        return;
      }
      // Who it is, and whether it is within its rate limits, before its body is
      // read: a client refused sends nothing more, and its connection closes.
      const refused = await admit(gate, req, state);
      if (refused) {
        const [refusal, init] = refused;
        send(res, state, init.status, refusal ?? '', {
          ...init.headers,
          ...(req.complete ? {} : { connection: 'close' }),
        });
        return;
      }
      const body = req.method === 'POST' ? await readBody(req, config.bodyLimitBytes) : null;
      if (wantsEventStream(req)) {
        await eventStream(req, res, body, state, commonHeaders(state));
        return;
      }
      const [responseBody, init] = await graphql({ raw: req, body, state });
      const status = init.status;
      // graphql-http answers some refusals without a body, and a mutation over GET
      // with a body of its own, without a content type or a code: this server says them.
      if ((responseBody === null || status === 405) && status >= 400) {
        sendError(res, state, status, describeRefusal(status, req), init.headers);
      } else {
        send(res, state, status, responseBody ?? '', { 'content-type': JSON_TYPE, ...init.headers });
      }
      return;
    }
    if (graphiql && path.startsWith(ASSET_PREFIX) && req.method === 'GET') {
      const asset = graphiql.assets.get(path.slice(ASSET_PREFIX.length));
      if (asset) {
        send(res, state, 200, asset.body, {
          'content-type': asset.contentType,
          'cache-control': 'public, max-age=3600',
        });
        return;
      }
    }
    if (path === '/healthz') {
      send(res, state, 200, '{"status":"ok"}', { 'content-type': JSON_TYPE, 'cache-control': 'no-store' });
      return;
    }
    if (path === '/readyz') {
      const ready = await isReady(database, state.log);
      send(res, state, ready ? 200 : 503, ready ? '{"status":"ready"}' : '{"status":"unavailable"}', {
        'content-type': JSON_TYPE,
        'cache-control': 'no-store',
      });
      return;
    }
    sendError(res, state, 404, `Nothing is served at ${path}: the GraphQL endpoint is ${GRAPHQL_PATH}.`);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const inbound = req.headers['x-request-id'];
    const requestId = typeof inbound === 'string' && SAFE_REQUEST_ID.test(inbound) ? inbound : randomUUID();
    // Behind a TLS-terminating proxy the request arrives as plain HTTP; the proxy says so.
    const secure = production || req.headers['x-forwarded-proto'] === 'https';
    const state = new RequestState(requestId, logger, secure, clientAddress(req, config.trustProxy));

    res.once('close', () => {
      // The path only: query strings may carry GraphQL variables.
      const url = req.url ?? '/';
      const queryStart = url.indexOf('?');
      logger.info(
        {
          reqId: requestId,
          method: req.method,
          path: queryStart === -1 ? url : url.slice(0, queryStart),
          status: res.statusCode,
          operation: state.operationName,
          ms: Math.round((performance.now() - started) * 100) / 100,
          aborted: res.writableFinished ? undefined : true,
        },
        'request',
      );
    });

    route(req, res, state).catch((error: unknown) => {
      // The client went away mid-request: nobody to answer, and not a server fault.
      if (req.destroyed && !res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof BodyTooLargeError) {
        sendError(res, state, 413, error.message, { connection: 'close' });
        return;
      }
      if (isDatabaseUnavailable(error) && !res.headersSent) {
        // Authentication reads the database before any operation runs.
        state.log.warn({ err: error }, 'database unavailable');
        sendError(res, state, 503, UNAVAILABLE_MESSAGE, { 'retry-after': String(RETRY_AFTER_SECONDS) });
        return;
      }
      state.log.error({ err: error }, 'request failed');
      if (res.headersSent) res.destroy();
      else sendError(res, state, 500, 'Internal server error');
    });
  }

  const server = http.createServer(readTimeouts(config.requestReadTimeoutMs), handle);
  answerClientErrors(server, config.requestReadTimeoutMs);
  const subscriptions = serveSubscriptions({
    ...gate,
    server,
    path: GRAPHQL_PATH,
    schema,
    operations,
    sessionWatch,
    allowAnonymous: config.allowAnonymous,
    logger,
    production,
    maxPerConnection: config.maxSubscriptionsPerConnection,
    keepAliveMs: config.websocketKeepAliveMs,
  });
  // Live connections would keep server.close() waiting for ever, so closing the
  // server ends them first: WebSockets close with 1001, and every subscription
  // (an event stream's too) completes once its queued changes are delivered.
  const closeHttp = server.close.bind(server);
  server.close = (callback?: (error?: Error) => void) => {
    subscriptions.close();
    void changes.close();
    return closeHttp(callback);
  };
  server.once('close', () => {
    sessionWatch.close();
    void responseCache?.close();
    void rateLimits.close();
  });
  return server;
}

async function isReady(database: Database, log: Logger): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      database.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`database did not answer within ${READY_TIMEOUT_MS} ms`)),
          READY_TIMEOUT_MS,
        );
      }),
    ]);
    return true;
  } catch (error) {
    log.warn({ err: error }, 'database not ready');
    return false;
  } finally {
    clearTimeout(timer);
  }
}
