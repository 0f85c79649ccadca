/**
 * The GraphQL-over-HTTP endpoint. The everyday request (a plain JSON POST, see
 * plain-post.ts) runs straight through Operations; every other request goes
 * through graphql-http's reference handler, fed with the same cached documents
 * and compiled executors.
 */
import type { FastifyRequest } from 'fastify';
import { OperationTypeNode, type GraphQLSchema } from 'graphql';
import { createHandler, type RequestParams, type Response as HandlerResponse } from 'graphql-http';
import type { RequestState } from './request-state.js';
import type { GraphQLContext } from '../graphql/context.js';
import { formatRequestError } from '../graphql/errors.js';
import { isErrorList, type Operations, type Preparation } from '../graphql/operations.js';
import { negotiateMediaType } from './accept.js';
import { readPlainPost, type PlainPost } from './plain-post.js';
import { looseParams } from './request-params.js';
import { TrustedDocuments } from '../graphql/trusted-documents.js';

export interface GraphQLEndpointOptions {
  readonly schema: GraphQLSchema;
  readonly operations: Operations;
}

export interface GraphQLRequest {
  readonly raw: FastifyRequest;
  /** The request body as text, or null for GET. */
  readonly body: string | null;
  readonly state: RequestState;
  /** The request read as a plain POST, or null when it is not one; read by the endpoint when left out. */
  readonly plain?: PlainPost | null;
}

export type GraphQLEndpoint = (request: GraphQLRequest) => Promise<HandlerResponse>;

/** A preparation as graphql-http takes it. */
const forHandler = (prepared: Preparation) => (isErrorList(prepared) ? [...prepared] : prepared);

export function createGraphQLEndpoint(options: GraphQLEndpointOptions): GraphQLEndpoint {
  const { schema, operations } = options;
  /** Refusals of a plain POST that the handler then words: prepared once, counted once. */
  const refused = new WeakMap<RequestState, Preparation>();

  const handle = createHandler<FastifyRequest, RequestState, GraphQLContext>({
    schema,
    parseRequestParams(req) {
      // graphql-http would read an array as a request without a query; say what is wrong.
      if (req.method === 'POST' && typeof req.body === 'string' && req.body.trimStart().startsWith('[')) {
        throw new Error('Batched requests');
      }
      return persistedOnly(req.method, req.url, req.body);
    },
    onSubscribe: (req, params) => {
      const earlier = refused.get(req.context);
      refused.delete(req.context);
      const prepared = earlier ?? operations.prepare(params, req.context);
      return prepared instanceof Promise ? prepared.then(forHandler) : forHandler(prepared);
    },
    execute: (args) => operations.execute(args),
    onOperation(req, args, result) {
      if (Symbol.asyncIterator in result) return undefined;
      return operations.respond(args, result, req.context, negotiateMediaType(req.raw.headers.accept));
    },
    formatError: formatRequestError,
  });

  // The request was admitted (http/gate.ts) before its body was read.
  return async ({ raw, body, state, plain = readPlainPost(raw.method, raw.headers, body) }) => {
    if (plain) {
      const preparing = operations.prepare(plain.params, state);
      const prepared = preparing instanceof Promise ? await preparing : preparing;
      // Invalid documents and missing operations take the handler's way, which words them.
      // Subscriptions need a streaming transport: graphql-http refuses them over plain HTTP, in its words.
      if (!isErrorList(prepared) && prepared.operationType !== OperationTypeNode.SUBSCRIPTION) {
        const result = await operations.execute(prepared);
        return operations.respond(prepared, result, state, plain.mediaType);
      }
      if (isErrorList(prepared)) refused.set(state, prepared);
    }
    try {
      return await handle({
        method: raw.method,
        url: raw.url,
        headers: raw.headers,
        body,
        raw,
        context: state,
      });
    } finally {
      // A batch's next operation shares this state.
      refused.delete(state);
    }
  };
}

/**
 * The parameters of a request that sends a persisted query's hash without its
 * document, which graphql-http would refuse as missing a query; undefined for
 * any other request, which graphql-http parses itself.
 */
function persistedOnly(method: string, url: string, body: unknown): RequestParams | undefined {
  if (method !== 'GET' && typeof body !== 'string') return undefined;
  const params = looseParams(method, url, typeof body === 'string' ? body : null);
  if (params === undefined || params.hasQuery || !TrustedDocuments.wantsPersisted(params.extensions)) return undefined;
  const { variables, operationName, extensions } = params;
  return {
    query: '',
    extensions: extensions as Record<string, unknown>,
    variables: typeof variables === 'object' ? (variables as Record<string, unknown> | null) : undefined,
    operationName,
  };
}
