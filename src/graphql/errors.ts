/**
 * How errors reach clients. Expected failures (bad request, invalid document,
 * bad variables) keep their message; an unexpected fault inside a resolver is
 * logged in full with the request id and, when masking is on, reaches the
 * client only as "Internal server error" with that request id.
 */
import http, { type IncomingMessage } from 'node:http';
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Logger } from 'pino';
import { isDatabaseUnavailable, UNAVAILABLE_MESSAGE } from '../db/unavailable.js';

/**
 * Stable values of `extensions.code` for errors raised around execution rather
 * than by a feature's rules. The document and variable codes are Apollo Server's,
 * which client tooling already recognizes.
 */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'OPERATION_RESOLUTION_FAILURE'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'NOT_ACCEPTABLE'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INTERNAL_SERVER_ERROR'
  | 'SERVICE_UNAVAILABLE'
  | 'TIMEOUT'
  | 'BATCH_TOO_LARGE';

/** `error` with `code` in its extensions, unless it already has a code. */
/**
 * An error's code as clients see it, before or after maskExecutionErrors: a
 * fault is SERVICE_UNAVAILABLE when the database is away, else an internal
 * error, as is any error without a code. (graphql-jit's may lack `extensions`.)
 */
export function codeOf(error: GraphQLError): string {
  if (isUnexpected(error))
    return isDatabaseUnavailable(error.originalError) ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_SERVER_ERROR';
  const code = (error as { extensions?: Readonly<Record<string, unknown>> }).extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}

export function withCode(error: GraphQLError, code: ErrorCode): GraphQLError {
  if (error.extensions.code !== undefined) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}

const SUGGESTION = / Did you mean .*\?$/;

/** `error` without "Did you mean …?", which would spell out the schema that introspection hides. */
export function withoutSuggestions(error: GraphQLError): GraphQLError {
  if (!SUGGESTION.test(error.message)) return error;
  return new GraphQLError(error.message.replace(SUGGESTION, ''), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

/**
 * A result without suggestions in any error, whichever path made it: graphql-js
 * words variables that fail to coerce ("Field "complete" is not defined by type
 * "TodoFilter". Did you mean "completed"?") as it words invalid documents.
 */
export function hideSuggestions(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.some((error) => SUGGESTION.test(error.message))) return result;
  const errors = result.errors.map((error: GraphQLError | { readonly message: string }) =>
    // graphql-jit's variable errors are plain objects that JSON.stringify writes as they are.
    error instanceof GraphQLError
      ? withoutSuggestions(error)
      : { ...error, message: error.message.replace(SUGGESTION, '') },
  );
  return { ...result, errors: errors as GraphQLError[] };
}

/**
 * Errors of an operation that never started: its variables failed to coerce.
 * They leave with BAD_USER_INPUT, whether graphql-js or graphql-jit made them.
 */
export function variableErrors(result: ExecutionResult): ExecutionResult {
  if (!result.errors || 'data' in result) return result;
  const code: ErrorCode = 'BAD_USER_INPUT';
  const errors = result.errors.map((error) => {
    const extensions = (error.extensions as GraphQLError['extensions'] | undefined) ?? {};
    if (extensions.code !== undefined) return error;
    // graphql-js's errors keep their source, from which a copy finds its locations;
    // WebSocket and SSE call their toJSON, so they stay GraphQLErrors.
    if (error.source !== undefined) return withCode(error, code);
    // graphql-jit's (HTTP only, where JSON.stringify writes them) hold locations but no source.
    const { message, locations, path } = error;
    return { message, locations, path, extensions: { ...extensions, code } };
  });
  return { ...result, errors: errors as GraphQLError[] };
}

/** graphql-http's terse request-parsing messages, said so that a client knows what to fix. */
const requestErrorMessages: Readonly<Record<string, string>> = {
  'Missing body': 'The request body is empty: send a JSON object such as {"query": "{ todos { success } }"}.',
  'Unparsable JSON body': 'The request body is not valid JSON.',
  'JSON body must be an object': 'The request body must be a JSON object such as {"query": "{ todos { success } }"}.',
  'Batched requests':
    'A batch must be valid JSON: an array of operations, each an object such as {"query": "{ todos { success } }"}.',
  'Missing query': 'The request has no "query": send the GraphQL document as a string in the "query" parameter.',
  'Invalid query': 'The "query" parameter must be a string holding a GraphQL document.',
  'Invalid variables': 'The "variables" parameter must be a JSON object.',
  'Invalid operationName': 'The "operationName" parameter must be a string.',
  'Invalid extensions': 'The "extensions" parameter must be a JSON object.',
  'Unparsable URL': 'The "variables" or "extensions" URL parameter is not valid JSON.',
};

/** The code of an HTTP-level refusal, one that comes before any GraphQL is read. */
export function httpErrorCode(status: number): ErrorCode {
  switch (status) {
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 406:
      return 'NOT_ACCEPTABLE';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 503:
      return 'SERVICE_UNAVAILABLE';
    default:
      return status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST';
  }
}

/** The body of a refusal made before any GraphQL runs: one error with its code. */
export const errorBody = (message: string, code: string): string =>
  JSON.stringify({ errors: [{ message, extensions: { code } }] });

/** What to tell a client refused with `status` without a word from the library that refused it. */
export function describeRefusal(status: number, req: IncomingMessage): string {
  switch (status) {
    case 405:
      return req.method === 'GET' || req.method === 'POST'
        ? 'This operation cannot run over GET: send it with POST.'
        : `Method ${req.method} is not allowed on ${req.url?.split('?')[0] ?? '/'}: use GET or POST.`;
    case 406:
      return 'Cannot answer in any media type the Accept header lists: accept application/graphql-response+json or application/json.';
    case 415:
      return `Unsupported Content-Type "${req.headers['content-type'] ?? ''}": send the request as application/json.`;
    default:
      return http.STATUS_CODES[status] ?? 'Request failed';
  }
}

/**
 * A refusal body another library wrote (graphql-sse's, say), with each error's
 * message said as this server says it and a code on each; a bodiless one is described.
 */
export function codedRefusal(body: string | null | undefined, status: number, req: IncomingMessage): string {
  const code = httpErrorCode(status);
  let errors: unknown;
  try {
    errors = body ? (JSON.parse(body) as { errors?: unknown }).errors : undefined;
  } catch {
    errors = undefined;
  }
  const messages = Array.isArray(errors)
    ? errors.map((error: { message?: unknown; extensions?: { code?: unknown } }) =>
        typeof error.extensions?.code === 'string'
          ? error
          : { message: requestErrorMessages[String(error.message)] ?? String(error.message), extensions: { code } },
      )
    : [{ message: describeRefusal(status, req), extensions: { code } }];
  return JSON.stringify({ errors: messages });
}

/** Formats errors graphql-http raises before execution (malformed requests). */
export function formatRequestError(error: Error | GraphQLError): GraphQLError | Error {
  if (error instanceof GraphQLError) return withCode(error, 'BAD_REQUEST');
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
