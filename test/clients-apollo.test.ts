/**
 * Apollo Client 4 as its documentation sets it up: HttpLink and InMemoryCache,
 * with subscriptions over GraphQLWsLink (graphql-ws) behind a split link. The
 * tutorial's operations run through it, and its normalized cache follows the
 * server: a mutation's payload and a subscription's events change what a
 * watched query shows without a refetch, and a deletion's ids evict the todo.
 * The only thing added to the documented setup is a `fetch` for HttpLink that
 * records the requests it makes (helpers/clients.ts), to prove there is no refetch.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql, type TypedDocumentNode } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { OperationTypeNode } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  recordingFetch,
  Results,
  subscribed,
  useServer,
  walkThroughTutorial,
  type RecordedRequest,
} from './helpers/clients.js';
import { databaseTargets } from './helpers/databases.js';

interface Todo {
  readonly id: string;
  readonly completed: boolean;
  readonly description: string;
  readonly dueDate: string;
}
interface TodoResult {
  readonly success: boolean;
  readonly errors: readonly string[] | null;
  readonly todo: Todo | null;
}
interface Change {
  readonly kind: string;
  readonly todoId: string | null;
  readonly todo: Todo | null;
  readonly deletedType?: string | null;
  readonly deletedId?: string | null;
}

/** What every operation here reads of a todo, as Apollo users share selections: a fragment. */
const TODO_FIELDS = gql`
  fragment todoFields on Todo {
    id
    completed
    description
    dueDate
  }
`;
const CREATE_TODO: TypedDocumentNode<{ createTodo: TodoResult }, { description: string }> = gql`
  mutation createTodo($description: String!) {
    createTodo(description: $description, dueDate: "24-10-2030") {
      success
      errors
      todo {
        ...todoFields
      }
    }
  }
  ${TODO_FIELDS}
`;
const FETCH_TODO: TypedDocumentNode<{ todo: TodoResult }, { id: string }> = gql`
  query fetchTodo($id: ID!) {
    todo(todoId: $id) {
      success
      errors
      todo {
        ...todoFields
      }
    }
  }
  ${TODO_FIELDS}
`;
const MARK_DONE: TypedDocumentNode<{ markDone: TodoResult }, { id: string }> = gql`
  mutation markDone($id: String!) {
    markDone(todoId: $id) {
      success
      errors
      todo {
        ...todoFields
      }
    }
  }
  ${TODO_FIELDS}
`;
const DELETE_TODO: TypedDocumentNode<
  { deleteTodo: { success: boolean; errors: string[] | null; deletedId: string | null } },
  { id: string }
> = gql`
  mutation deleteTodo($id: ID!) {
    deleteTodo(todoId: $id) {
      success
      errors
      deletedId
    }
  }
`;
const CHANGES: TypedDocumentNode<{ changes: Change }> = gql`
  subscription changes {
    changes {
      kind
      todoId
      todo {
        ...todoFields
      }
    }
  }
  ${TODO_FIELDS}
`;
const CHANGES_WITH_DELETIONS: TypedDocumentNode<{ changes: Change }> = gql`
  subscription changesWithDeletions {
    changes {
      kind
      todoId
      deletedType
      deletedId
      todo {
        ...todoFields
      }
    }
  }
  ${TODO_FIELDS}
`;
const DONENESS = gql`
  fragment doneness on Todo {
    id
    completed
  }
`;

