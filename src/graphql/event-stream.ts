/**
 * GraphQL over Server-Sent Events (graphql-sse's "distinct connections" mode) on
 * the GraphQL path, for clients that cannot use WebSockets: a request that
 * accepts `text/event-stream` gets its subscription's results as a stream.
 * graphql-sse's core handler is fed the body already read under the size limit.
 * Authentication is the HTTP endpoint's: session cookie or bearer token.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { createHandler } from 'graphql-sse';
import type { RequestState } from '../http/request-state.js';
import type { GraphQLContext } from './context.js';
import { isErrorList, type Operations } from './operations.js';

const JSON_UTF8 = 'application/json; charset=utf-8';

export interface EventStreamOptions {
  readonly schema: GraphQLSchema;
  readonly operations: Operations;
}

/** Whether a request asks for an event stream. */
export const wantsEventStream = (req: IncomingMessage): boolean =>
  req.headers.accept?.includes('text/event-stream') === true;

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

export type EventStreamEndpoint = (
  req: IncomingMessage,
  res: ServerResponse,
  body: string | null,
  state: RequestState,
  extraHeaders: OutgoingHttpHeaders,
) => Promise<void>;

export function createEventStreamEndpoint({ schema, operations }: EventStreamOptions): EventStreamEndpoint {
  /** Each stream's response, for the backpressure in onNext. */
  const responses = new WeakMap<RequestState, ServerResponse>();
  const handle = createHandler<IncomingMessage, RequestState, GraphQLContext>({
    schema,
    // No token: every stream is its own connection ("distinct connections mode").
    authenticate: () => null,
    // The HTTP endpoint's document cache and limits, not graphql-sse's own parse and validate.
    onSubscribe(req, params) {
      const prepared = operations.prepare(params, req.context, true);
      if (!isErrorList(prepared)) return prepared;
      // Refused before the stream starts, as graphql-sse answers a document it cannot parse.
      const body = JSON.stringify({ errors: prepared });
      return [body, { status: 400, statusText: 'Bad Request', headers: { 'content-type': JSON_UTF8 } }];
    },
    // graphql-sse reads a subscription as fast as it yields and queues the
    // messages without bound. Holding each result until the client has taken the
    // last leaves a client that stops reading to the subscription's bounded queue.
    async onNext(_ctx, req) {
      const res = responses.get(req.context);
      if (res?.writableNeedDrain) await drained(res);
    },
  });

  return async (req, res, body, state, extraHeaders) => {
    responses.set(state, res);
    state.dropSlowConsumer = () => res.destroy();
    const [stream, init] = await handle({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: {
        get(key: string) {
          const header = req.headers[key];
          return Array.isArray(header) ? header.join('\n') : header;
        },
      },
      body: () => Promise.resolve(body ?? ''),
      raw: req,
      context: state,
    });
    res.writeHead(init.status, init.statusText, { ...extraHeaders, ...init.headers });
    if (!stream || typeof stream === 'string') {
      res.end(stream);
      return;
    }
    const stop = () => void stream.return(undefined);
    res.once('close', stop);
    for await (const chunk of stream) {
      if (!res.writable) break;
      if (!res.write(chunk)) await drained(res);
    }
    res.off('close', stop);
    res.end();
  };
}
