/**
 * Every refusal carries a stable `extensions.code`, whichever layer refuses and
 * whichever transport carries it, so a client can branch on the code rather
 * than parse a message: HTTP refusals (404, 405, 406, 413, 415), malformed
 * requests, documents that do not parse or validate, an operation that cannot
 * be chosen, and variables that do not coerce, over HTTP, SSE and WebSocket.
 * A fault while resolving a subscription's event is masked as it would be over
 * HTTP. (Feature codes such as UNAUTHENTICATED or QUERY_LIMIT_EXCEEDED are
 * tested with their features; the fuzz test checks that no error lacks one.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { databaseTargets, postgresTarget, type TestDatabase } from './helpers/databases.js';
import { afterSubscriptions, startTestServer, type TestServer } from './helpers/server.js';

const BODY_LIMIT = 4096;
const NEEDS_ID = 'query ($id: ID!) { todo(todoId: $id) { success } }';

interface Refusal {
  readonly status: number;
  readonly codes: unknown[];
}

async function refusal(url: string, init: RequestInit = {}): Promise<Refusal> {
  const response = await fetch(url, init);
  const body = (await response.json()) as { errors?: { extensions?: { code?: unknown } }[] };
  return { status: response.status, codes: (body.errors ?? []).map((error) => error.extensions?.code) };
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** Each case: what is sent, and the status and codes it must get. */
const cases: [string, (server: TestServer) => Promise<Refusal>, number, string][] = [
  ['an unknown path', (s) => refusal(`${s.url}/nothing`), 404, 'NOT_FOUND'],
  ['a PUT', (s) => refusal(s.graphqlUrl, { method: 'PUT' }), 405, 'METHOD_NOT_ALLOWED'],
  [
    'a mutation over GET',
    (s) => refusal(`${s.graphqlUrl}?query=${encodeURIComponent('mutation { markDone(todoId: "1") { success } }')}`),
    405,
    'METHOD_NOT_ALLOWED',
  ],
  [
    'an Accept nothing can meet',
    (s) => refusal(s.graphqlUrl, json({ query: '{ __typename }' }, { accept: 'image/png' })),
    406,
    'NOT_ACCEPTABLE',
  ],
  [
    'a body over the limit',
    (s) => refusal(s.graphqlUrl, json({ query: `{ __typename } #${'x'.repeat(BODY_LIMIT)}` })),
    413,
    'PAYLOAD_TOO_LARGE',
  ],
  [
    'a text/plain body',
    (s) => refusal(s.graphqlUrl, json('{}', { 'content-type': 'text/plain' })),
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ],
  ['malformed JSON', (s) => refusal(s.graphqlUrl, json('{"query": ')), 400, 'BAD_REQUEST'],
  [
    'a batch over BATCH_MAX',
    (s) => refusal(s.graphqlUrl, json(Array.from({ length: 11 }, () => ({ query: '{ __typename }' })))),
    400,
    'BATCH_TOO_LARGE',
  ],
  ['no query', (s) => refusal(s.graphqlUrl, json({})), 400, 'BAD_REQUEST'],
  ['a syntax error', (s) => refusal(s.graphqlUrl, json({ query: '{ todos {' })), 200, 'GRAPHQL_PARSE_FAILED'],
  ['an unknown field', (s) => refusal(s.graphqlUrl, json({ query: '{ nope }' })), 200, 'GRAPHQL_VALIDATION_FAILED'],
  [
    'an unknown operation name',
    (s) => refusal(s.graphqlUrl, json({ query: 'query A { __typename }', operationName: 'B' })),
    200,
    'OPERATION_RESOLUTION_FAILURE',
  ],
  ['a missing variable', (s) => refusal(s.graphqlUrl, json({ query: NEEDS_ID })), 200, 'BAD_USER_INPUT'],
  [
    'a variable of the wrong type',
    (s) => refusal(s.graphqlUrl, json({ query: NEEDS_ID, variables: { id: { a: 1 } } })),
    200,
    'BAD_USER_INPUT',
  ],
  [
    'an event stream request without a query',
    (s) => refusal(s.graphqlUrl, json({}, { accept: 'text/event-stream' })),
    400,
    'BAD_REQUEST',
  ],
  [
    'an event stream request with a syntax error',
    (s) => refusal(s.graphqlUrl, json({ query: 'subscription {' }, { accept: 'text/event-stream' })),
    400,
    'GRAPHQL_PARSE_FAILED',
  ],
];

