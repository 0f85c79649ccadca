/**
 * The tests' one way to send GraphQL over HTTP without a client library: a
 * JSON POST of any request body (a query with variables, or a persisted
 * query's extensions), with or without a credential. Tests of the HTTP layer
 * itself (malformed bodies, methods, headers) send raw requests instead; tests
 * of client libraries use the libraries (helpers/clients.ts).
 */

/** An answer: its status, headers and parsed body. */
export interface GraphQLAnswer<Data = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: {
    data?: Data | null;
    errors?: { message: string; extensions?: { code?: string } & Record<string, unknown> }[];
  };
}

/** How a request proves who it is: a bearer token, the session cookie, or nothing. */
export type Credential = { readonly token: string } | { readonly cookie: string } | undefined;

export interface PostOptions {
  readonly credential?: Credential;
  readonly headers?: Record<string, string>;
}

/** POSTs `request` as JSON to `url` and parses the answer. */
export async function postGraphQL<Data = Record<string, unknown>>(
  url: string,
  request: Record<string, unknown>,
  { credential, headers = {} }: PostOptions = {},
): Promise<GraphQLAnswer<Data>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(credential && 'token' in credential ? { authorization: `Bearer ${credential.token}` } : {}),
      ...(credential && 'cookie' in credential ? { cookie: credential.cookie } : {}),
      ...headers,
    },
    body: JSON.stringify(request),
    // A request the server never answers fails the test rather than hanging it.
    signal: AbortSignal.timeout(15_000),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as GraphQLAnswer<Data>['body'],
  };
}

/** The code of an answer's first error. */
export const codeOf = (answer: Pick<GraphQLAnswer<unknown>, 'body'>): string | undefined =>
  answer.body.errors?.[0]?.extensions?.code;
