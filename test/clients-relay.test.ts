/**
 * relay-runtime 21 as a Relay app runs it: an Environment with the network
 * layer Relay's guide writes (`Network.create` over a fetch that POSTs the
 * operation's text and variables) and a Store over a RecordSource, running
 * artifacts through fetchQuery and commitMutation. The artifacts are built by
 * helpers/relay-artifacts.ts, as relay-compiler would, since the compiler is
 * not a dependency here. Relay's store keys every record by its `id` alone,
 * whatever its type, so the server's ids must be unique across types: a Todo
 * and a TodoList numbered alike in the database must not share one. And Relay
 * refetches anything by `node(id:)`.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { GraphQLSchema } from 'graphql';
import {
  commitMutation,
  createOperationDescriptor,
  Environment,
  fetchQuery,
  Network,
  Observable,
  RecordSource,
  requestSubscription,
  Store,
  type FetchFunction,
  type GraphQLResponse,
  type Snapshot,
  type SubscribeFunction,
} from 'relay-runtime';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  decodeGlobalId,
  FIRST_TODO,
  Results,
  subscribed,
  useServer,
  walkThroughTutorial,
  type ServerFixture,
} from './helpers/clients.js';
import { databaseTargets } from './helpers/databases.js';
import { compile, introspect } from './helpers/relay-artifacts.js';

/** A Relay environment on `fixture`'s server, and the ways Relay runs operations on it. */
function useRelay(fixture: ServerFixture) {
  let environment: Environment | undefined;
  let schema: GraphQLSchema | undefined;
  before(async () => {
    const url = fixture.server.graphqlUrl;
    // The network layer of Relay's guide, as written there.
    const fetchRelay: FetchFunction = async (params, variables) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ query: params.text, variables }),
      });
      return (await response.json()) as GraphQLResponse;
    };
    // Subscriptions as Relay's guide sets them up over graphql-ws.
    const wsClient = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket });
    fixture.defer(() => wsClient.dispose());
    const subscribeRelay: SubscribeFunction = (params, variables) =>
      Observable.create<GraphQLResponse>((sink) =>
        wsClient.subscribe(
          { operationName: params.name, query: params.text ?? '', variables },
          {
            next: (value) => sink.next(value as GraphQLResponse),
            error: (error) => sink.error(error instanceof Error ? error : new Error(JSON.stringify(error))),
            complete: () => sink.complete(),
          },
        ),
      );
    environment = new Environment({
      network: Network.create(fetchRelay, subscribeRelay),
      store: new Store(new RecordSource()),
    });
    schema = await introspect(url);
  });
  const ready = () => {
    assert.ok(environment && schema, 'the environment is set up');
    return { environment, schema };
  };
  return {
    get environment() {
      return ready().environment;
    },
    /** Subscribes with requestSubscription, once the server has started the subscription. */
    async subscribe(text: string): Promise<Results<unknown>> {
      const { environment: env, schema: types } = ready();
      const events = new Results<unknown>();
      const subscription = await subscribed(fixture.server, events, () =>
        requestSubscription(env, {
          subscription: compile(types, text),
          variables: {},
          onNext: events.push,
          onError: events.fail,
        }),
      );
      fixture.defer(() => subscription.dispose());
      return events;
    },
    /** The store's record for a data id, as normalized. */
    record: (id: string) => ready().environment.getStore().getSource().get(id),
    artifact: (text: string) => compile(ready().schema, text),
    query(text: string, variables: Record<string, unknown> = {}): Promise<unknown> {
      const { environment: env, schema: types } = ready();
      return fetchQuery(env, compile(types, text), variables).toPromise();
    },
    mutate(text: string, variables: Record<string, unknown> = {}): Promise<unknown> {
      const { environment: env, schema: types } = ready();
      return new Promise((resolve, reject) => {
        commitMutation(env, {
          mutation: compile(types, text),
          variables,
          onCompleted: (response, errors) =>
            errors?.length ? reject(new Error(JSON.stringify(errors))) : resolve(response),
          onError: reject,
        });
      });
    },
  };
}

const TODO_QUERY = 'query todoQuery($id: ID!) { todo(todoId: $id) { success todo { id description completed } } }';
const MARK_DONE = 'mutation markDone($id: String!) { markDone(todoId: $id) { success todo { id completed } } }';
const CHANGES = 'subscription todoChanges { changes { kind todoId todo { id completed } } }';
const NODES = `query refetchNodes($list: ID!, $todo: ID!, $ids: [ID!]!) {
  list: node(id: $list) { __typename id ... on TodoList { name isInbox } }
  todo: node(id: $todo) { __typename id ... on Todo { description completed } }
  both: nodes(ids: $ids) { __typename id }
}`;

/** The database number behind an id: a global id's, or the id itself. */
const numberOf = (id: string) => decodeGlobalId(id)?.number ?? Number(id);

