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
      const contextValue: GraphQLContext = { db, log: req.context.log, requestId: req.context.requestId };
      return { schema, document, operationName, variableValues: params.variables, contextValue };
    },
    execute: (args) => documents.execute(args),
    onOperation(req, _args, result) {
      // No `data` means the operation never started (e.g. variables failed to coerce): a request error.
      if (!('data' in result)) req.context.requestError = true;
      if ('errors' in result && result.errors) {
        return maskExecutionErrors(result, {
          mask: maskErrors,
          log: req.context.log,
          requestId: req.context.requestId,
        });
      }
      return undefined;
    },
    formatError: formatRequestError,
  });

  return async ({ raw, body, state }) => {
    const [responseBody, init] = await handle({
      method: raw.method ?? 'GET',
      url: raw.url ?? '/',
      headers: raw.headers,
      body,
      raw,
      context: state,
    });
    // The GraphQL-over-HTTP spec: a graphql-response+json answer without `data` is a 4xx.
    // graphql-http applies this to parse and validation errors but not to variable errors.
    const contentType = init.headers?.['content-type'];
    if (state.requestError && init.status === 200 && contentType?.startsWith('application/graphql-response+json')) {
      return [responseBody, { ...init, status: 400, statusText: 'Bad Request' }];
    }
    return [responseBody, init];
  };
}
