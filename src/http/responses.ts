/**
 * Writing a whole response, with the headers every response carries. Every
 * header goes through writeHead: mixing it with setHeader sends Node down its
 * slower merging path on every request.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { errorBody, httpErrorCode } from '../graphql/errors.js';
import type { RequestState } from './request-state.js';

export const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Headers on every response (OWASP's secure headers for an API): nothing is
 * sniffed, framed, cached or given a referrer, and no content may load from an
 * API response. GraphiQL's page and assets override the policy and caching they
 * need. HSTS only counts over HTTPS, where browsers heed it.
 */
const BASE_HEADERS: OutgoingHttpHeaders = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'cache-control': 'no-store',
};

export function send(
  res: ServerResponse,
  state: RequestState,
  status: number,
  body: string | Buffer,
  headers?: OutgoingHttpHeaders,
): void {
  res.writeHead(status, {
    ...BASE_HEADERS,
    'x-request-id': state.requestId,
    ...headers,
    ...(state.setCookies ? { 'set-cookie': state.setCookies } : {}),
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Headers every response of this request carries; `send` inlines them, being on every request's path. */
export function commonHeaders(state: RequestState): OutgoingHttpHeaders {
  return { ...BASE_HEADERS, 'x-request-id': state.requestId };
}

/** A refusal: one GraphQL error with the code of its status. */
export function sendError(
  res: ServerResponse,
  state: RequestState,
  status: number,
  message: string,
  headers?: OutgoingHttpHeaders,
): void {
  send(res, state, status, errorBody(message, httpErrorCode(status)), { ...headers, 'content-type': JSON_TYPE });
}