for (const target of databaseTargets) {
  describe(`error codes on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;
    before(async () => {
      db = await target.create();
      server = await startTestServer(db, { BODY_LIMIT_BYTES: String(BODY_LIMIT) });
    });
    after(async () => {
      await server.close();
      await db.drop();
    });

    for (const [what, send, status, code] of cases) {
      it(`answers ${what} with ${status} and ${code}`, async () => {
        const answer = await send(server);
        assert.deepEqual(answer, { status, codes: [code] });
      });
    }

    it('answers a subscription whose variables do not coerce with BAD_USER_INPUT over SSE', async () => {
      const response = await fetch(
        server.graphqlUrl,
        json(
          { query: 'subscription ($list: ID) { changes(list: $list) { kind } }', variables: { list: [1, 2] } },
          { accept: 'text/event-stream' },
        ),
      );
      const text = await response.text();
      const next = /event: next\ndata: (.*)\n/.exec(text)?.[1];
      assert.ok(next, text);
      const body = JSON.parse(next) as { errors?: { extensions?: { code?: unknown } }[] };
      assert.deepEqual(
        body.errors?.map((error) => error.extensions?.code),
        ['BAD_USER_INPUT'],
      );
    });

    it('answers a subscription whose variables do not coerce, or that does not validate, with codes over WebSocket', async () => {
      const client = createClient({
        url: server.graphqlUrl.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
      });
      const codesOf = async (query: string, variables?: Record<string, unknown>) => {
        const iterator = client.iterate({ query, variables });
        try {
          const first = await iterator.next();
          return first.done ? [] : (first.value.errors ?? []).map((error) => error.extensions?.code);
        } catch (errors) {
          return (errors as { extensions?: { code?: unknown } }[]).map((error) => error.extensions?.code);
        } finally {
          await iterator.return?.();
        }
      };
      try {
        assert.deepEqual(
          await codesOf('subscription ($list: ID) { changes(list: $list) { kind } }', { list: [1, 2] }),
          ['BAD_USER_INPUT'],
        );
        assert.deepEqual(await codesOf('subscription { nope }'), ['GRAPHQL_VALIDATION_FAILED']);
      } finally {
        await client.dispose();
      }
    });
  });
}

describe('a fault while resolving a subscription event, on postgres', { skip: postgresTarget.skip }, () => {
  let db: TestDatabase;
  let server: TestServer;
  before(async () => {
    db = await postgresTarget.create();
    server = await startTestServer(db, { DATABASE_TIMEOUT_MS: '300', MASK_ERRORS: 'true' });
  });
  after(async () => {
    await server.close();
    await db.drop();
  });

  it('reaches WebSocket and SSE subscribers as SERVICE_UNAVAILABLE, not as the database error', async () => {
    // Todo.owner reads `users`, which markDone does not touch (creating a todo
    // would: todos.owner_id is a foreign key), so the todo is made beforehand.
    const { createTodo } = await server.data<{ createTodo: { todo: { id: string } } }>(
      'mutation { createTodo(description: "Watched", dueDate: "01-01-2031") { todo { id } } }',
    );
    const query = 'subscription { changes { kind todo { owner { username } } } }';
    const client = createClient({
      url: server.graphqlUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    const overWebSocket = client.iterate({ query });
    const [firstOverWebSocket, stream] = await afterSubscriptions(server, 'started', 2, () => [
      overWebSocket.next(),
      fetch(server.graphqlUrl, json({ query }, { accept: 'text/event-stream' })),
    ]);
    const reader = (await stream).body?.pipeThrough(new TextDecoderStream()).getReader();
    assert.ok(reader);

    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('begin; lock table users in access exclusive mode');
      const done = await server.data<{ markDone: { success: boolean } }>(
        `mutation { markDone(todoId: "${createTodo.todo.id}") { success } }`,
      );
      assert.equal(done.markDone.success, true);

      const event = await firstOverWebSocket;
      if (event.done) assert.fail('the subscription ended without an event');
      const errors = event.value.errors ?? [];
      assert.deepEqual(
        errors.map((error) => [error.extensions?.code, error.path]),
        [['SERVICE_UNAVAILABLE', ['changes', 'todo', 'owner']]],
      );
      assert.doesNotMatch(JSON.stringify(errors), /statement|cancel/i);

      let text = '';
      while (!text.includes('event: next')) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += chunk.value;
      }
      assert.match(text, /"code":"SERVICE_UNAVAILABLE"/);
      assert.doesNotMatch(text, /statement|cancel/i);
    } finally {
      await locker.query('rollback');
      await locker.end();
      await overWebSocket.return?.();
      await reader.cancel();
      await client.dispose();
    }
  });
});
