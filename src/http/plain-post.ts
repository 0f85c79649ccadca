/**
 * Recognises the request nearly every client sends: a POST of a JSON object
 * with a string `query`, under a plain JSON content type and an everyday Accept
 * header. The endpoint answers those without graphql-http's generic handler,
 * whose header parsing, re-checks and promise chain cost more than running a
 * cached operation does. Anything else, including every malformed request, goes
 * to graphql-http, which stays the reference for the protocol (the
 * graphql-http audits in the tests run through both ways).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestParams } from 'graphql-http';
import { GRAPHQL_RESPONSE, type ResponseMediaType } from '../graphql/operations.js';

export interface PlainPost {
  readonly params: RequestParams;
  readonly mediaType: ResponseMediaType;
}

const CONTENT_TYPES = new Set([
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=utf-8',
]);

/** Accept headers answered without negotiation, and the media type graphql-http would pick for each. */
const ACCEPTS = new Map<string | undefined, ResponseMediaType>([
  [undefined, 'application/json'],
  ['*/*', 'application/json'],
  ['application/json', 'application/json'],
  [GRAPHQL_RESPONSE, GRAPHQL_RESPONSE],
  [`${GRAPHQL_RESPONSE}, application/json`, GRAPHQL_RESPONSE],
  [`${GRAPHQL_RESPONSE}, application/json, */*`, GRAPHQL_RESPONSE],
  ['application/json, */*', 'application/json'],
  // urql's default.
  [
    `${GRAPHQL_RESPONSE}, application/graphql+json, application/json, text/event-stream, multipart/mixed`,
    GRAPHQL_RESPONSE,
  ],
]);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The request's parameters when it is a plain POST, else undefined. */
export function readPlainPost(
  method: string | undefined,
  headers: IncomingHttpHeaders,
  body: string | null,
): PlainPost | undefined {
  if (method !== 'POST' || body === null) return undefined;
  const contentType = headers['content-type'];
  if (contentType === undefined || !CONTENT_TYPES.has(contentType.toLowerCase())) return undefined;
  const mediaType = ACCEPTS.get(headers.accept);
  if (mediaType === undefined) return undefined;

  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isPlainObject(data)) return undefined;
  const { query, variables, operationName, extensions } = data;
  if (typeof query !== 'string') return undefined;
  if (!(variables == null || isPlainObject(variables))) return undefined;
  if (!(operationName == null || typeof operationName === 'string')) return undefined;
  if (!(extensions == null || isPlainObject(extensions))) return undefined;
  const params: RequestParams = { query, variables, operationName, extensions };
  return { params, mediaType };
}
