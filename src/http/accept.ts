/**
 * The Accept header, read once for the two questions the GraphQL path asks of
 * it: which JSON media type to answer in (as graphql-http chooses it), and
 * whether the client takes JSON, an event stream, or either.
 */
import { GRAPHQL_RESPONSE, type ResponseMediaType } from '../graphql/operations.js';

interface AcceptEntry {
  readonly type: string;
  readonly params: readonly string[];
}

/** The header's entries in order, lower-cased and without whitespace. */
function entriesOf(accept: string): AcceptEntry[] {
  return accept
    .toLowerCase()
    .split(',')
    .map((entry) => {
      const [type = '', ...params] = entry.replace(/\s/g, '').split(';');
      return { type, params };
    });
}

const ANY_JSON = new Set(['application/json', 'application/*', '*/*']);

/**
 * The media type graphql-http chooses for an Accept header (it has already
 * refused the request with 406 when there is none): the first entry that is
 * graphql-response+json in UTF-8, or JSON, or anything.
 */
export function negotiateMediaType(accept: string | undefined): ResponseMediaType {
  if (accept === undefined || !accept.toLowerCase().includes(GRAPHQL_RESPONSE)) return 'application/json';
  for (const { type, params } of entriesOf(accept)) {
    const charset = params.find((param) => param.startsWith('charset=')) ?? 'charset=utf-8';
    if (type === GRAPHQL_RESPONSE && charset === 'charset=utf-8') return GRAPHQL_RESPONSE;
    if (ANY_JSON.has(type)) return 'application/json';
  }
  return 'application/json';
}

const JSON_TYPES = new Set([...ANY_JSON, GRAPHQL_RESPONSE]);

/**
 * What a request's Accept header lets the server answer with: JSON only, an
 * event stream only, or either (urql's default Accept lists both, and more).
 * Entries with `q=0` are refused types, as HTTP says.
 */
export function acceptedAnswers(accept: string | undefined): 'json' | 'stream' | 'either' {
  if (accept === undefined || !accept.includes('text/event-stream')) return 'json';
  let json = false;
  let stream = false;
  for (const { type, params } of entriesOf(accept)) {
    if (params.some((param) => /^q=0(\.0*)?$/.test(param))) continue;
    if (type === 'text/event-stream') stream = true;
    else if (JSON_TYPES.has(type)) json = true;
  }
  return stream ? (json ? 'either' : 'stream') : 'json';
}