for (const target of databaseTargets) {
  describe(`Apollo Client 4 on ${target.name}`, { skip: target.skip }, () => {
    const fixture = useServer(target);
    let client: ApolloClient;
    let cache: InMemoryCache;
    let requests: RecordedRequest[];

    before(() => {
      const { server } = fixture;
      const recorder = recordingFetch();
      requests = recorder.requests;
      const wsClient = createClient({ url: server.graphqlUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket });
      const link = ApolloLink.split(
        ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
        new GraphQLWsLink(wsClient),
        new HttpLink({ uri: server.graphqlUrl, fetch: recorder.fetch }),
      );
      cache = new InMemoryCache();
      client = new ApolloClient({ link, cache });
      fixture.defer(async () => {
        client.stop();
        await wsClient.dispose();
      });
    });

    const create = async (description: string): Promise<Todo> => {
      const { data } = await client.mutate({ mutation: CREATE_TODO, variables: { description } });
      assert.ok(data?.createTodo.todo, JSON.stringify(data));
      return data.createTodo.todo;
    };
    const idOf = (id: string) => cache.identify({ __typename: 'Todo', id });
    const cached = (id: string) =>
      cache.readFragment<{ id: string; completed: boolean }>({ id: idOf(id), fragment: DONENESS });
    /** A watched `todo(todoId:)` query's emissions, with its data loaded from the server. */
    async function watchTodo(id: string) {
      const emissions = new Results<TodoResult>();
      const subscription = client.watchQuery({ query: FETCH_TODO, variables: { id } }).subscribe({
        next: (result) => {
          if (result.error) emissions.fail(result.error);
          else if (result.dataState === 'complete') emissions.push(result.data.todo);
        },
        error: emissions.fail,
      });
      fixture.defer(() => subscription.unsubscribe());
      assert.equal((await emissions.next()).todo?.completed, false);
      return emissions;
    }
    /** The `changes` subscription through the split link, once the server has started it. */
    async function subscribe(query: TypedDocumentNode<{ changes: Change }>) {
      const events = new Results<Change>();
      const subscription = await subscribed(fixture.server, events, () =>
        client.subscribe({ query }).subscribe({
          next: (result) => {
            if (result.error) events.fail(result.error);
            else if (result.data) events.push(result.data.changes);
          },
          error: events.fail,
        }),
      );
      fixture.defer(() => subscription.unsubscribe());
      return events;
    }

    it('runs the tutorial operations through HttpLink', async () => {
      // network-only, so that every query of the walkthrough is answered by the server, not the cache.
      await walkThroughTutorial(async (document, kind) => {
        const result =
          kind === 'query'
            ? await client.query({ query: gql(document), fetchPolicy: 'network-only' })
            : await client.mutate({ mutation: gql(document) });
        return result.data;
      });
      // The cache normalized the tutorial's todos by their ids: todo 1, marked done, is one record.
      assert.deepEqual(cached('1'), { __typename: 'Todo', id: '1', completed: true });
    });

    it("updates a watched query from markDone's payload, without a refetch", async () => {
      const todo = await create('Marked done through Apollo');
      const emissions = await watchTodo(todo.id);
      const sent = requests.length;

      await client.mutate({ mutation: MARK_DONE, variables: { id: todo.id } });
      assert.equal((await emissions.next((result) => result.todo?.completed === true)).todo?.id, todo.id);
      assert.deepEqual(cached(todo.id), { __typename: 'Todo', id: todo.id, completed: true });
      assert.deepEqual(
        requests.slice(sent).map((request) => (request.body as { operationName?: string }).operationName),
        ['markDone'],
        'the mutation was the only request',
      );
    });

    it('updates a watched query from a subscription event over GraphQLWsLink', async () => {
      const todo = await create('Marked done elsewhere');
      const emissions = await watchTodo(todo.id);
      const events = await subscribe(CHANGES);
      const sent = requests.length;

      // Another device marks it done; the event's todo lands in this client's cache.
      await fixture.server.data('mutation ($id: String!) { markDone(todoId: $id) { success } }', { id: todo.id });
      const event = await events.next((change) => change.kind === 'UPDATED' && change.todoId === todo.id);
      assert.equal(event.todo?.completed, true);
      assert.equal((await emissions.next((result) => result.todo?.completed === true)).todo?.id, todo.id);
      assert.deepEqual(cached(todo.id), { __typename: 'Todo', id: todo.id, completed: true });
      assert.equal(requests.length, sent, 'no request went over HTTP');
    });

    it("evicts a deleted todo by deleteTodo's deletedId", async () => {
      const todo = await create('Deleted through Apollo');
      assert.ok(cached(todo.id));
      const { data } = await client.mutate({
        mutation: DELETE_TODO,
        variables: { id: todo.id },
        update(cache, { data: payload }) {
          const deletedId = payload?.deleteTodo.deletedId;
          if (deletedId) cache.evict({ id: cache.identify({ __typename: 'Todo', id: deletedId }) });
          cache.gc();
        },
      });
      assert.deepEqual(data?.deleteTodo, {
        __typename: 'DeleteTodoResult',
        success: true,
        errors: null,
        deletedId: todo.id,
      });
      assert.equal(cached(todo.id), null);

      const again = await client.mutate({ mutation: DELETE_TODO, variables: { id: todo.id } });
      assert.equal(again.data?.deleteTodo.success, false);
      assert.equal(again.data.deleteTodo.deletedId, null, 'nothing was deleted');
    });

    it("evicts a todo deleted elsewhere by the DELETED event's deletedType and deletedId", async () => {
      const todo = await create('Deleted elsewhere');
      assert.ok(cached(todo.id));
      const events = await subscribe(CHANGES_WITH_DELETIONS);

      await fixture.server.data('mutation ($id: ID!) { deleteTodo(todoId: $id) { success } }', { id: todo.id });
      const event = await events.next((change) => change.kind === 'DELETED' && change.todoId === todo.id);
      assert.deepEqual([event.deletedType, event.deletedId, event.todo], ['Todo', todo.id, null]);
      cache.evict({ id: cache.identify({ __typename: event.deletedType ?? '', id: event.deletedId ?? '' }) });
      cache.gc();
      assert.equal(cached(todo.id), null);
      assert.ok(!(`Todo:${todo.id}` in cache.extract()), 'the record is gone from the cache');
    });
  });
}
