/**
 * A request's GraphQL parameters read loosely, from a GET's query string or a
 * POST's JSON body, for the questions asked before the request is run: is it a
 * subscription (to answer with an event stream), and does it send a persisted
 * query's hash without its document. A request that cannot be read answers
 * undefined: graphql-http then words what is wrong with it.
 */
export interface LooseParams {
  readonly query?: string;
  readonly operationName?: string;
  readonly variables?: unknown;
  readonly extensions?: unknown;
  /** Whether the request names a `query` at all (an empty one included). */
  readonly hasQuery: boolean;
}

const UNREADABLE = Symbol('unreadable');

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return UNREADABLE;
  }
}

function fieldsOf(method: string, url: string, body: string | null): Record<string, unknown> | undefined {
  if (method === 'GET') {
    const search = new URL(url, 'http://localhost').searchParams;
    const json = (name: string) => {
      const value = search.get(name);
      return value === null ? undefined : parsed(value);
    };
    const variables = json('variables');
    const extensions = json('extensions');
    if (variables === UNREADABLE || extensions === UNREADABLE) return undefined;
    return {
      ...(search.has('query') ? { query: search.get('query') } : {}),
      operationName: search.get('operationName'),
      variables,
      extensions,
    };
  }
  const fields = body === null ? undefined : parsed(body);
  return typeof fields === 'object' && fields !== null && !Array.isArray(fields)
    ? (fields as Record<string, unknown>)
    : undefined;
}

export function looseParams(method: string, url: string, body: string | null): LooseParams | undefined {
  const fields = fieldsOf(method, url, body);
  if (fields === undefined) return undefined;
  const { query, operationName, variables, extensions } = fields;
  return {
    query: typeof query === 'string' ? query : undefined,
    operationName: typeof operationName === 'string' ? operationName : undefined,
    variables,
    extensions,
    hasQuery: 'query' in fields,
  };
}
