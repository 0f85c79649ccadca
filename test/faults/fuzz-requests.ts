/**
 * What the HTTP fuzz test (fuzz.test.ts) sends: fast-check arbitraries for the
 * requests a broken or hostile client could make. Most aim at POST /graphql
 * with GraphQL parameters: real operations (fuzz-operations.ts) mutated
 * (fuzz-mutations.ts) or sent with random variables, Apollo persisted-query
 * hashes, parameters of the wrong types, bodies that are not even JSON. The
 * rest try other methods, paths, media types and credentials. Each request is
 * plain data (method, target, headers, body), so fast-check prints and shrinks
 * it as such.
 */
import { createHash } from 'node:crypto';
import fc, { type Arbitrary } from 'fast-check';
import { applyEdit, edit, fieldName } from './fuzz-mutations.js';
import { OPERATIONS, variablesFor, variableValue, WITH_VARIABLES } from './fuzz-operations.js';

export interface FuzzRequest {
  readonly method: string;
  /** Path and query string, appended to the server's origin. */
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Absent for GET and HEAD. */
  readonly body?: string;
}

/** GraphQL-over-HTTP request parameters, of any type. */
type Params = Partial<Record<'query' | 'variables' | 'operationName' | 'extensions', unknown>>;

const anyOperation = fc.constantFrom(...OPERATIONS, ...WITH_VARIABLES);
/** Mostly none: a name makes most documents unrunnable. */
const operationName = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  fc.option(fc.oneof(fc.constantFrom('fetchAllTodos', 'newTodo', 'markDone', 'Page'), fieldName)),
);

/** Apollo's persisted-query extension for a document: its hash, another's, or malformed. */
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const persistedQuery = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });
const oddPersistedQuery = fc.record(
  {
    persistedQuery: fc.oneof(
      fc.record(
        {
          version: fc.oneof(fc.constant(1), fc.jsonValue({ maxDepth: 1 })),
          sha256Hash: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string(), fc.jsonValue({ maxDepth: 1 })),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue({ maxDepth: 1 }),
    ),
  },
  { requiredKeys: [] },
);

/** A valid operation that takes variables, with random ones. */
const withRandomVariables: Arbitrary<Params> = fc
  .constantFrom(...WITH_VARIABLES)
  .chain((query) => fc.record({ query: fc.constant(query), variables: variablesFor(query) }));

/** The request parameters: mutated operations, valid ones with random variables, persisted ones, and nonsense. */
const graphqlParams: Arbitrary<Params> = fc.oneof(
  {
    weight: 8,
    arbitrary: anyOperation
      .chain((source) =>
        fc.record({
          source: fc.constant(source),
          edits: fc.array(edit, { minLength: 1, maxLength: 4 }),
          operationName,
          variables: fc.oneof(
            { weight: 2, arbitrary: fc.constant(undefined) },
            { weight: 2, arbitrary: variablesFor(source) },
            variableValue,
          ),
          hash: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, fc.constantFrom('original', 'mutated')),
        }),
      )
      .map(({ source, edits, hash, ...rest }) => {
        const query = edits.reduce(applyEdit, source);
        if (hash === undefined) return { ...rest, query };
        return { ...rest, query, extensions: persistedQuery(sha256(hash === 'original' ? source : query)) };
      }),
  },
  { weight: 6, arbitrary: withRandomVariables },
  {
    // A hash without its document, as Apollo's clients send first.
    weight: 1,
    arbitrary: fc.record({
      extensions: fc.oneof(
        anyOperation.map((query) => persistedQuery(sha256(query))),
        oddPersistedQuery,
      ),
      variables: fc.option(variableValue),
      operationName,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        query: fc.oneof(anyOperation, fc.jsonValue({ maxDepth: 2 })),
        variables: fc.oneof(fc.jsonValue({ maxDepth: 3 }), variableValue),
        operationName: fc.oneof(operationName, fc.jsonValue({ maxDepth: 1 })),
        extensions: fc.oneof(fc.jsonValue({ maxDepth: 2 }), oddPersistedQuery),
      },
      { requiredKeys: [] },
    ),
  },
);

/** A body that is not the JSON of request parameters: wrong JSON, broken JSON, not JSON. */
const rawBody: Arbitrary<string> = fc.oneof(
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string({ unit: 'binary', maxLength: 200 }),
  graphqlParams.map((p) => JSON.stringify([p])),
  fc.tuple(graphqlParams, fc.nat()).map(([p, cut]) => {
    const text = JSON.stringify(p);
    return text.slice(0, cut % (text.length + 1));
  }),
  fc.constantFrom(
    '',
    ' ',
    'null',
    '{}',
    '\uFEFF{"query":"{ todos { success } }"}',
    '{"query":"{ todos { success } }",}',
  ),
  fc.constant('{"query":"{ todos { success } }","query":{"a":1},"variables":{"__proto__":{"x":1}}}'),
  fc.integer({ min: 1, max: 30_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc
    .integer({ min: 1, max: 20_000 })
    .map((depth) => `{"query":"{ todos { success } }","variables":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`),
);

const headerText = fc.string({
  unit: fc
    .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff }))
    .map((c) => String.fromCharCode(c)),
  maxLength: 60,
});
/** A header: absent `absent` percent of the time, `odd` percent something odd, else a common value. */
const header = (absent: number, odd: number, common: readonly string[], oddValue: Arbitrary<string>) =>
  fc.oneof(
    { weight: absent, arbitrary: fc.constant(undefined) },
    { weight: 100 - absent - odd, arbitrary: fc.constantFrom(...common) },
    { weight: odd, arbitrary: oddValue },
  );

