/**
 * Hostile documents are refused before they run, each with an error naming the
 * limit that refused it, over HTTP, WebSocket and SSE; the server goes on
 * answering. Production hides the schema: no introspection, no "Did you mean".
 * The limits are the same code on either database, so this runs on SQLite.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { HOSTILE_DOCUMENTS } from './fixtures/hostile-documents.js';
import { startTestServer, type GraphQLResponse, type TestServer } from './helpers/server.js';

const [sqlite] = databaseTargets;
const SMALL_LIMITS = {
  MAX_QUERY_TOKENS: '300',
  MAX_QUERY_DEPTH: '5',
  MAX_QUERY_ALIASES: '3',
  MAX_QUERY_DIRECTIVES: '3',
  MAX_QUERY_ROOT_FIELDS: '3',
  MAX_QUERY_COST: '500',
};

/** The refusal's limit, after checking it is a refusal before execution: 400 (graphql-response+json), no data. */
function refusedBy(response: GraphQLResponse): unknown {
  assert.equal(response.status, 400, JSON.stringify(response.body));
  assert.equal(response.body.data, undefined, JSON.stringify(response.body));
  const [error] = response.body.errors ?? [];
  assert.equal(error?.extensions?.code, 'QUERY_LIMIT_EXCEEDED', JSON.stringify(response.body));
  assert.match(error.message, new RegExp(String(error.extensions.limit)));
  return error.extensions.limit;
}

describe('document limits', { skip: sqlite?.skip }, () => {
  let db: TestDatabase;
  let server: TestServer;
  before(async () => {
    db = await (sqlite ?? assert.fail('no SQLite target')).create();
    server = await startTestServer(db, SMALL_LIMITS);
  });
  after(async () => {
    await server.close();
    await db.drop();
  });

  it('refuses each limit by name, and lets a document within them run', async () => {
    const cases: [string, string][] = [
      ['{ lists { todos(first: 1) { edges { node { list { name } } } } } }', 'MAX_QUERY_DEPTH'],
      ['{ a: lists { id } b: lists { id } c: lists { id } d: lists { id } }', 'MAX_QUERY_ALIASES'],
      [
        '{ lists @skip(if: false) @include(if: true) { id @skip(if: false) name @include(if: true) } }',
        'MAX_QUERY_DIRECTIVES',
      ],
      ['{ lists { id } me { id } isAuthenticated todos { success } }', 'MAX_QUERY_ROOT_FIELDS'],
      ['{ allTodos(first: 100) { edges { node { id description notes dueOn priority } } } }', 'MAX_QUERY_COST'],
      [
        'query ($n: Int) { allTodos(first: $n) { edges { node { id description notes dueOn priority } } } }',
        'MAX_QUERY_COST',
      ],
      [`{ lists { ${'id '.repeat(300)} } }`, 'MAX_QUERY_TOKENS'],
    ];
    for (const [query, limit] of cases) {
      assert.equal(refusedBy(await server.graphql(query)), limit, query);
    }
    const within = await server.graphql('{ allTodos(first: 10) { edges { node { id } } } lists { name } }');
    assert.equal(within.body.errors, undefined, JSON.stringify(within.body.errors));
  });

  it('counts through fragments, and refuses a fragment cycle without following it', async () => {
    const viaFragments = `{ ...A } fragment A on Query { lists { ...B } } fragment B on TodoList { todos(first: 1) { ...C } }
      fragment C on TodoConnection { edges { node { list { name } } } }`;
    assert.equal(refusedBy(await server.graphql(viaFragments)), 'MAX_QUERY_DEPTH');
    const cycle = await server.graphql('{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }');
    assert.match(cycle.body.errors?.[0]?.message ?? '', /Cannot spread fragment "A" within itself/);
    // Fragments that double at every step: the hostile-document test below.
  });

  it('refuses each hostile document (a megabyte of brackets, 10,000 aliases, …) and goes on serving', async () => {
    const defaults = await startTestServer(db);
    try {
      for (const hostile of HOSTILE_DOCUMENTS) {
        const response = await defaults.graphql(hostile.query);
        const code = response.body.errors?.[0]?.extensions?.code;
        if (code === 'QUERY_LIMIT_EXCEEDED') assert.equal(refusedBy(response), hostile.refusedBy, hostile.name);
        else assert.equal(code, hostile.refusedBy, hostile.name);
      }
      const batch = await fetch(defaults.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // A batch cannot carry more operations than BATCH_MAX past the limits.
        body: JSON.stringify(Array.from({ length: 11 }, () => ({ query: '{ isAuthenticated }' }))),
      });
      assert.equal(batch.status, 400);
      const still = await defaults.graphql('{ isAuthenticated }');
      assert.deepEqual(still.body, { data: { isAuthenticated: false } });
    } finally {
      await defaults.close();
    }
  });

  it('applies the same limits to subscriptions over WebSocket and SSE', async () => {
    const deep = 'subscription { changes { list { todos(first: 1) { edges { node { id } } } } } }';
    const client = createClient({
      url: server.graphqlUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    try {
      const refusal = await new Promise<unknown>((resolve) => {
        client.subscribe({ query: deep }, { next: resolve, error: resolve, complete: () => resolve('completed') });
      });
      assert.match(
        JSON.stringify(refusal),
        /QUERY_LIMIT_EXCEEDED.*MAX_QUERY_DEPTH|MAX_QUERY_DEPTH.*QUERY_LIMIT_EXCEEDED/,
      );
    } finally {
      await client.dispose();
    }
    const stream = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json' },
      body: JSON.stringify({ query: deep }),
    });
    assert.equal(stream.status, 400);
    assert.match(await stream.text(), /MAX_QUERY_DEPTH/);
  });

  it('hides the schema in production: no introspection, no suggestions, unless INTROSPECTION=true', async () => {
    const production = await startTestServer(db, { NODE_ENV: 'production' });
    const open = await startTestServer(db, { NODE_ENV: 'production', INTROSPECTION: 'true' });
    try {
      const introspect = '{ __schema { queryType { name } } }';
      assert.match((await production.graphql(introspect)).body.errors?.[0]?.message ?? '', /introspection/i);
      assert.deepEqual((await open.graphql(introspect)).body.data, { __schema: { queryType: { name: 'Query' } } });
      const typo = '{ todoz { success } }';
      const hidden = (await production.graphql(typo)).body.errors?.[0]?.message ?? '';
      assert.match(hidden, /Cannot query field "todoz"/);
      assert.doesNotMatch(hidden, /Did you mean/);
      assert.match((await server.graphql(typo)).body.errors?.[0]?.message ?? '', /Did you mean "todo", "todos"/);
    } finally {
      await production.close();
      await open.close();
    }
  });
});
