/**
 * Batched requests (a JSON array of operations, as Apollo's BatchHttpLink and
 * graphql-request's batchRequests send them): answered in order, each
 * operation on its own against the document limits and the rate limits, at
 * most BATCH_MAX of them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';

type Result = { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };

async function batch(server: TestServer, operations: unknown[]): Promise<{ status: number; body: unknown }> {
  const response = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(operations),
  });
  return { status: response.status, body: await response.json() };
}

const codeOf = (result: Result | undefined) => result?.errors?.[0]?.extensions?.code;

for (const target of databaseTargets) {
  describe(`batched requests on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;

    before(async () => {
      db = await target.create();
      server = await startTestServer(db, { BATCH_MAX: '4', MAX_QUERY_DEPTH: '4' });
    });
    after(async () => {
      await server.close();
      await db.drop();
    });

    it('answers every operation in order, mutations applied one after the other', async () => {
      const { status, body } = await batch(server, [
        { query: '{ todos { todos { id } } }' },
        {
          query:
            'mutation ($d: String!) { createTodo(description: $d, dueDate: "01-01-2030") { success todo { id } } }',
          variables: { d: 'batched' },
        },
        { query: '{ todos { todos { description } } }', operationName: null },
      ]);
      assert.equal(status, 200);
      assert.deepEqual(body, [
        { data: { todos: { todos: [] } } },
        { data: { createTodo: { success: true, todo: { id: '1' } } } },
        { data: { todos: { todos: [{ description: 'batched' }] } } },
      ]);
    });

    it('answers each operation’s own errors in its place, the others running', async () => {
      const { status, body } = await batch(server, [
        { query: '{ nothingHere }' },
        { query: '{ todos { todos { list { todos(first: 1) { edges { node { id } } } } } } }' },
        { query: '{ isAuthenticated }' },
        'not an operation',
      ]);
      assert.equal(status, 200);
      const results = body as Result[];
      assert.equal(results.length, 4);
      assert.equal(codeOf(results[0]), 'GRAPHQL_VALIDATION_FAILED');
      assert.equal(codeOf(results[1]), 'QUERY_LIMIT_EXCEEDED', 'MAX_QUERY_DEPTH holds per operation');
      assert.deepEqual(results[2], { data: { isAuthenticated: false } });
      assert.equal(codeOf(results[3]), 'BAD_REQUEST');

      // Nesting JSON.parse takes but JSON.stringify cannot write back.
      const deep = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `[{"query": "{ isAuthenticated }", "variables": {"a": ${'['.repeat(30_000)}${']'.repeat(30_000)}}}, [[[[]]]]]`,
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(deep.status, 200);
      assert.deepEqual(
        ((await deep.json()) as Result[]).map((result) => codeOf(result)),
        ['BAD_REQUEST', 'BAD_REQUEST'],
      );
    });

    it('refuses an empty batch, and one over BATCH_MAX, with 400 BATCH_TOO_LARGE', async () => {
      for (const operations of [[], Array.from({ length: 5 }, () => ({ query: '{ isAuthenticated }' }))]) {
        const { status, body } = await batch(server, operations);
        assert.equal(status, 400);
        assert.equal(codeOf(body as Result), 'BATCH_TOO_LARGE');
        assert.match((body as Result).errors?.[0]?.message ?? '', /BATCH_MAX/);
      }
    });

    it('counts every operation against the rate limits', async () => {
      const limited = await startTestServer(db, { RATE_LIMIT_PER_ADDRESS: '3', BATCH_MAX: '5' });
      try {
        const { status, body } = await batch(
          limited,
          Array.from({ length: 5 }, () => ({ query: '{ isAuthenticated }' })),
        );
        assert.equal(status, 200);
        const codes = (body as Result[]).map((result) => codeOf(result) ?? 'ok');
        assert.deepEqual(codes, ['ok', 'ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED']);
      } finally {
        await limited.close();
      }
    });
  });
}