function headers(token: string): Arbitrary<Record<string, string | undefined>> {
  const tampered = token.slice(0, -6) + (token.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');
  return fc.record({
    'content-type': header(
      5,
      10,
      ['application/json', 'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON;CHARSET=UTF-8'],
      fc.oneof(
        fc.constantFrom('application/json; charset=utf-16', 'application/graphql', 'application/graphql-response+json'),
        fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', ';;'),
        headerText,
      ),
    ),
    accept: header(
      40,
      10,
      [
        '*/*',
        'application/json',
        'application/graphql-response+json',
        'application/graphql-response+json, application/json',
      ],
      fc.oneof(
        fc.constantFrom(
          'text/html',
          'text/event-stream',
          'text/csv',
          'application/*',
          'application/json; charset=latin1',
        ),
        fc.constantFrom('application/graphql-response+json;charset=utf-16, */*;q=0', 'application/json;q=0', ' '),
        headerText,
      ),
    ),
    authorization: header(
      75,
      8,
      [`Bearer ${token}`],
      fc.oneof(
        fc.constantFrom(`Bearer ${tampered}`, `bearer ${token}`, 'Bearer', 'Bearer a.b.c', 'Basic dXNlcjpwYXNz'),
        fc.constantFrom(`Bearer ${token} ${token}`, 'Bearer eyJhbGciOiJub25lIn0.e30.'),
        headerText,
      ),
    ),
    cookie: header(
      85,
      8,
      [`todo_session=${token}`],
      fc.oneof(
        fc.constantFrom(`todo_session=${tampered}`, 'todo_session=', `a=1; todo_session=${token}; b`),
        headerText,
      ),
    ),
    'sec-fetch-site': header(80, 5, ['same-origin', 'cross-site', 'none'], headerText),
    'x-request-id': header(70, 10, ['fuzz-1', 'a'.repeat(129)], headerText),
    'x-forwarded-proto': header(85, 5, ['https', 'http'], headerText),
    'x-forwarded-for': header(85, 10, ['10.0.0.1'], fc.oneof(fc.ipV4(), fc.ipV6(), headerText)),
    'x-fuzz': header(85, 10, ['1'], headerText),
  });
}

const method = fc.oneof(
  { weight: 14, arbitrary: fc.constant('POST') },
  { weight: 4, arbitrary: fc.constant('GET') },
  { weight: 2, arbitrary: fc.constantFrom('HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'FUZZ', 'fuzz') },
);
const path = fc.oneof(
  { weight: 60, arbitrary: fc.constant('/graphql') },
  {
    weight: 4,
    arbitrary: fc.constantFrom('/graphql/', '/GRAPHQL', '//graphql', '/graphql;x', '/graphql%00', '/graphql?', '/'),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom('/healthz', '/readyz', '/graphiql/', '/graphiql/%2e%2e/package.json', '/%zz'),
  },
  { weight: 2, arbitrary: fc.webPath() },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 20_000 }).map((n) => `/${'a'.repeat(n)}`) },
);

/** encodeURIComponent, except that a lone surrogate (an edit can split a pair) goes as U+FFFD, as in a body. */
const percentEncode = (text: string) =>
  encodeURIComponent(text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));

/** Encodes parameters as a GET query string; a value that is not a string as its JSON. */
function queryString(p: Params): string {
  return Object.entries(p)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${percentEncode(typeof value === 'string' ? value : JSON.stringify(value))}`)
    .join('&');
}

/** Any request at all. */
function anyRequest(token: string): Arbitrary<FuzzRequest> {
  return fc
    .record({
      method,
      path,
      headers: headers(token),
      params: graphqlParams,
      raw: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, rawBody),
      paramsInQuery: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, fc.constant(true)),
    })
    .map(({ method, path, headers, params, raw, paramsInQuery }) => {
      const hasBody = method !== 'GET' && method !== 'HEAD';
      const body = hasBody ? (raw ?? JSON.stringify(params)) : undefined;
      const search = hasBody && !paramsInQuery ? '' : queryString(params);
      const target = search ? `${path}${path.includes('?') ? '&' : '?'}${search}` : path;
      const sent = Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => !!entry[1]));
      // A logout would end the run's session: send it without the live credentials.
      if (`${target}${body ?? ''}`.includes('logout')) {
        delete sent.authorization;
        delete sent.cookie;
      }
      return { method, target, headers: sent, ...(body === undefined ? {} : { body }) };
    });
}

/** A request as a well-behaved client sends it, but for its variables: these reach the resolvers. */
function cleanRequest(token: string): Arbitrary<FuzzRequest> {
  return fc
    .record({
      params: withRandomVariables,
      accept: fc.constantFrom(undefined, 'application/json', 'application/graphql-response+json'),
      signedIn: fc.boolean(),
    })
    .map(({ params, accept, signedIn }) => ({
      method: 'POST',
      target: '/graphql',
      headers: {
        'content-type': 'application/json',
        ...(accept ? { accept } : {}),
        ...(signedIn ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(params),
    }));
}

/** A request: `token` is a live session's, so some requests are signed in (and some tamper with it). */
export const fuzzRequest = (token: string): Arbitrary<FuzzRequest> =>
  fc.oneof({ weight: 3, arbitrary: anyRequest(token) }, cleanRequest(token));
