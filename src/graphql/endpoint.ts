/**
 * The GraphQL-over-HTTP endpoint: graphql-http's reference handler, fed with
 * cached documents and compiled executors instead of parsing per request.
 */
import type { IncomingMessage } from 'node:http';
import { GraphQLError, getOperationAST, type GraphQLSchema } from 'graphql';
import { createHandler, type Response as HandlerResponse } from 'graphql-http';
import type { Kysely } from 'kysely';
import type { Tables } from '../db/tables.js';
import type { RequestState } from '../http/request-state.js';
import type { GraphQLContext } from './context.js';
import { DocumentCache } from './documents.js';
import { formatRequestError, maskExecutionErrors } from './errors.js';

export interface GraphQLEndpointOptions {
  readonly schema: GraphQLSchema;
  readonly db: Kysely<Tables>;
  readonly maskErrors: boolean;
}

export interface GraphQLRequest {
  readonly raw: IncomingMessage;
  /** The request body as text, or null for GET. */
  readonly body: string | null;
  readonly state: RequestState;
}

export type GraphQLEndpoint = (request: GraphQLRequest) => Promise<HandlerResponse>;

export function createGraphQLEndpoint({ schema, db, maskErrors }: GraphQLEndpointOptions): GraphQLEndpoint {
  const documents = new DocumentCache(schema);

  const handle = createHandler<IncomingMessage, RequestState, GraphQLContext>({
    schema,
    parseRequestParams(req) {
      // graphql-http would read an array as a request without a query; say what is wrong.
      if (req.method === 'POST' && typeof req.body === 'string' && req.body.trimStart().startsWith('[')) {
        throw new Error('Batched requests');
      }
      return undefined;
    },
    onSubscribe(req, params) {
      const preparation = documents.prepare(params.query);
      if (preparation.errors) return [...preparation.errors];
      const { document } = preparation;
      const operationName = params.operationName ?? undefined;
      const operation = getOperationAST(document, operationName);
      if (!operation) {
        return [
          new GraphQLError(
            operationName === undefined
              ? 'The document holds several operations: name the one to run in "operationName".'
              : `The document has no operation named "${operationName}".`,
          ),
        ];
      }
      req.context.operationName = operation.name?.value;
      const state = req.context;
      const contextValue: GraphQLContext = {
        db,
        requestId: state.requestId,
        get log() {
          return state.log;
        },
      };
      return { schema, document, operationName, variableValues: params.variables, contextValue };
    },
    execute: (args) => documents.execute(args),
    onOperation(req, args, result) {
      if (Symbol.asyncIterator in result) return undefined;
      // No `data` means the operation never started (e.g. variables failed to coerce): a request error.
      const requestError = !('data' in result);
      const final = result.errors
        ? maskExecutionErrors(result, { mask: maskErrors, log: req.context.log, requestId: req.context.requestId })
        : result;
      // Serialized here rather than by graphql-http, which would use JSON.stringify with a replacer function.
      const mediaType = negotiateMediaType(req.raw.headers.accept);
      return [
        documents.serialize(args, final),
        {
          // The GraphQL-over-HTTP spec: a graphql-response+json answer without `data` is a 4xx.
          status: requestError && mediaType === GRAPHQL_RESPONSE ? 400 : 200,
          statusText: requestError && mediaType === GRAPHQL_RESPONSE ? 'Bad Request' : 'OK',
          headers: { 'content-type': `${mediaType}; charset=utf-8` },
        },
      ];
    },
    formatError: formatRequestError,
  });

  return ({ raw, body, state }) =>
    handle({
      method: raw.method ?? 'GET',
      url: raw.url ?? '/',
      headers: raw.headers,
      body,
      raw,
      context: state,
    });
}

const GRAPHQL_RESPONSE = 'application/graphql-response+json';

/**
 * The media type graphql-http chose for this request's Accept header (it has
 * already refused the request with 406 when there is none): the first entry
 * that is graphql-response+json, or else JSON.
 */
function negotiateMediaType(accept: string | undefined): string {
  const lowered = accept?.toLowerCase();
  if (lowered === undefined || !lowered.includes(GRAPHQL_RESPONSE)) return 'application/json';
  for (const entry of lowered.split(',')) {
    const [mediaType = '', ...params] = entry.replace(/\s/g, '').split(';');
    const charset = params.find((param) => param.startsWith('charset=')) ?? 'charset=utf-8';
    if (mediaType === GRAPHQL_RESPONSE && charset === 'charset=utf-8') return GRAPHQL_RESPONSE;
    if (['application/json', 'application/*', '*/*'].includes(mediaType)) return 'application/json';
  }
  return 'application/json';
}
