/**
 * Automatic persisted queries: after the miss and the retry with the text, the
 * hash alone runs the document, over POST and GET, on every instance sharing a
 * Redis; an invalid document is never kept, and the store is bounded.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { PrivateRedis } from './helpers/redis.js';
import { codeOf, postGraphQL, type GraphQLAnswer } from './helpers/graphql-client.js';
import { startTestServer, type TestServer } from './helpers/server.js';

type Answer = Pick<GraphQLAnswer, 'status' | 'body'>;

const extensionsFor = (query: string) => ({
  persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') },
});

const post = (server: TestServer, body: Record<string, unknown>) => postGraphQL(server.graphqlUrl, body);

async function get(server: TestServer, query: string): Promise<Answer> {
  const search = new URLSearchParams({ extensions: JSON.stringify(extensionsFor(query)) });
  const response = await fetch(`${server.graphqlUrl}?${search.toString()}`);
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const hashOnly = (server: TestServer, query: string) => post(server, { extensions: extensionsFor(query) });
const register = (server: TestServer, query: string) => post(server, { query, extensions: extensionsFor(query) });

for (const target of databaseTargets) {
  describe(`automatic persisted queries on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let redis: PrivateRedis;
    let servers: TestServer[];

    before(async () => {
      db = await target.create();
      redis = await PrivateRedis.start();
      servers = [
        await startTestServer(db, { PERSISTED_QUERIES_MAX: '2' }),
        await startTestServer(db, { REDIS_URL: redis.url }),
        await startTestServer(db, { REDIS_URL: redis.url }),
      ];
    });
    after(async () => {
      for (const server of servers) await server.close();
      await redis.kill();
      await db.drop();
    });

    it('keeps a document sent with its hash, then serves the hash alone over POST and GET', async () => {
      const [server] = servers;
      assert.ok(server);
      const query = 'query FetchAll { todos { success } }';
      const miss = await hashOnly(server, query);
      assert.equal(miss.body.errors?.[0]?.message, 'PersistedQueryNotFound');
      assert.equal(codeOf(miss), 'PERSISTED_QUERY_NOT_FOUND');

      assert.deepEqual((await register(server, query)).body, { data: { todos: { success: true } } });
      assert.deepEqual((await hashOnly(server, query)).body, { data: { todos: { success: true } } });
      const overGet = await get(server, query);
      assert.equal(overGet.status, 200);
      assert.deepEqual(overGet.body, { data: { todos: { success: true } } });
    });

    it('shares what it keeps with every instance on the same Redis', async () => {
      const [, first, second] = servers;
      assert.ok(first && second);
      const query = '{ todos { todos { id } } }';
      assert.equal(codeOf(await hashOnly(second, query)), 'PERSISTED_QUERY_NOT_FOUND');
      assert.equal((await register(first, query)).status, 200);
      assert.deepEqual((await hashOnly(second, query)).body, { data: { todos: { todos: [] } } });
      assert.deepEqual((await get(second, query)).body, { data: { todos: { todos: [] } } });
    });

    it('keeps no document that does not run, and no document under another hash', async () => {
      const [server] = servers;
      assert.ok(server);
      const invalid = '{ nothingHere }';
      assert.equal(codeOf(await register(server, invalid)), 'GRAPHQL_VALIDATION_FAILED');
      assert.equal(codeOf(await hashOnly(server, invalid)), 'PERSISTED_QUERY_NOT_FOUND');

      const planted = await post(server, { query: '{ isAuthenticated }', extensions: extensionsFor('{ me { id } }') });
      assert.equal(codeOf(planted), 'PERSISTED_QUERY_HASH_MISMATCH');
      assert.equal(codeOf(await hashOnly(server, '{ me { id } }')), 'PERSISTED_QUERY_NOT_FOUND');
    });

    it('keeps at most PERSISTED_QUERIES_MAX documents, forgetting the least recently used', async () => {
      const [server] = servers;
      assert.ok(server);
      const queries = ['{ a: isAuthenticated }', '{ b: isAuthenticated }', '{ c: isAuthenticated }'];
      for (const query of queries) assert.equal((await register(server, query)).status, 200);
      assert.equal(codeOf(await hashOnly(server, queries[0] ?? '')), 'PERSISTED_QUERY_NOT_FOUND');
      assert.deepEqual((await hashOnly(server, queries[2] ?? '')).body, { data: { c: false } });
    });
  });
}
