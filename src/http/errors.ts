/**
 * Refusals and faults of the HTTP layer, worded like every other error: a
 * GraphQL error body with a message that says what to fix and a stable
 * `extensions.code`. Paths nothing is served at answer 404; a body over
 * BODY_LIMIT_BYTES 413; the database unreachable 503 with Retry-After; any
 * other fault 500, logged in full and told to the client as nothing more.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE } from '../db/unavailable.js';
import { errorBody, httpErrorCode } from '../graphql/errors.js';

export const JSON_TYPE = 'application/json; charset=utf-8';

/** How much of a body over the limit is read and dropped, as a multiple of the limit, before the connection is cut. */
const DRAIN_FACTOR = 16;

/** What a Fastify error with a client status means to say, in this server's words. */
function clientMessage(error: FastifyError, bodyLimit: number): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `The request body is larger than the limit of ${bodyLimit} bytes.`;
    default:
      return error.message;
  }
}

/**
 * Reads and drops the rest of a body refused as too large, so that its sender,
 * which reads an answer only once it has sent everything, gets the 413: closing
 * the connection under a client still sending resets it. Past many times the
 * limit the connection is cut, and REQUEST_READ_TIMEOUT_MS bounds the time.
 */
function drainRequest(request: IncomingMessage, bodyLimit: number): void {
  const cap = bodyLimit * DRAIN_FACTOR;
  let drained = 0;
  request.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > cap) request.socket.destroy();
  });
  request.resume();
}

function httpErrors(
  app: FastifyInstance,
  options: { graphqlPath: string; bodyLimit: number },
  registered: (error?: Error) => void,
): void {
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    void reply
      .code(404)
      .type(JSON_TYPE)
      .send(errorBody(`Nothing is served at ${path}: the GraphQL endpoint is ${options.graphqlPath}.`, 'NOT_FOUND'));
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    // The client went away mid-request: nobody to answer, and not a server fault.
    if (request.raw.destroyed && !reply.sent) return reply.hijack();
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      if (status === 413) {
        // Fastify closes the connection under the client; drained, it can stay open.
        void reply.removeHeader('connection');
        drainRequest(request.raw, options.bodyLimit);
      }
      return reply
        .code(status)
        .type(JSON_TYPE)
        .send(errorBody(clientMessage(error, options.bodyLimit), httpErrorCode(status)));
    }
    if (isDatabaseUnavailable(error)) {
      // Authentication reads the database before any operation runs.
      request.state.log.warn({ err: error }, 'database unavailable');
      return reply
        .code(503)
        .header('retry-after', String(RETRY_AFTER_SECONDS))
        .type(JSON_TYPE)
        .send(errorBody(UNAVAILABLE_MESSAGE, 'SERVICE_UNAVAILABLE'));
    }
    request.state.log.error({ err: error }, 'request failed');
    return reply.code(500).type(JSON_TYPE).send(errorBody('Internal server error', 'INTERNAL_SERVER_ERROR'));
  });
  registered();
}

export default fp(httpErrors, { name: 'http-errors', dependencies: ['request-state'] });
