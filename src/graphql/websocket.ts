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
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Sessions } from '../accounts/sessions.js';
import type { ChangeBus } from '../changes/change-bus.js';
import type { Tables } from '../db/tables.js';
import { clientAddress, RATE_LIMITED, rateLimitMessage, type RateLimits } from '../http/rate-limits.js';
import { RequestState } from '../http/request-state.js';
import type { Operations } from './operations.js';

export interface SubscriptionServerOptions {
  readonly server: http.Server;
  readonly path: string;
  readonly schema: GraphQLSchema;
  readonly db: Kysely<Tables>;
  readonly sessions: Sessions;
  readonly operations: Operations;
  readonly changes: ChangeBus;
  readonly allowAnonymous: boolean;
  readonly logger: Logger;
  readonly production: boolean;
  readonly maxPerConnection: number;
  readonly rateLimits: RateLimits;
  readonly trustProxy: boolean;
}

const UNAUTHORIZED = 4401;
const GOING_AWAY = 1001;
/** graphql-ws's own code for too many requests. */
const TOO_MANY_REQUESTS = 4429;
const POLICY_VIOLATION = 1008;
/** How long a dropped slow consumer gets to take its close frame before the socket is cut. */
const DROP_GRACE_MS = 1000;
/** setTimeout's longest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Counts a subscribe message against the address's and the user's limits; the seconds to wait, if over. */
async function rateLimited(rateLimits: RateLimits, address: string, state: RequestState): Promise<number | undefined> {
  if (!rateLimits.enabled) return undefined;
  const { viewer } = state;
  return (
    (await rateLimits.consumeAddress(address)) ??
    (viewer.kind === 'user' ? await rateLimits.consumeUser(viewer.user.id) : undefined)
  );
}

/** Adds `member` to `key`'s set in `index` until `socket` closes. */
function track<K, V>(index: Map<K, Set<V>>, key: K, member: V, socket: WebSocket): void {
  const members = index.get(key) ?? new Set<V>();
  index.set(key, members.add(member));
  socket.once('close', () => {
    members.delete(member);
    if (members.size === 0) index.delete(key);
  });
}

/** Serves subscriptions on `path`; closes every socket with 1001 when the HTTP server closes. */
export function serveSubscriptions(options: SubscriptionServerOptions): void {
  const { server, path, schema, db, sessions, operations, changes } = options;
  const sockets = new WebSocketServer({ server, path });
  /** What each open connection is: who opened it, as the resolvers see them. */
  const connections = new WeakMap<object, { readonly state: RequestState; readonly address: string }>();
  /** Each session's open sockets, closed together when it logs out (one bus listener for all). */
  const socketsOf = new Map<string, Set<WebSocket>>();
  changes.onSessionEnded(({ sessionId }) => {
    for (const socket of socketsOf.get(sessionId) ?? []) socket.close(UNAUTHORIZED, 'The session has ended.');
  });

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
        const state = new RequestState(randomUUID(), options.logger, false);
        const { viewer } = authentication;
        state.viewer = viewer;
        state.dropSlowConsumer = () => {
          // A client that does not read will not read the close frame either: cut it soon after.
          socket.close(POLICY_VIOLATION, 'Too slow: too many changes waiting to be read.');
          setTimeout(() => socket.terminate(), DROP_GRACE_MS).unref();
        };
        connections.set(ctx, { state, address });
        if (viewer.kind === 'user') {
          track(socketsOf, viewer.sessionId, socket, socket);
          // The session's end ends its sockets too: subscriptions never outlive their token.
          const expiry = setTimeout(
            () => socket.close(UNAUTHORIZED, 'The session has expired.'),
            Math.min(Math.max(0, viewer.expiresAt.getTime() - Date.now()), MAX_TIMER_MS),
          );
          socket.once('close', () => clearTimeout(expiry));
        }
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
        const wait = await rateLimited(options.rateLimits, address, state);
        if (wait !== undefined) {
          return [new GraphQLError(rateLimitMessage(wait), { extensions: { code: RATE_LIMITED, retryAfter: wait } })];
        }
        // The HTTP endpoint's document cache and limits, not graphql-ws's own parse and validate.
        return operations.prepare(payload, state, true);
      },
    },
    sockets,
  );

  // Upgraded sockets would keep server.close() waiting forever, so closing the
  // HTTP server closes them first (1001, "going away"): shutdown needs no other step.
  const closeHttp = server.close.bind(server);
  server.close = (callback?: (error?: Error) => void) => {
    for (const socket of sockets.clients) socket.close(GOING_AWAY, 'The server is shutting down.');
    sockets.close();
    void changes.close();
    return closeHttp(callback);
  };
}
