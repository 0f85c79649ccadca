/**
 * The transport clients as their READMEs set them up: graphql-ws
 * (`createClient({ url })`, with the `ws` package as the WebSocket in Node) and
 * graphql-sse (`createClient({ url, singleConnection: false })`, its "distinct
 * connections" mode, on Node's fetch). Each runs the tutorial's operations over
 * its transport, and hears a todo created elsewhere through `changes`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { Results, subscribed, useServer, walkThroughTutorial, type ServerFixture } from './helpers/clients.js';
import { databaseTargets } from './helpers/databases.js';
import { tutorial } from './helpers/tutorial.js';

interface Change {
  readonly kind: string;
  readonly todoId: string | null;
  readonly listId: string;
  readonly todo: { readonly description: string; readonly completed: boolean } | null;
}

const CHANGES = 'subscription { changes { kind todoId listId todo { description completed } } }';

interface Result {
  readonly data?: unknown;
  readonly errors?: readonly unknown[];
}

/** What both clients offer: results of a request as an async iterator. */
interface StreamingClient {
  iterate(request: { query: string }): AsyncIterableIterator<Result>;
}

/** The one result of a query or mutation sent as a stream; failing on GraphQL errors. */
async function single(client: StreamingClient, query: string): Promise<unknown> {
  const results = client.iterate({ query });
  try {
    const next = await results.next();
    if (next.done === true) throw new Error('the operation ended without a result');
    if (next.value.errors) throw new Error(JSON.stringify(next.value.errors));
    return next.value.data;
  } finally {
    await results.return?.();
  }
}

/** Subscribes `client` to `changes`, creates a todo over plain HTTP, and expects to hear of it. */
async function hearsCreation(fixture: ServerFixture, client: StreamingClient): Promise<void> {
  const { server } = fixture;
  const events = new Results<Change>();
  const results = client.iterate({ query: CHANGES });
  fixture.defer(() => results.return?.());
  await subscribed(server, events, () => {
    void (async () => {
      try {
        for await (const result of results) {
          if (result.errors) events.fail(result.errors);
          else events.push((result.data as { changes: Change }).changes);
        }
        events.fail('the subscription completed');
      } catch (error) {
        events.fail(error);
      }
    })();
  });

  const { createTodo } = await server.data<{ createTodo: { todo: { id: string } } }>(tutorial.newTodo);
  const event = await events.next((change) => change.todoId === createTodo.todo.id);
  assert.equal(event.kind, 'CREATED');
  assert.deepEqual(event.todo, { description: 'Go to the dentist', completed: false });
}

for (const target of databaseTargets) {
  describe(`graphql-ws on ${target.name}`, { skip: target.skip }, () => {
    const fixture = useServer(target);
    const client = () => {
      const made = createWsClient({ url: fixture.server.graphqlUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket });
      fixture.defer(() => made.dispose());
      return made;
    };

    it('runs the tutorial operations over the WebSocket', async () => {
      const ws = client();
      await walkThroughTutorial((document) => single(ws, document));
    });

    it('hears a CREATED change after a createTodo', async () => {
      await hearsCreation(fixture, client());
    });
  });

  describe(`graphql-sse in distinct connections mode on ${target.name}`, { skip: target.skip }, () => {
    const fixture = useServer(target);
    const client = () => {
      const made = createSseClient({ url: fixture.server.graphqlUrl, singleConnection: false });
      fixture.defer(() => made.dispose());
      return made;
    };

    it('runs the tutorial operations as event streams', async () => {
      const sse = client();
      await walkThroughTutorial((document) => single(sse, document));
    });

    it('hears a CREATED change after a createTodo', async () => {
      await hearsCreation(fixture, client());
    });
  });
}
