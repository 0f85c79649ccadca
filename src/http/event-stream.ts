/**
 * GraphQL over Server-Sent Events (graphql-sse's "distinct connections" mode) on
 * the GraphQL path, for clients that cannot use WebSockets: a request that
 * accepts `text/event-stream` gets its subscription's results as a stream.
 * graphql-sse's core handler is fed the body already read under the size limit.
 * Authentication is the HTTP endpoint's: session cookie or bearer token.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import { createHandler } from 'graphql-sse';
import type { SessionWatch } from '../changes/session-watch.js';
import type { RequestState } from './request-state.js';
import type { GraphQLContext } from '../graphql/context.js';
import { codedRefusal } from '../graphql/errors.js';
import { isErrorList, type Operations } from '../graphql/operations.js';
import type { Metrics } from '../metrics/metrics.js';

const JSON_UTF8 = 'application/json; charset=utf-8';

export interface EventStreamOptions {
  readonly schema: GraphQLSchema;
  readonly operations: Operations;
  /** Where open streams are counted. */
  readonly metrics: Metrics | undefined;
  /** Ends a stream when its session ends. */
  readonly sessionWatch: SessionWatch;
}

/** The last two events of a stream whose session ended, as graphql-sse's client reads a failed subscription. */
function sessionEndEvents(message: string): string {
  const result = { errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] };
  return `event: next\ndata: ${JSON.stringify(result)}\n\nevent: complete\ndata:\n\n`;
}

/** Resolves when `res` can take more, or has closed (whereupon the stream's next write is skipped). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/** Answers `request` with its subscription's events; the request was admitted (http/gate.ts) before its body was read. */
export type EventStreamEndpoint = (request: FastifyRequest, reply: FastifyReply, body: string | null) => Promise<void>;

export function createEventStreamEndpoint({
  schema,
  operations,
  sessionWatch,
  metrics,
}: EventStreamOptions): EventStreamEndpoint {
  const openStreams = metrics?.liveConnections.labels({ transport: 'sse' });
  /** Each stream's response, for the backpressure in onNext. */
  const responses = new WeakMap<RequestState, ServerResponse>();
  const handle = createHandler<IncomingMessage, RequestState, GraphQLContext>({
    schema,
    // No token: every stream is its own connection ("distinct connections mode").
    authenticate: () => null,
    // Queries and mutations run as over plain HTTP: compiled, cached, within their time budget, counted.
    execute: (args) => operations.execute(args),
    // The HTTP endpoint's document cache and limits, not graphql-sse's own parse and validate.
    async onSubscribe(req, params) {
      const preparing = operations.prepare(params, req.context, true);
      const prepared = preparing instanceof Promise ? await preparing : preparing;
      if (!isErrorList(prepared)) return prepared;
      // Refused before the stream starts, as graphql-sse answers a document it cannot parse.
      const body = JSON.stringify({ errors: prepared });
      return [body, { status: 400, statusText: 'Bad Request', headers: { 'content-type': JSON_UTF8 } }];
    },
    // graphql-sse reads a subscription as fast as it yields and queues the
    // messages without bound. Holding each result until the client has taken the
    // last leaves a client that stops reading to the subscription's bounded queue.
    // Each result leaves as the HTTP endpoint's would: coded and masked.
    async onNext(_ctx, req, result) {
      const res = responses.get(req.context);
      if (res?.writableNeedDrain) await drained(res);
      return 'hasNext' in result ? undefined : operations.finish(result, req.context);
    },
  });

  return async (request, reply, body) => {
    // The stream writes to the socket as events come: Fastify hands the response over.
    void reply.hijack();
    // Its life is the subscription's, not a request's duration (http/metrics.ts leaves it out).
    request.state.longLived = true;
    const { state } = request;
    const req = request.raw;
    const res = reply.raw;
    // The headers set for this reply so far (its id, caching, cookies): a hijacked reply does not send them.
    const extraHeaders: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) extraHeaders[name] = typeof value === 'number' ? String(value) : value;
    }
    responses.set(state, res);
    state.dropSlowConsumer = () => res.destroy();
    const [stream, init] = await handle({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: {
        get(key: string) {
          // The stream was chosen (graphql-routes.ts); graphql-sse knows it only by this exact Accept.
          if (key === 'accept') return 'text/event-stream';
          const header = req.headers[key];
          return Array.isArray(header) ? header.join('\n') : header;
        },
      },
      body: () => Promise.resolve(body ?? ''),
      raw: req,
      context: state,
    });
    if (init.status >= 400) {
      // graphql-sse's own refusals carry neither codes nor, at times, a body.
      res.writeHead(init.status, init.statusText, { ...extraHeaders, ...init.headers, 'content-type': JSON_UTF8 });
      res.end(codedRefusal(typeof stream === 'string' ? stream : null, init.status, req));
      return;
    }
    // nginx buffers proxied responses unless told not to, which would hold events back.
    res.writeHead(init.status, init.statusText, { ...extraHeaders, ...init.headers, 'x-accel-buffering': 'no' });
    if (!stream || typeof stream === 'string') {
      res.end(stream);
      return;
    }
    const stop = () => void stream.return(undefined);
    // The client may have gone while the stream was being set up: its 'close' has been said already.
    if (res.destroyed) {
      stop();
      return;
    }
    res.once('close', stop);
    if (openStreams) {
      openStreams.inc();
      res.once('close', () => openStreams.dec());
    }
    // Logout or expiry ends the stream: subscriptions never outlive their credential.
    const unwatch = sessionWatch.watch(state.viewer, (message) => {
      if (res.writable) res.end(sessionEndEvents(message));
    });
    res.once('close', unwatch);
    for await (const chunk of stream) {
      if (!res.writable) break;
      if (!res.write(chunk)) await drained(res);
    }
    res.off('close', stop);
    res.end();
  };
}
