/**
 * GraphQL over WebSocket (`graphql-transport-ws`, what Apollo Client, urql and
 * Relay speak) on the GraphQL path, for subscriptions: graphql-ws's handler
 * for @fastify/websocket, which pings every `keepAliveMs` and cuts a socket
 * that misses a pong.
 *
 * A connection authenticates once, when it opens (http/gate.ts): with the
 * session cookie sent on the upgrade request, or a token in `connection_init`'s
 * payload (`{ "token": "…" }` or `{ "authorization": "Bearer …" }`). A bad
 * credential closes the socket with 4401, the cookie sent from another origin
 * (not in CORS_ORIGINS) with 4403; so does `logout` of that session,
 * and its expiry. Each subscribe counts against the rate limits like an HTTP
 * request, and against the caps per connection.
 */
import type { WebsocketHandler } from '@fastify/websocket';
import { makeHandler } from 'graphql-ws/use/@fastify/websocket';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { SessionWatch } from '../changes/session-watch.js';
import { admitConnection, admitOperation, credentialsOf, recorded, type Gate, type Refusal } from './gate.js';
import { RATE_LIMITED } from './rate-limits.js';
import type { Operations } from '../graphql/operations.js';

export interface WebSocketOptions {
  readonly gate: Gate;
  readonly schema: GraphQLSchema;
  readonly operations: Operations;
  /** Ends a socket when its session ends. */
  readonly sessionWatch: SessionWatch;
  readonly allowAnonymous: boolean;
  readonly production: boolean;
  readonly maxPerConnection: number;
  /** Ping interval; a socket that has not answered the previous ping is terminated (0: no pings). */
  readonly keepAliveMs: number;
}

const UNAUTHORIZED = 4401;
const FORBIDDEN = 4403;
/** graphql-ws's own code for too many requests. */
const TOO_MANY_REQUESTS = 4429;
const POLICY_VIOLATION = 1008;
/** How long a dropped slow consumer gets to take its close frame before the socket is cut. */
const DROP_GRACE_MS = 1000;

const CLOSE_CODES = { 401: UNAUTHORIZED, 403: FORBIDDEN, 429: TOO_MANY_REQUESTS } as const;
const FOREIGN_COOKIE =
  'Forbidden: the session cookie does not count from this origin; send a token in connection_init.';
const closeCode = (refusal: Refusal) => CLOSE_CODES[refusal.status];

/** The handler of WebSocket upgrades on the GraphQL path. */
export function graphqlWebSocket(options: WebSocketOptions): WebsocketHandler {
  const { gate, schema, operations, sessionWatch } = options;
  const openSockets = gate.metrics?.liveConnections.labels({ transport: 'websocket' });
  return makeHandler(
    {
      schema,
      // Queries and mutations run as over HTTP: compiled, cached, within their time budget, counted.
      execute: (args) => operations.execute(args),
      isProd: options.production,
      async onConnect(ctx) {
        const { request, socket } = ctx.extra;
        const params = ctx.connectionParams ?? {};
        const token = typeof params.token === 'string' ? `Bearer ${params.token}` : params.authorization;
        // A token in connection_init stands for the connection; without one, the upgrade request's credentials.
        const credentials =
          typeof token === 'string' ? { authorization: token, cookie: undefined } : credentialsOf(request);
        const admitted = await admitConnection(gate, request, credentials);
        if ('status' in admitted) {
          recorded(gate, admitted);
          // A close reason holds at most 123 bytes.
          socket.close(closeCode(admitted), admitted.status === 403 ? FOREIGN_COOKIE : admitted.message);
          return false;
        }
        const { viewer } = admitted;
        if (viewer.kind === 'anonymous' && !options.allowAnonymous) {
          socket.close(UNAUTHORIZED, 'Authentication required');
          return false;
        }
        request.state.dropSlowConsumer = () => {
          // A client that does not read will not read the close frame either: cut it soon after.
          socket.close(POLICY_VIOLATION, 'Too slow: too many changes waiting to be read.');
          setTimeout(() => socket.terminate(), DROP_GRACE_MS).unref();
        };
        // The session's end ends its socket too: subscriptions never outlive their token.
        const unwatch = sessionWatch.watch(viewer, (message) => socket.close(UNAUTHORIZED, message));
        socket.once('close', unwatch);
        // A socket closed while it was being admitted has said its 'close' already: it is not counted.
        if (openSockets && socket.readyState === socket.OPEN) {
          openSockets.inc();
          socket.once('close', () => openSockets.dec());
        }
        return true;
      },
      async onSubscribe(ctx, _id, payload) {
        // graphql-ws has already registered this subscription: the count includes it.
        // The per-user and per-address caps are the change bus's, shared with SSE.
        if (Object.keys(ctx.subscriptions).length > options.maxPerConnection) {
          const refusal = new GraphQLError(
            `A connection holds at most ${options.maxPerConnection} subscriptions: complete one first.`,
            { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } },
          );
          gate.metrics?.refused([refusal]);
          return [refusal];
        }
        const { request } = ctx.extra;
        const refusal = await admitOperation(gate, request);
        if (refusal) {
          return [
            new GraphQLError(refusal.message, { extensions: { code: RATE_LIMITED, retryAfter: refusal.retryAfter } }),
          ];
        }
        // The HTTP endpoint's document cache and limits, not graphql-ws's own parse and validate.
        return operations.prepare(payload, request.state, true);
      },
      // Each result, an event's or a refusal's, leaves as the HTTP endpoint's would: coded and masked.
      onNext(ctx, _id, _payload, _args, result) {
        // An event without errors, nearly every one, goes as it is: nothing to code or mask.
        if (!result.errors) return undefined;
        const { errors, ...rest } = operations.finish(result, ctx.extra.request.state);
        // graphql-ws wants the JSON form back.
        // graphql-jit's coded variable errors are plain objects already (see variableErrors).
        return errors
          ? { ...rest, errors: errors.map((error) => (error instanceof GraphQLError ? error.toJSON() : error)) }
          : rest;
      },
    },
    options.keepAliveMs,
  );
}
