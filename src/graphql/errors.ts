/**
 * How errors reach clients. Expected failures (bad request, invalid document,
 * bad variables) keep their message; an unexpected fault inside a resolver is
 * logged in full with the request id and, when masking is on, reaches the
 * client only as "Internal server error" with that request id.
 */
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Logger } from 'pino';
import { isDatabaseUnavailable, UNAVAILABLE_MESSAGE } from '../db/unavailable.js';

/** Stable values of `extensions.code` a client can see. */
export type ErrorCode = 'BAD_REQUEST' | 'INTERNAL_SERVER_ERROR' | 'SERVICE_UNAVAILABLE' | 'TIMEOUT';

/** graphql-http's terse request-parsing messages, said so that a client knows what to fix. */
const requestErrorMessages: Readonly<Record<string, string>> = {
  'Missing body': 'The request body is empty: send a JSON object such as {"query": "{ todos { success } }"}.',
  'Unparsable JSON body': 'The request body is not valid JSON.',
  'JSON body must be an object': 'The request body must be a JSON object such as {"query": "{ todos { success } }"}.',
  'Batched requests':
    'Batched requests (a JSON array of operations) are not supported: send one operation per request.',
  'Missing query': 'The request has no "query": send the GraphQL document as a string in the "query" parameter.',
  'Invalid query': 'The "query" parameter must be a string holding a GraphQL document.',
  'Invalid variables': 'The "variables" parameter must be a JSON object.',
  'Invalid operationName': 'The "operationName" parameter must be a string.',
  'Invalid extensions': 'The "extensions" parameter must be a JSON object.',
  'Unparsable URL': 'The "variables" or "extensions" URL parameter is not valid JSON.',
};

/** Formats errors graphql-http raises before execution (malformed requests). */
export function formatRequestError(error: Error | GraphQLError): GraphQLError | Error {
  if (error instanceof GraphQLError) return error;
  return new GraphQLError(requestErrorMessages[error.message] ?? error.message, {
    extensions: { code: 'BAD_REQUEST' satisfies ErrorCode },
  });
}

/** Whether an answer holds a SERVICE_UNAVAILABLE or TIMEOUT error: a 503, to retry later. */
export const isUnavailable = (result: ExecutionResult): boolean =>
  result.errors?.some((error) => {
    // graphql-jit reports variable errors as plain objects, without extensions.
    const extensions = error.extensions as GraphQLError['extensions'] | undefined;
    return extensions?.code === 'SERVICE_UNAVAILABLE' || extensions?.code === 'TIMEOUT';
  }) === true;

/**
 * Logs resolver faults and, when `mask` is set, replaces their messages. The
 * database being unreachable is not a fault of the request: it says so, in any mode. Errors
 * without an `originalError` come from GraphQL itself (variables, non-null
 * checks) and say nothing about the server, so they pass unchanged.
 */
export function maskExecutionErrors(
  result: ExecutionResult,
  options: { readonly mask: boolean; readonly log: Logger; readonly requestId: string },
): ExecutionResult {
  if (!result.errors?.some((error) => isUnexpected(error))) return result;
  const errors = result.errors.map((error) => {
    if (!isUnexpected(error)) return error;
    if (isDatabaseUnavailable(error.originalError)) {
      options.log.warn({ err: error.originalError, path: error.path }, 'database unavailable');
      return new GraphQLError(UNAVAILABLE_MESSAGE, {
        nodes: error.nodes,
        path: error.path,
        extensions: { code: 'SERVICE_UNAVAILABLE' satisfies ErrorCode, requestId: options.requestId },
      });
    }
    options.log.error({ err: error.originalError, path: error.path }, 'resolver failed');
    return new GraphQLError(options.mask ? 'Internal server error' : error.message, {
      nodes: error.nodes,
      path: error.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' satisfies ErrorCode, requestId: options.requestId },
    });
  });
  return { ...result, errors };
}

function isUnexpected(error: GraphQLError): boolean {
  return error.originalError != null && !(error.originalError instanceof GraphQLError);
}
