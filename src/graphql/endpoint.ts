/**
 * The GraphQL-over-HTTP endpoint. The everyday request (a plain JSON POST, see
 * plain-post.ts) runs straight through Operations; every other request goes
 * through graphql-http's reference handler, fed with the same cached documents
 * and compiled executors.
 */
import type { IncomingMessage } from 'node:http';
import { OperationTypeNode, type GraphQLSchema } from 'graphql';
import { createHandler, type RequestParams, type Response as HandlerResponse } from 'graphql-http';
import { expiredSessionCookie } from '../accounts/session-cookie.js';
import type { Sessions } from '../accounts/sessions.js';
import type { Kysely } from 'kysely';
import type { Tables } from '../db/tables.js';
import { RATE_LIMITED, rateLimitMessage, type RateLimits } from '../http/rate-limits.js';
import type { RequestState } from '../http/request-state.js';
import type { GraphQLContext } from './context.js';
import { errorBody, formatRequestError } from './errors.js';
import { isErrorList, negotiateMediaType, type Operations } from './operations.js';
import { readPlainPost } from './plain-post.js';
import { TrustedDocuments } from './trusted-documents.js';

/** What lets a request in: who it is, and whether it is within its rate limits. */
export interface Gate {
  readonly db: Kysely<Tables>;
  readonly sessions: Sessions;
  readonly rateLimits: RateLimits;
  /** Whether X-Forwarded-For, as the proxy in front sets it, names the client. */
  readonly trustProxy: boolean;
}

export interface GraphQLEndpointOptions extends Gate {
  readonly schema: GraphQLSchema;
  readonly operations: Operations;
}

export interface GraphQLRequest {
  readonly raw: IncomingMessage;
  /** The request body as text, or null for GET. */
  readonly body: string | null;
  readonly state: RequestState;
}

export type GraphQLEndpoint = (request: GraphQLRequest) => Promise<HandlerResponse>;

export function createGraphQLEndpoint(options: GraphQLEndpointOptions): GraphQLEndpoint {
  const { schema, operations } = options;

  const handle = createHandler<IncomingMessage, RequestState, GraphQLContext>({
    schema,
    parseRequestParams(req) {
      // graphql-http would read an array as a request without a query; say what is wrong.
      if (req.method === 'POST' && typeof req.body === 'string' && req.body.trimStart().startsWith('[')) {
        throw new Error('Batched requests');
      }
      return persistedOnly(req.method, req.url, req.body);
    },
    onSubscribe: (req, params) => {
      const prepared = operations.prepare(params, req.context);
      return isErrorList(prepared) ? [...prepared] : prepared;
    },
    execute: (args) => operations.execute(args),
    onOperation(req, args, result) {
      if (Symbol.asyncIterator in result) return undefined;
      return operations.respond(args, result, req.context, negotiateMediaType(req.raw.headers.accept));
    },
    formatError: formatRequestError,
  });

  // The request was admitted (see admit) before its body was read.
  return async ({ raw, body, state }) => {
    const plain = readPlainPost(raw.method, raw.headers, body);
    if (plain) {
      const prepared = operations.prepare(plain.params, state);
      // Invalid documents and missing operations take the handler's way, which words them.
      // Subscriptions need a streaming transport: graphql-http refuses them over plain HTTP, in its words.
      if (!isErrorList(prepared) && prepared.operationType !== OperationTypeNode.SUBSCRIPTION) {
        const result = await operations.execute(prepared);
        return operations.respond(prepared, result, state, plain.mediaType);
      }
    }
    return handle({
      method: raw.method ?? 'GET',
      url: raw.url ?? '/',
      headers: raw.headers,
      body,
      raw,
      context: state,
    });
  };
}

/**
 * The parameters of a request that sends a persisted query's hash without its
 * document, which graphql-http would refuse as missing a query; undefined for
 * any other request, which graphql-http parses itself.
 */
function persistedOnly(method: string, url: string, body: unknown): RequestParams | undefined {
  let fields: Record<string, unknown>;
  try {
    if (method === 'GET') {
      const search = new URL(url, 'http://localhost').searchParams;
      if (search.has('query') || !search.has('extensions')) return undefined;
      const json = (name: string) => {
        const value = search.get(name);
        return value === null ? undefined : (JSON.parse(value) as unknown);
      };
      fields = {
        extensions: json('extensions'),
        variables: json('variables'),
        operationName: search.get('operationName'),
      };
    } else if (typeof body === 'string') {
      const parsed = JSON.parse(body) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || 'query' in parsed) return undefined;
      fields = parsed as Record<string, unknown>;
    } else return undefined;
  } catch {
    return undefined; // graphql-http words the malformed request.
  }
  const { extensions, variables, operationName } = fields;
  if (!TrustedDocuments.wantsPersisted(extensions)) return undefined;
  return {
    query: '',
    extensions: extensions as Record<string, unknown>,
    variables: typeof variables === 'object' ? (variables as Record<string, unknown> | null) : undefined,
    operationName: typeof operationName === 'string' ? operationName : undefined,
  };
}

/**
 * Authenticates a request into `state.viewer` and counts it against the rate
 * limits, or returns the answer refusing it: 401 for a credential that does not
 * hold, 403 for the cookie sent cross-site, 429 past a rate limit. The client's
 * address is counted first, so a flood of bad credentials is cut off too.
 */
export async function admit(
  gate: Gate,
  raw: IncomingMessage,
  state: RequestState,
): Promise<HandlerResponse | undefined> {
  const { rateLimits } = gate;
  if (rateLimits.enabled) {
    const wait = await rateLimits.consumeAddress(state.address);
    if (wait !== undefined) return tooMany(raw, wait);
  }
  const pending = gate.sessions.authenticate(gate.db, raw.headers);
  const authentication = pending instanceof Promise ? await pending : pending;
  if (!authentication.ok) {
    if (authentication.via === 'cookie') state.addSetCookie(expiredSessionCookie(state.secureCookies));
    return refusal(raw, 401, 'UNAUTHENTICATED', authentication.message);
  }
  const { viewer } = authentication;
  // SameSite=Lax already keeps the cookie off other sites' subrequests; this
  // also refuses one from a browser that sent it anyway.
  if (viewer.kind === 'user' && viewer.via === 'cookie' && raw.headers['sec-fetch-site'] === 'cross-site') {
    return refusal(
      raw,
      403,
      'FORBIDDEN',
      'A request from another site cannot use the session cookie: send the token as "Authorization: Bearer <token>".',
    );
  }
  if (rateLimits.enabled) {
    const wait = await rateLimits.consumeViewer(viewer);
    if (wait !== undefined) return tooMany(raw, wait);
  }
  state.viewer = viewer;
  return undefined;
}

function tooMany(raw: IncomingMessage, retryAfter: number): HandlerResponse {
  const [body, init] = refusal(raw, 429, RATE_LIMITED, rateLimitMessage(retryAfter));
  return [body, { ...init, headers: { ...init.headers, 'retry-after': String(retryAfter) } }];
}

/** An answer refusing the request before any operation runs, as a GraphQL error with a code. */
const STATUS_TEXT = { 401: 'Unauthorized', 403: 'Forbidden', 429: 'Too Many Requests' } as const;

function refusal(raw: IncomingMessage, status: 401 | 403 | 429, code: string, message: string): HandlerResponse {
  const mediaType = negotiateMediaType(raw.headers.accept);
  return [
    errorBody(message, code),
    {
      status,
      statusText: STATUS_TEXT[status],
      headers: {
        'content-type': `${mediaType}; charset=utf-8`,
        ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
      },
    },
  ];
}
