/**
 * The app's GraphQL client: urql with the normalized cache, queries and
 * mutations over HTTP to /graphql (the session cookie authenticates them), and
 * live changes over WebSocket (graphql-ws) on the same path.
 *
 * The socket is kept up for as long as the client lives: it retries for ever,
 * with a capped backoff, and it is closed when the browser goes offline or a
 * ping goes unanswered, because a socket on a dead network can look open for
 * minutes. Events missed while it was down are not replayed by the server, so
 * each reconnection tells the screens to read their data again (`onCaughtUp`).
 */
import { Client, fetchExchange, subscriptionExchange } from 'urql';
import { createClient as createSocketClient } from 'graphql-ws';
import { createCache } from './cache';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface ApiClient {
  readonly client: Client;
  readonly status: () => LiveStatus;
  /** Calls `listener` on each change of the status; returns the unsubscribe. */
  readonly onStatus: (listener: () => void) => () => void;
  /** Calls `listener` after every reconnection, when data may have changed unseen. */
  readonly onReconnected: (listener: () => void) => () => void;
  /** Calls `listener` when the server ends the session (signed out elsewhere, expired). */
  readonly onSessionEnded: (listener: () => void) => () => void;
  readonly dispose: () => void;
}

const SESSION_ENDED = 4401;
const PONG_TIMEOUT_MS = 5_000;
const KEEP_ALIVE_MS = 15_000;
const MAX_RETRY_WAIT_MS = 10_000;

export function createApiClient(): ApiClient {
  let status: LiveStatus = navigator.onLine ? 'connecting' : 'offline';
  const statusListeners = new Set<() => void>();
  const reconnectListeners = new Set<() => void>();
  const sessionListeners = new Set<() => void>();
  const setStatus = (next: LiveStatus): void => {
    if (next === status) return;
    status = next;
    for (const listener of statusListeners) listener();
  };

  let socket: WebSocket | undefined;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  let wakeRetry: (() => void) | undefined;
  let disposed = false;
  // Not socket.close(): on a dead network its closing handshake can wait for
  // minutes. terminate() ends it at once, and graphql-ws then retries.
  const closeSocket = (): void => {
    if (socket) socketClient.terminate();
  };
  let everConnected = false;
  const socketClient = createSocketClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    // Connected while a subscription needs it (the workspace's `changes`), so a
    // client made and dropped at once (React's StrictMode does that) opens nothing.
    lazy: true,
    keepAlive: KEEP_ALIVE_MS,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    // A backoff with jitter, cut short when the browser comes back online.
    retryWait: (retries) =>
      new Promise((resolve) => {
        const waitMs = Math.min(500 * 2 ** retries, MAX_RETRY_WAIT_MS) * (0.5 + Math.random() / 2);
        const timer = setTimeout(wake, waitMs);
        function wake(): void {
          clearTimeout(timer);
          wakeRetry = undefined;
          resolve();
        }
        wakeRetry = wake;
      }),
    on: {
      connected: (connected) => {
        socket = connected as WebSocket;
        setStatus('live');
        // Any connection after the first may have missed changes: after a retry,
        // and after a subscription ended by an error was made again (useLiveChanges).
        if (everConnected) for (const listener of reconnectListeners) listener();
        everConnected = true;
      },
      closed: (event) => {
        socket = undefined;
        clearTimeout(pongTimer);
        setStatus(navigator.onLine ? 'reconnecting' : 'offline');
        // The server ended the session (signed out elsewhere, expired): graphql-ws does not retry that.
        if (!disposed && event instanceof CloseEvent && event.code === SESSION_ENDED)
          for (const listener of sessionListeners) listener();
      },
      ping: (received) => {
        if (!received) pongTimer = setTimeout(() => closeSocket(), PONG_TIMEOUT_MS);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
    },
  });
  const wentOffline = (): void => {
    setStatus('offline');
    closeSocket();
  };
  const cameOnline = (): void => {
    setStatus(socket ? 'live' : 'reconnecting');
    wakeRetry?.();
  };
  addEventListener('offline', wentOffline);
  addEventListener('online', cameOnline);

  const client = new Client({
    url: '/graphql',
    exchanges: [
      createCache(),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({
            unsubscribe: socketClient.subscribe({ ...request, query: request.query ?? '' }, sink),
          }),
        }),
      }),
    ],
  });

  return {
    client,
    status: () => status,
    onStatus: (listener) => {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    onReconnected: (listener) => {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
    onSessionEnded: (listener) => {
      sessionListeners.add(listener);
      return () => sessionListeners.delete(listener);
    },
    dispose: () => {
      if (disposed) return;
      disposed = true;
      removeEventListener('offline', wentOffline);
      removeEventListener('online', cameOnline);
      clearTimeout(pongTimer);
      void socketClient.dispose();
    },
  };
}
