/**
 * The GraphQL path: every request on it passes the same gate (http/gate.ts)
 * and then goes the way it asks for. A browser opening it gets GraphiQL; a
 * WebSocket upgrade, graphql-ws; a request for an event stream, graphql-sse;
 * anything else, GraphQL over HTTP (graphql-over-http.ts), graphql-http's protocol.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';
import { OperationTypeNode } from 'graphql';
import type { Response as HandlerResponse } from 'graphql-http';
import { admit, recorded, type Gate, type Refusal } from './gate.js';
import { GRAPHIQL_CSP, graphiqlPage } from './graphiql.js';
import { JSON_TYPE } from './errors.js';
import { answerBatch, batchOf } from './batch.js';
import { createGraphQLEndpoint, type GraphQLEndpointOptions } from './graphql-over-http.js';
import { readPlainPost } from './plain-post.js';
import type { IdempotencyKeys } from './idempotency.js';
import { looseParams } from './request-params.js';
import { describeRefusal, errorBody, httpErrorCode } from '../graphql/errors.js';
import { acceptedAnswers, negotiateMediaType } from './accept.js';
import type { EventStreamEndpoint } from './event-stream.js';
import type { WebsocketHandler } from '@fastify/websocket';

export interface GraphQLRoutesOptions extends GraphQLEndpointOptions {
  readonly path: string;
  readonly gate: Gate;
  readonly eventStream: EventStreamEndpoint;
  readonly webSocket: WebsocketHandler;
  /** Most operations in one batched request. */
  readonly batchMax: number;
  /** Serve GraphiQL to browsers. */
  readonly graphiql: boolean;
  /** Answers retries sent with an Idempotency-Key once (idempotency.ts). */
  readonly idempotency: IdempotencyKeys;
}

/** A refusal of the gate, as a GraphQL error in the media type the client accepts. */
function refusalResponse(request: IncomingMessage, refusal: Refusal): HandlerResponse {
  const mediaType = negotiateMediaType(request.headers.accept);
  return [
    errorBody(refusal.message, refusal.code),
    {
      status: refusal.status,
      statusText: STATUS_CODES[refusal.status] ?? '',
      headers: {
        'content-type': `${mediaType}; charset=utf-8`,
        ...(refusal.status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
        ...(refusal.retryAfter === undefined ? {} : { 'retry-after': String(refusal.retryAfter) }),
      },
    },
  ];
}

function graphqlRoutes(app: FastifyInstance, options: GraphQLRoutesOptions, registered: (error?: Error) => void): void {
  const endpoint = createGraphQLEndpoint(options);
  const page = graphiqlPage(options.path);
  const batchOptions = { endpoint, gate: options.gate, batchMax: options.batchMax };
  const wantsGraphiQL = (request: FastifyRequest) =>
    options.graphiql &&
    request.method === 'GET' &&
    !request.url.includes('?') &&
    request.headers.accept?.includes('text/html') === true;

  /**
   * Whether to answer with an event stream: when the client accepts nothing
   * else, or accepts one beside JSON and sends a subscription, which JSON cannot
   * carry. A query or mutation gets JSON whenever JSON is acceptable, as the
   * GraphQL-over-HTTP specification asks. `paramsOf` reads the request, only
   * when the answer depends on it.
   */
  function wantsEventStream(
    request: FastifyRequest,
    paramsOf: () => { readonly query?: string; readonly operationName?: string | null } | undefined,
  ): boolean {
    const answers = acceptedAnswers(request.headers.accept);
    if (answers !== 'either') return answers === 'stream';
    const params = paramsOf();
    if (params?.query === undefined) return false;
    const { query, operationName } = params;
    return options.operations.operationTypeOf({ query, operationName }) === OperationTypeNode.SUBSCRIPTION;
  }

  // Who it is, and whether it is within its rate limits, before its body is
  // read: a client refused sends nothing more, and its connection closes.
  // A callback hook, not an async one: most requests are admitted without
  // waiting (see admit), and an async hook costs every one of them promises.
  function gate(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    if (request.ws || wantsGraphiQL(request)) {
      done();
      return;
    }
    const admission = admit(options.gate, request);
    if (!(admission instanceof Promise)) {
      if (admission) refuse(request, reply, admission);
      else done();
      return;
    }
    admission.then((refusal) => (refusal ? refuse(request, reply, refusal) : done()), done);
  }

  /** Answers the gate's refusal; the request goes no further (its hook's `done` is never called). */
  function refuse(request: FastifyRequest, reply: FastifyReply, refusal: Refusal): void {
    const [body, init] = refusalResponse(request.raw, recorded(options.gate, refusal));
    if (!request.raw.complete) void reply.header('connection', 'close');
    void reply
      .code(init.status)
      .headers(init.headers ?? {})
      .send(body);
  }

  async function handler(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (wantsGraphiQL(request)) {
      await reply.type('text/html; charset=utf-8').header('content-security-policy', GRAPHIQL_CSP).send(page);
      return;
    }
    const body = typeof request.body === 'string' ? request.body : null;
    if (await options.idempotency.answered(request, reply, body)) return;
    const batch = batchOf(request, body);
    if (batch) {
      await answerBatch(batchOptions, request, reply, batch);
      return;
    }
    // Read once, here, for both questions: which answer, and how to run it.
    const plain = readPlainPost(request.method, request.headers, body) ?? null;
    if (wantsEventStream(request, () => plain?.params ?? looseParams(request.method, request.url, body))) {
      await options.eventStream(request, reply, body);
      return;
    }
    const [responseBody, init] = await endpoint({ raw: request, body, state: request.state, plain });
    const { status } = init;
    // graphql-http answers some refusals without a body, and a mutation over GET
    // with a body of its own, without a content type or a code: this server says them.
    if ((responseBody === null || status === 405) && status >= 400) {
      await reply
        .code(status)
        .headers(init.headers ?? {})
        .type(JSON_TYPE)
        .send(errorBody(describeRefusal(status, request.raw), httpErrorCode(status)));
      return;
    }
    await reply
      .code(status)
      .headers({ 'content-type': JSON_TYPE, ...init.headers })
      .send(responseBody ?? '');
  }

  app.route({ method: 'GET', url: options.path, onRequest: gate, handler, wsHandler: options.webSocket });
  // Other methods reach graphql-http, which refuses them in the protocol's words. A
  // listed origin's preflight (OPTIONS) is answered before, by http/cors.ts's hook.
  app.route({
    method: ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: options.path,
    onRequest: gate,
    handler,
    // The answer to a request that claimed an Idempotency-Key is kept before it leaves.
    onSend: async (request, reply, payload) => {
      await options.idempotency.sending(request, reply, payload);
      return payload;
    },
  });
  registered();
}

export default fp(graphqlRoutes, { name: 'graphql-routes', dependencies: ['request-state', 'rate-limits'] });
