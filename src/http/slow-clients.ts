/**
 * Clients that send a request's headers or body slowly (a byte every few
 * seconds) would hold a socket and its memory for minutes. Past the read
 * timeout Node ends the request; this answers it 408 REQUEST_TIMEOUT, worded
 * like every other refusal. The request may not exist yet (headers still
 * arriving), so the answer is written to the socket.
 */
import http, { type ServerOptions, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody } from '../graphql/errors.js';
import { JSON_TYPE } from './errors.js';

/** The server's options that time slow requests out: headers and body must arrive within `readTimeoutMs`. */
export function readTimeouts(readTimeoutMs: number): ServerOptions {
  return {
    requestTimeout: readTimeoutMs,
    headersTimeout: readTimeoutMs,
    // Node looks at open connections this often: the timeout fires within a second of its time.
    connectionsCheckingInterval: Math.min(1000, readTimeoutMs),
  };
}

/**
 * Answers what Node's parser refuses (Fastify's `clientErrorHandler`), once
 * `track` watches the server. A request too slow to arrive gets a 408 with a
 * code; anything else (malformed HTTP, oversized headers) gets Node's own
 * bodiless answer, since its method is unknown and a HEAD must get no body.
 */
export function clientErrorAnswers(readTimeoutMs: number): {
  readonly handler: (error: NodeJS.ErrnoException, socket: Duplex) => void;
  readonly track: (server: http.Server) => void;
} {
  /** The response each socket is writing, while it does: a refusal must not be written over it. */
  const responding = new WeakMap<Duplex, ServerResponse>();
  return {
    track(server) {
      server.prependListener('request', (req: http.IncomingMessage, res: ServerResponse) => {
        responding.set(req.socket, res);
        res.once('close', () => responding.delete(req.socket));
      });
    },
    handler(error, socket) {
      const inFlight = responding.get(socket);
      if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
        socket.destroy();
        return;
      }
      const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
      const status = timedOut ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      const body =
        timedOut && inFlight?.req.method !== 'HEAD'
          ? errorBody(
              `The request did not arrive within ${readTimeoutMs} ms (REQUEST_READ_TIMEOUT_MS).`,
              'REQUEST_TIMEOUT',
            )
          : '';
      const type = body ? `content-type: ${JSON_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` : '';
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\n${type}connection: close\r\n\r\n${body}`);
    },
  };
}
