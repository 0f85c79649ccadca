/**
 * GraphQL over WebSocket (`graphql-transport-ws`, what Apollo Client, urql and
 * Relay speak) on the HTTP server's GraphQL path, for subscriptions.
 *
 * A connection authenticates once, when it opens: with the session cookie sent
 * on the upgrade request, or a token in `connection_init`'s payload
 * (`{ "token": "…" }` or `{ "authorization": "Bearer …" }`). A bad credential
 * closes the socket with 4401; so does `logout` of that session, and its expiry.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { useServer } from 'graphql-ws/use/ws';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { SessionWatch } from '../changes/session-watch.js';
import { clientAddress, RATE_LIMITED, rateLimitMessage } from '../http/rate-limits.js';
import { RequestState } from '../http/request-state.js';
import type { Gate } from './endpoint.js';
import type { Operations } from './operations.js';

/** The HTTP endpoint's gate (credentials, rate limits), applied at upgrade and to each subscribe. */
export interface SubscriptionServerOptions extends Gate {
  readonly server: http.Server;
  readonly path: string;
  readonly schema: GraphQLSchema;
  readonly operations: Operations;
  /** Ends a socket when its session ends. */
  readonly sessionWatch: SessionWatch;
  readonly allowAnonymous: boolean;
  readonly logger: Logger;
  readonly production: boolean;
  readonly maxPerConnection: number;
  /** Ping interval; a socket that has not answered the previous ping is terminated (0: no pings). */
  readonly keepAliveMs: number;
}

const UNAUTHORIZED = 4401;
const GOING_AWAY = 1001;
/** graphql-ws's own code for too many requests. */
const TOO_MANY_REQUESTS = 4429;
const POLICY_VIOLATION = 1008;
/** How long a dropped slow consumer gets to take its close frame before the socket is cut. */
const DROP_GRACE_MS = 1000;

/** Serves subscriptions on `path`; `close` closes every socket with 1001 ("going away"), for shutdown. */
export function serveSubscriptions(options: SubscriptionServerOptions): { close(): void } {
  const { server, path, schema, db, sessions, operations, sessionWatch } = options;
  const sockets = new WebSocketServer({ server, path });
  /** What each open connection is: who opened it, as the resolvers see them. */
  const connections = new WeakMap<object, { readonly state: RequestState; readonly address: string }>();

  useServer(
    {
      schema,
      isProd: options.production,
      async onConnect(ctx) {
        const { request, socket } = ctx.extra;
        const address = clientAddress(request, options.trustProxy);
        const wait = options.rateLimits.enabled ? await options.rateLimits.consumeAddress(address) : undefined;
        if (wait !== undefined) {
          socket.close(TOO_MANY_REQUESTS, rateLimitMessage(wait));
          return false;
        }
        const params = ctx.connectionParams ?? {};
        const token = typeof params.token === 'string' ? `Bearer ${params.token}` : params.authorization;
        const headers = {
          cookie: request.headers.cookie,
          authorization: typeof token === 'string' ? token : request.headers.authorization,
        };
        const authentication = await sessions.authenticate(db, headers);
        if (!authentication.ok || (authentication.viewer.kind === 'anonymous' && !options.allowAnonymous)) {
          socket.close(UNAUTHORIZED, authentication.ok ? 'Authentication required' : authentication.message);
          return false;
        }
        const state = new RequestState(randomUUID(), options.logger, false, address);
        const { viewer } = authentication;
        state.viewer = viewer;
        state.dropSlowConsumer = () => {
          // A client that does not read will not read the close frame either: cut it soon after.
          socket.close(POLICY_VIOLATION, 'Too slow: too many changes waiting to be read.');
          setTimeout(() => socket.terminate(), DROP_GRACE_MS).unref();
        };
        connections.set(ctx, { state, address });
        // The session's end ends its socket too: subscriptions never outlive their token.
        const unwatch = sessionWatch.watch(viewer, (message) => socket.close(UNAUTHORIZED, message));
        socket.once('close', unwatch);
        return true;
      },
      async onSubscribe(ctx, _id, payload) {
        // graphql-ws has already registered this subscription: the count includes it.
        // The per-user cap is the change bus's, shared with SSE.
        if (Object.keys(ctx.subscriptions).length > options.maxPerConnection) {
          return [
            new GraphQLError(
              `A connection holds at most ${options.maxPerConnection} subscriptions: complete one first.`,
              { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } },
            ),
          ];
        }
        const connection = connections.get(ctx);
        if (!connection) throw new Error('A subscription arrived before its connection was authenticated');
        const { state, address } = connection;
        const { rateLimits } = options;
        // Each subscribe counts as an operation, against the address and the user alike.
        const wait = rateLimits.enabled
          ? ((await rateLimits.consumeAddress(address)) ?? (await rateLimits.consumeViewer(state.viewer)))
          : undefined;
        if (wait !== undefined) {
          return [new GraphQLError(rateLimitMessage(wait), { extensions: { code: RATE_LIMITED, retryAfter: wait } })];
        }
        // The HTTP endpoint's document cache and limits, not graphql-ws's own parse and validate.
        return operations.prepare(payload, state, true);
      },
      // Each result, an event's or a refusal's, leaves as the HTTP endpoint's would: coded and masked.
      onNext(ctx, _id, _payload, _args, result) {
        // An event without errors, nearly every one, goes as it is: nothing to code or mask.
        const connection = result.errors ? connections.get(ctx) : undefined;
        if (!connection) return undefined;
        const { errors, ...rest } = operations.finish(result, connection.state);
        // graphql-ws wants the JSON form back.
        return errors ? { ...rest, errors: errors.map((error) => error.toJSON()) } : rest;
      },
    },
    sockets,
    options.keepAliveMs,
  );

  return {
    close() {
      for (const socket of sockets.clients) socket.close(GOING_AWAY, 'The server is shutting down.');
      sockets.close();
    },
  };
}
