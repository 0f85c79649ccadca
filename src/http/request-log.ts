/**
 * Each request's state and its one log line.
 *
 * Every request gets a RequestState (`request.state`): its id (the caller's
 * `X-Request-Id` when it is a safe one, else a new UUID, echoed in the
 * response), its client address, whether it came over HTTPS, and what the
 * GraphQL layer learns about it (who is calling, which operation ran). When
 * the response closes, finished or not, one line is logged: method, path
 * (never the query string, which may carry variables), status, operation and
 * time. Fastify's own request lines are off: two lines per request would
 * double the cost of logging, which is most of a small request's.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import { RequestState } from './request-state.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** What this request is, for the GraphQL layer and the log. */
    state: RequestState;
  }
}

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The request's id: the caller's, when it is one a log can hold, else a new one. Fastify's `genReqId`. */
export function requestId(req: IncomingMessage): string {
  const inbound = req.headers['x-request-id'];
  return typeof inbound === 'string' && SAFE_REQUEST_ID.test(inbound) ? inbound : randomUUID();
}

function requestLog(
  app: FastifyInstance,
  options: { logger: Logger; production: boolean },
  registered: (error?: Error) => void,
): void {
  const { logger, production } = options;
  app.decorateRequest('state', null as unknown as RequestState);
  app.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    // Behind a TLS-terminating proxy the request arrives as plain HTTP; the proxy says so.
    const secure = production || request.headers['x-forwarded-proto'] === 'https';
    const state = new RequestState(request.id, logger, secure, request.ip, reply);
    request.state = state;
    reply.header('x-request-id', request.id);
    reply.raw.once('close', () => {
      const { url } = request.raw;
      const queryStart = url?.indexOf('?') ?? -1;
      logger.info(
        {
          reqId: request.id,
          method: request.method,
          path: queryStart === -1 ? url : url?.slice(0, queryStart),
          status: reply.raw.statusCode,
          operation: state.operationName,
          ms: Math.round((performance.now() - started) * 100) / 100,
          aborted: reply.raw.writableFinished ? undefined : true,
          ...state.traceIds(),
        },
        'request',
      );
    });
    done();
  });
  registered();
}

export default fp(requestLog, { name: 'request-state' });