for (const target of databaseTargets) {
  describe(`relay-runtime on ${target.name}`, { skip: target.skip }, () => {
    const fixture = useServer(target);
    const relay = useRelay(fixture);

    it('runs the tutorial operations through fetchQuery and commitMutation', async () => {
      await walkThroughTutorial((document, kind) =>
        kind === 'query' ? relay.query(document) : relay.mutate(document),
      );
      // Normalized by id: markDone's payload updated the record the queries read.
      assert.equal(relay.record('1')?.__typename, 'Todo');
      assert.equal(relay.record('1')?.completed, true);
    });

    it("updates a query's snapshot from a mutation payload, by the todo's id", async () => {
      const { createTodo } = await fixture.server.data<{ createTodo: { todo: { id: string } } }>(FIRST_TODO);
      const { id } = createTodo.todo;
      await relay.query(TODO_QUERY, { id });
      const { environment } = relay;
      const operation = createOperationDescriptor(relay.artifact(TODO_QUERY), { id });
      const snapshot = environment.lookup(operation.fragment);
      assert.deepEqual(snapshot.data, {
        todo: { success: true, todo: { id, description: 'Run a marathon', completed: false } },
      });
      const updates: Snapshot[] = [];
      const subscription = environment.subscribe(snapshot, (next) => updates.push(next));
      fixture.defer(() => subscription.dispose());

      await relay.mutate(MARK_DONE, { id });
      assert.deepEqual(updates.at(-1)?.data, {
        todo: { success: true, todo: { id, description: 'Run a marathon', completed: true } },
      });
    });

    it("updates a query's snapshot from a subscription event, by the todo's id", async () => {
      const { createTodo } = await fixture.server.data<{ createTodo: { todo: { id: string } } }>(FIRST_TODO);
      const { id } = createTodo.todo;
      await relay.query(TODO_QUERY, { id });
      const { environment } = relay;
      const snapshot = environment.lookup(createOperationDescriptor(relay.artifact(TODO_QUERY), { id }).fragment);
      const updates: Snapshot[] = [];
      const subscription = environment.subscribe(snapshot, (next) => updates.push(next));
      fixture.defer(() => subscription.dispose());
      const events = await relay.subscribe(CHANGES);

      // Another device marks it done; the event's todo is normalized into the same record.
      await fixture.server.data('mutation ($id: String!) { markDone(todoId: $id) { success } }', { id });
      assert.deepEqual(await events.next(), {
        changes: { kind: 'UPDATED', todoId: id, todo: { id, completed: true } },
      });
      assert.deepEqual(updates.at(-1)?.data, {
        todo: { success: true, todo: { id, description: 'Run a marathon', completed: true } },
      });
    });
  });

  describe(`relay-runtime's store and global ids on ${target.name}`, { skip: target.skip }, () => {
    const fixture = useServer(target);
    const relay = useRelay(fixture);
    let todoId = '';
    let listId = '';

    before(async () => {
      // In a fresh database, the first todo and the Inbox it lands in are both number 1.
      const created = await fixture.server.data<{ createTodo: { todo: { id: string; list: { id: string } } } }>(
        'mutation { createTodo(description: "Run a marathon", dueDate: "22-10-2020") { todo { id list { id } } } }',
      );
      todoId = created.createTodo.todo.id;
      listId = created.createTodo.todo.list.id;
      assert.equal(numberOf(listId), numberOf(todoId), 'a Todo and a TodoList numbered alike');
    });

    it('keeps a Todo and a TodoList numbered alike apart: their ids differ', async () => {
      const data = await relay.query(`query listsAndTodos {
        lists { id name isInbox }
        todos { todos { id description } }
      }`);
      assert.deepEqual(data, {
        lists: [{ id: listId, name: 'Inbox', isInbox: true }],
        todos: { todos: [{ id: todoId, description: 'Run a marathon' }] },
      });
      assert.notEqual(listId, todoId);
      assert.equal(relay.record(listId)?.__typename, 'TodoList');
      assert.equal(relay.record(todoId)?.__typename, 'Todo');
    });

    it('gives TodoLists and Users opaque global ids, and keeps Todo ids plain integers', async () => {
      assert.match(todoId, /^\d+$/);
      assert.equal(decodeGlobalId(listId)?.type, 'TodoList');
      const answer = await fixture.server.graphql(
        'mutation { register(input: { username: "relay-user", password: "correct-horse-battery" }) { user { id } } }',
      );
      const userId = (answer.body.data?.register as { user: { id: string } } | undefined)?.user.id ?? '';
      assert.equal(decodeGlobalId(userId)?.type, 'User', `a global id, not ${JSON.stringify(userId)}`);
    });

    it('refetches a TodoList and a Todo by node(id:) and nodes(ids:) into separate records', async () => {
      const data = await relay.query(NODES, { list: listId, todo: todoId, ids: [listId, todoId, '999999'] });
      assert.deepEqual(data, {
        list: { __typename: 'TodoList', id: listId, name: 'Inbox', isInbox: true },
        todo: { __typename: 'Todo', id: todoId, description: 'Run a marathon', completed: false },
        both: [{ __typename: 'TodoList', id: listId }, { __typename: 'Todo', id: todoId }, null],
      });
      assert.equal(relay.record(listId)?.name, 'Inbox');
      assert.equal(relay.record(todoId)?.description, 'Run a marathon');
    });

    it("takes a TodoList's global id wherever a list id is taken", async () => {
      assert.deepEqual(
        await fixture.server.data(`query ($list: ID!) { list(id: $list) { id name } }`, { list: listId }),
        { list: { id: listId, name: 'Inbox' } },
      );
      const { addTodo } = await fixture.server.data<{ addTodo: { status: boolean; todo: { list: { id: string } } } }>(
        'mutation ($list: ID!) { addTodo(input: { description: "Filed by global id", list: $list }) { status todo { list { id } } } }',
        { list: listId },
      );
      assert.deepEqual(addTodo, { status: true, todo: { list: { id: listId } } });
    });
  });
}
