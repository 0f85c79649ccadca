/**
 * urql (@urql/core 6) as its documentation sets it up: `new Client({ url,
 * exchanges: [cacheExchange, fetchExchange] })`, and subscriptions through
 * subscriptionExchange over graphql-ws. Its defaults matter here: queries go
 * over GET while the URL is short, and every request accepts
 * application/graphql-response+json, application/json, text/event-stream and
 * multipart/mixed, so the server must answer a query or a mutation with JSON and
 * keep event streams for subscriptions.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client, cacheExchange, fetchExchange, subscriptionExchange, type AnyVariables } from '@urql/core';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { recordingFetch, Results, subscribed, useServer, walkThroughTutorial } from './helpers/clients.js';
import { databaseTargets } from './helpers/databases.js';
import { tutorial } from './helpers/tutorial.js';

interface Change {
  readonly kind: string;
  readonly todoId: string | null;
  readonly todo: { readonly description: string } | null;
}

const CHANGES = 'subscription changes { changes { kind todoId todo { id description } } }';

/** Runs one operation and resolves with its data; urql reports every failure as the result's `error`. */
async function run(client: Client, document: string, kind: 'query' | 'mutation', variables: AnyVariables = {}) {
  const result = await (
    kind === 'query' ? client.query(document, variables) : client.mutation(document, variables)
  ).toPromise();
  if (result.error) throw result.error;
  return result.data as unknown;
}

for (const target of databaseTargets) {
  describe(`urql on ${target.name}`, { skip: target.skip }, () => {
    const fixture = useServer(target);

    /** Subscribes `client` to every change, once the server has it registered; unsubscribed after the test. */
    async function subscribeToChanges(client: Client): Promise<Results<Change>> {
      const events = new Results<Change>();
      const subscription = await subscribed(fixture.server, events, () =>
        client.subscription<{ changes: Change }>(CHANGES, {}).subscribe((result) => {
          if (result.error) events.fail(result.error);
          else if (result.data) events.push(result.data.changes);
        }),
      );
      fixture.defer(() => subscription.unsubscribe());
      return events;
    }

    it('runs the tutorial operations with its default exchanges', async () => {
      const client = new Client({ url: fixture.server.graphqlUrl, exchanges: [cacheExchange, fetchExchange] });
      await walkThroughTutorial((document, kind) => run(client, document, kind));
    });

    it('gets JSON for queries (over GET) and mutations (over POST) under its default Accept', async () => {
      // The recording fetch sends what urql asks for, unchanged.
      const { fetch, requests } = recordingFetch();
      const client = new Client({ url: fixture.server.graphqlUrl, exchanges: [cacheExchange, fetchExchange], fetch });
      const created = await run(
        client,
        'mutation ($d: String!) { createTodo(description: $d, dueDate: "01-01-2031") { success } }',
        'mutation',
        { d: 'Through urql' },
      );
      assert.deepEqual(created, { createTodo: { __typename: 'TodoResult', success: true } });
      const listed = (await run(client, tutorial.fetchAllTodos, 'query')) as { todos: { todos: unknown[] } };
      assert.ok(listed.todos.todos.length > 0);

      assert.deepEqual(
        requests.map((request) => request.method),
        ['POST', 'GET'],
      );
      for (const request of requests) {
        assert.match(request.accept ?? '', /text\/event-stream/, "urql's default Accept lists an event stream");
        assert.equal(request.status, 200);
        assert.match(request.contentType ?? '', /^application\/graphql-response\+json/, `${request.method} answered`);
      }
    });

    it('receives changes through subscriptionExchange over graphql-ws', async () => {
      const { server } = fixture;
      const wsClient = createClient({ url: server.graphqlUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket });
      fixture.defer(() => wsClient.dispose());
      const client = new Client({
        url: server.graphqlUrl,
        exchanges: [
          cacheExchange,
          fetchExchange,
          subscriptionExchange({
            forwardSubscription(request) {
              const input = { ...request, query: request.query ?? '' };
              return {
                subscribe(sink) {
                  const unsubscribe = wsClient.subscribe(input, sink);
                  return { unsubscribe };
                },
              };
            },
          }),
        ],
      });
      const events = await subscribeToChanges(client);

      const { createTodo } = await server.data<{ createTodo: { todo: { id: string } } }>(tutorial.newTodo);
      const event = await events.next((change) => change.kind === 'CREATED');
      assert.deepEqual([event.todoId, event.todo?.description], [createTodo.todo.id, 'Go to the dentist']);
    });

    it('receives changes as an event stream with fetchSubscriptions', async () => {
      const { server } = fixture;
      // urql's documented switch for subscriptions over fetch: it asks for text/event-stream or multipart/mixed.
      const { fetch, requests } = recordingFetch();
      const client = new Client({
        url: server.graphqlUrl,
        exchanges: [cacheExchange, fetchExchange],
        fetchSubscriptions: true,
        fetch,
      });
      const events = await subscribeToChanges(client);

      const { createTodo } = await server.data<{ createTodo: { todo: { id: string } } }>(tutorial.newTodo);
      const event = await events.next((change) => change.todoId === createTodo.todo.id);
      assert.deepEqual([event.kind, event.todo?.description], ['CREATED', 'Go to the dentist']);
      assert.match(requests[0]?.contentType ?? '', /^text\/event-stream/);
    });
  });
}
