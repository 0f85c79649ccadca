/**
 * Ids unique across types and the Node interface: a todo keeps its integer
 * id, a list's and a user's id is opaque and global; `node` and `nodes` fetch
 * any of them again, only where the caller may see it; a global list id (or
 * the plain one) is taken wherever a list id is; deletions name what went.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, register } from './helpers/accounts.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { afterSubscriptions, startTestServer, type TestServer } from './helpers/server.js';
import { subscribeRaw, type RawSubscriber } from './helpers/raw-subscriber.js';
import { until } from './helpers/until.js';

type Data = Record<string, unknown>;

const NODE = `query ($id: ID!) { node(id: $id) { __typename id ... on Todo { description } ... on TodoList { name } ... on User { username } } }`;

for (const target of databaseTargets) {
  describe(`global ids and nodes on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;
    let ada: { token: string; id: string };
    let bob: { token: string; id: string };
    const sockets: RawSubscriber[] = [];
    const statements: string[] = [];

    before(async () => {
      db = await target.create();
      server = await startTestServer(db, {}, { onStatement: (sqlText) => statements.push(sqlText) });
      ada = await register(server, 'ada');
      bob = await register(server, 'bob');
    });
    after(async () => {
      for (const { socket } of sockets) socket.terminate();
      await server.close();
      await db.drop();
    });

    async function as(user: { token: string }, query: string, variables?: Data): Promise<Data> {
      const answer = await call(server, query, variables, { token: user.token });
      assert.equal(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
      return answer.body.data as Data;
    }

    async function setUp() {
      const created = await as(
        ada,
        'mutation { createList(input: { name: "Home" }) { list { id } } createTodo(description: "Buy milk", dueDate: "01-01-2030") { todo { id list { id } } } }',
      );
      const listId = (created.createList as { list: { id: string } }).list.id;
      const todo = (created.createTodo as { todo: { id: string; list: { id: string } } }).todo;
      return { listId, todoId: todo.id, inboxId: todo.list.id };
    }

    it('gives todos their integer ids and lists and users opaque ids, never one shared', async () => {
      const { listId, todoId, inboxId } = await setUp();
      assert.match(todoId, /^\d+$/);
      for (const id of [listId, inboxId, ada.id, bob.id]) assert.doesNotMatch(id, /^\d+$/, id);
      const ids = [listId, todoId, inboxId, ada.id, bob.id];
      assert.equal(new Set(ids).size, ids.length);
    });

    it('fetches any object again by id with node, and several with nodes, in order', async () => {
      const { listId, todoId } = await setUp();
      assert.deepEqual((await as(ada, NODE, { id: todoId })).node, {
        __typename: 'Todo',
        id: todoId,
        description: 'Buy milk',
      });
      assert.deepEqual((await as(ada, NODE, { id: listId })).node, {
        __typename: 'TodoList',
        id: listId,
        name: 'Home',
      });
      assert.deepEqual((await as(ada, NODE, { id: ada.id })).node, { __typename: 'User', id: ada.id, username: 'ada' });

      const many = await as(ada, 'query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }', {
        ids: [listId, 'nonsense', todoId, ada.id],
      });
      assert.deepEqual(many.nodes, [
        { __typename: 'TodoList', id: listId },
        null,
        { __typename: 'Todo', id: todoId },
        { __typename: 'User', id: ada.id },
      ]);
      const tooMany = await call(server, 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', {
        ids: Array.from({ length: 101 }, (_, i) => String(i + 1)),
      });
      assert.equal(tooMany.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    });

    it('reads any number of nodes with one statement per type', async () => {
      const { listId, inboxId } = await setUp();
      const todoIds: string[] = [];
      for (let i = 0; i < 8; i += 1) {
        const created = await as(
          ada,
          'mutation { createTodo(description: "n", dueDate: "01-01-2030") { todo { id } } }',
        );
        todoIds.push((created.createTodo as { todo: { id: string } }).todo.id);
      }
      const NODES = 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }';
      const statementsFor = async (ids: string[]) => {
        statements.length = 0;
        const { nodes } = await as(ada, NODES, { ids });
        assert.deepEqual(
          (nodes as ({ id: string } | null)[]).map((node) => node?.id),
          ids,
        );
        return statements.length;
      };
      const few = await statementsFor([todoIds[0] ?? '', listId, ada.id]);
      const many = await statementsFor([...todoIds, listId, inboxId, ada.id]);
      assert.equal(many, few);
    });

    it('answers null for what the caller may not see, and for ids that name nothing', async () => {
      const { listId, todoId } = await setUp();
      for (const id of [listId, todoId, ada.id]) assert.equal((await as(bob, NODE, { id })).node, null, id);
      const forged = [
        Buffer.from('TodoList:01').toString('base64url'),
        Buffer.from('Secret:1').toString('base64url'),
        `${listId}=`,
        'abc',
        '',
        '-1',
      ];
      for (const id of forged) assert.equal((await as(ada, NODE, { id })).node, null, id);

      // Sharing makes the list, its todos and its owner visible to the member.
      await as(ada, 'mutation ($list: ID!) { shareList(list: $list, username: "bob", role: VIEWER) { status } }', {
        list: listId,
      });
      assert.equal(((await as(bob, NODE, { id: listId })).node as Data).id, listId);
      assert.equal(((await as(bob, NODE, { id: ada.id })).node as Data).username, 'ada');
    });

    it('takes a global list id, or the plain one, wherever a list id is taken', async () => {
      const { listId } = await setUp();
      const plain = Buffer.from(listId, 'base64url').toString('utf8').split(':')[1] ?? '';
      for (const list of [listId, plain]) {
        const added = await as(
          ada,
          'mutation ($list: ID) { addTodo(input: { description: "Via id", list: $list }) { status todo { id list { id } } } }',
          { list },
        );
        const { todo } = added.addTodo as { todo: { id: string; list: { id: string } } };
        assert.equal(todo.list.id, listId);
        assert.equal(
          ((await as(ada, 'query ($id: ID!) { list(id: $id) { id } }', { id: list })).list as Data).id,
          listId,
        );
        const page = await as(ada, 'query ($list: ID) { allTodos(first: 5, filter: { list: $list }) { totalCount } }', {
          list,
        });
        assert.ok((page.allTodos as { totalCount: number }).totalCount >= 1);
      }
    });

    it('names the deleted todo in deleteTodo’s payload, and DELETED events name type and id', async () => {
      const { listId, todoId } = await setUp();
      const subscriber = await afterSubscriptions(server, 'started', 1, () =>
        subscribeRaw(
          server.graphqlUrl.replace('http', 'ws'),
          'subscription { changes { kind todoId listId deletedType deletedId } }',
          {
            token: ada.token,
          },
        ),
      );
      sockets.push(subscriber);
      const deleted = await as(ada, 'mutation ($id: ID!) { deleteTodo(todoId: $id) { success errors deletedId } }', {
        id: todoId,
      });
      assert.deepEqual(deleted.deleteTodo, { success: true, errors: null, deletedId: todoId });
      const again = await as(ada, 'mutation ($id: ID!) { deleteTodo(todoId: $id) { success deletedId } }', {
        id: todoId,
      });
      assert.deepEqual(again.deleteTodo, { success: false, deletedId: null });
      await as(ada, 'mutation ($list: ID!) { deleteList(list: $list) { status deletedId } }', { list: listId });

      const events = () =>
        subscriber.messages
          .filter((message) => message.type === 'next')
          .map((message) => (message.payload as { data: { changes: Data } }).data.changes);
      await until(() => events().length >= 2, 'two DELETED events');
      assert.deepEqual(events(), [
        { kind: 'DELETED', todoId, listId: events()[0]?.listId, deletedType: 'Todo', deletedId: todoId },
        { kind: 'DELETED', todoId: null, listId, deletedType: 'TodoList', deletedId: listId },
      ]);
    });
  });
}
