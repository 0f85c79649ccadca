/**
 * Apollo Client 4's batching and persisted-query links, as their documentation
 * sets them up. BatchHttpLink sends the operations made together as one request
 * whose body is a JSON array. PersistedQueryLink (automatic persisted queries)
 * sends a query's sha256 hash alone, and its text only when the server answers
 * PersistedQueryNotFound; once the server has stored it, the hash alone is
 * answered, over POST and (with useGETForHashedQueries) over GET. Each HttpLink
 * gets a `fetch` that records its requests (helpers/clients.ts), and nothing else.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { BatchHttpLink } from '@apollo/client/link/batch-http';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import {
  FIRST_TODO,
  recordingFetch,
  useServer,
  withoutTypename,
  type RecordedRequest,
  type ServerFixture,
} from './helpers/clients.js';
import { databaseTargets } from './helpers/databases.js';
import { tutorial } from './helpers/tutorial.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const ALL_TODOS = {
  todos: { success: true, errors: null, todos: [{ description: 'Run a marathon', completed: false, id: '1' }] },
};
const TODO_1 = {
  todo: {
    success: true,
    errors: null,
    todo: { id: '1', completed: false, description: 'Run a marathon', dueDate: '22-10-2020' },
  },
};

/** A fresh server holding the tutorial's first todo, for the calling `describe`. */
function useSeededServer(target: (typeof databaseTargets)[number]): ServerFixture {
  const fixture = useServer(target);
  before(() => fixture.server.data(FIRST_TODO));
  return fixture;
}

function apolloClient(fixture: ServerFixture, link: ApolloLink): ApolloClient {
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  fixture.defer(() => client.stop());
  return client;
}

/** What a request carried: the document's text, the persisted-query hash, and the operation's name. */
function sent(request: RecordedRequest) {
  const params =
    request.method === 'GET'
      ? {
          query: request.url.searchParams.get('query') ?? undefined,
          extensions: JSON.parse(request.url.searchParams.get('extensions') ?? '{}') as unknown,
        }
      : (request.body as { query?: string; extensions?: unknown });
  const extensions = params.extensions as { persistedQuery?: { sha256Hash?: string } } | undefined;
  return { method: request.method, text: params.query, hash: extensions?.persistedQuery?.sha256Hash };
}

const errorCodes = (request: RecordedRequest | undefined) =>
  ((request?.response as { errors?: { extensions?: { code?: string } }[] } | undefined)?.errors ?? []).map(
    (error) => error.extensions?.code,
  );

for (const target of databaseTargets) {
  describe(`Apollo Client 4's BatchHttpLink on ${target.name}`, { skip: target.skip }, () => {
    const fixture = useSeededServer(target);

    it('sends two queries in one request, a JSON array, and gets each its answer', async () => {
      const { fetch, requests } = recordingFetch();
      const client = apolloClient(fixture, new BatchHttpLink({ uri: fixture.server.graphqlUrl, fetch }));
      const [all, one] = await Promise.all([
        client.query({ query: gql(tutorial.fetchAllTodos) }),
        client.query({ query: gql(tutorial.fetchTodo) }),
      ]);
      assert.deepEqual(withoutTypename(all.data), ALL_TODOS);
      assert.deepEqual(withoutTypename(one.data), TODO_1);

      assert.equal(requests.length, 1, 'one request carried both');
      const [request] = requests;
      assert.ok(Array.isArray(request?.body), 'its body is a JSON array');
      assert.deepEqual(
        request.body.map((operation) => (operation as { operationName?: string }).operationName),
        ['fetchAllTodos', 'fetchTodo'],
      );
      assert.equal(request.status, 200);
      assert.ok(Array.isArray(request.response) && request.response.length === 2, 'answered with an array of two');
    });
  });

  for (const [method, useGETForHashedQueries] of [
    ['POST', false],
    ['GET', true],
  ] as const) {
    describe(`Apollo Client 4's PersistedQueryLink over ${method} on ${target.name}`, { skip: target.skip }, () => {
      // A server of its own, and operations named for the suite: a hash another suite made
      // known must not make a first run hit, wherever the server keeps what it has stored.
      const fixture = useSeededServer(target);
      const ofThisSuite = (document: string) => document.replace(/^query (\w+)/, `query $1_${method}_${target.name}`);
      function persistedClient() {
        const { fetch, requests } = recordingFetch();
        const link = ApolloLink.from([
          new PersistedQueryLink({ sha256, useGETForHashedQueries }),
          new HttpLink({ uri: fixture.server.graphqlUrl, fetch }),
        ]);
        return { client: apolloClient(fixture, link), requests };
      }

      it('first sends the hash alone, misses, and then sends the text with the hash', async () => {
        const { client, requests } = persistedClient();
        const { data } = await client.query({
          query: gql(ofThisSuite(tutorial.fetchAllTodos)),
          fetchPolicy: 'network-only',
        });
        assert.deepEqual(withoutTypename(data), ALL_TODOS);

        assert.equal(requests.length, 2, JSON.stringify(requests));
        const [miss, retry] = requests.map(sent);
        assert.equal(miss?.method, method);
        assert.equal(miss.text, undefined, 'the first request has no text');
        assert.match(miss.hash ?? '', /^[0-9a-f]{64}$/);
        assert.deepEqual(errorCodes(requests[0]), ['PERSISTED_QUERY_NOT_FOUND']);
        assert.equal(retry?.method, 'POST');
        assert.ok(retry.text?.includes(`fetchAllTodos_${method}_${target.name}`), 'the retry carries the text');
        assert.equal(retry.hash, miss.hash);
        assert.equal(sha256(retry.text ?? ''), miss.hash, "the hash is the text's sha256");
      });

      it('answers a second run of the operation from a hash-only request alone', async () => {
        const { client, requests } = persistedClient();
        const query = gql(ofThisSuite(tutorial.fetchTodo));
        assert.deepEqual(withoutTypename((await client.query({ query, fetchPolicy: 'network-only' })).data), TODO_1);
        const firstRun = requests.length;

        const { data } = await client.query({ query, fetchPolicy: 'network-only' });
        assert.deepEqual(withoutTypename(data), TODO_1);
        const secondRun = requests.slice(firstRun);
        assert.equal(secondRun.length, 1, `one request, not: ${JSON.stringify(secondRun.map(sent))}`);
        const [request] = secondRun;
        assert.ok(request);
        const { method: usedMethod, text, hash } = sent(request);
        assert.equal(usedMethod, method);
        assert.equal(text, undefined, 'the request has no text');
        assert.match(hash ?? '', /^[0-9a-f]{64}$/);
        assert.equal(request.status, 200);
        assert.deepEqual(errorCodes(request), []);
      });
    });
  }
}
