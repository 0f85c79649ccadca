/**
 * Lists and the richer todo, black-box over HTTP on both databases: the Inbox,
 * creating, renaming and deleting lists, input-type mutations with partial
 * updates, and bulk operations that change all the todos named or none.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';

type Data = Record<string, unknown>;

async function signUp(server: TestServer, username: string) {
  const answer = await server.graphql(
    'mutation ($u: String!) { register(input: { username: $u, password: "correct-horse-battery" }) { token } }',
    { u: username },
  );
  const token = (answer.body.data?.register as { token: string }).token;
  /** Runs an operation as this user and returns its data, failing on any GraphQL error. */
  return async <T = Data>(query: string, variables?: Record<string, unknown>): Promise<T> => {
    const response = await server.graphql(query, variables, { authorization: `Bearer ${token}` });
    assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
    return response.body.data as T;
  };
}

const TODO_FIELDS =
  'id description notes priority dueOn dueDate completed completedAt createdAt updatedAt list { id name } owner { username }';

for (const target of databaseTargets) {
  describe(`lists on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;

    before(async () => {
      db = await target.create();
      server = await startTestServer(db);
    });
    after(async () => {
      await server.close();
      await db.drop();
    });

    it('gives every user an Inbox, where the tutorial createTodo lands with the richer fields', async () => {
      const as = await signUp(server, 'inbox-user');
      const { lists } = await as<{ lists: Data[] }>(
        '{ lists { id name isInbox owner { username } openCount doneCount } }',
      );
      assert.deepEqual(lists, [
        {
          id: lists[0]?.id,
          name: 'Inbox',
          isInbox: true,
          owner: { username: 'inbox-user' },
          openCount: 0,
          doneCount: 0,
        },
      ]);
      const created = await as<{ createTodo: { todo: Data } }>(
        `mutation { createTodo(description: "Buy milk", dueDate: "24-10-2027") { todo { ${TODO_FIELDS} } } }`,
      );
      const todo = created.createTodo.todo;
      assert.equal(todo.notes, null);
      assert.equal(todo.priority, 'NORMAL');
      assert.equal(todo.dueOn, '2027-10-24');
      assert.equal(todo.dueDate, '24-10-2027');
      assert.equal(todo.completedAt, null);
      assert.match(String(todo.createdAt), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.equal(todo.updatedAt, todo.createdAt);
      assert.deepEqual(todo.list, { id: lists[0]?.id, name: 'Inbox' });
      assert.deepEqual(todo.owner, { username: 'inbox-user' });

      const done = await as<{ markDone: { todo: Data } }>(
        `mutation { markDone(todoId: "${String(todo.id)}") { todo { completed completedAt } } }`,
      );
      assert.equal(done.markDone.todo.completed, true);
      assert.match(String(done.markDone.todo.completedAt), /Z$/);
      const counted = await as<{ lists: Data[] }>('{ lists { openCount doneCount } }');
      assert.deepEqual(counted.lists, [{ openCount: 0, doneCount: 1 }]);
    });

    it('gives the anonymous space an Inbox with no owner', async () => {
      const data = await server.data<{ lists: Data[] }>('{ lists { name isInbox owner { username } } }');
      assert.deepEqual(data.lists, [{ name: 'Inbox', isInbox: true, owner: null }]);
    });

    it('creates, renames and deletes lists, deleting their todos, and never the Inbox', async () => {
      const as = await signUp(server, 'list-keeper');
      const stranger = await signUp(server, 'list-stranger');
      const created = await as<{ createList: { status: boolean; errors: Data[]; list: Data } }>(
        'mutation { createList(input: { name: "Groceries" }) { status errors { code } list { id name isInbox } } }',
      );
      assert.equal(created.createList.status, true);
      assert.deepEqual(created.createList.errors, []);
      const listId = String(created.createList.list.id);
      assert.deepEqual(created.createList.list, { id: listId, name: 'Groceries', isInbox: false });

      for (const name of ['', '   ', 'x'.repeat(101)]) {
        const bad = await as<{ createList: Data }>(
          'mutation ($name: String) { createList(input: { name: $name }) { status errors { code field } list { id } } }',
          { name },
        );
        assert.deepEqual(bad.createList, {
          status: false,
          errors: [{ code: 'INVALID_NAME', field: 'name' }],
          list: null,
        });
      }

      const renamed = await as<{ updateList: Data }>(
        `mutation { updateList(list: "${listId}", input: { name: "Food" }) { status list { id name } } }`,
      );
      assert.deepEqual(renamed.updateList, { status: true, list: { id: listId, name: 'Food' } });
      const theirs = await stranger<{ updateList: Data; deleteList: Data; list: unknown }>(
        `mutation {
          updateList(list: "${listId}", input: { name: "Mine now" }) { status errors { code field } list { id } }
          deleteList(list: "${listId}") { status errors { code field } deletedId }
        }`,
      );
      assert.deepEqual(theirs.updateList, {
        status: false,
        errors: [{ code: 'NOT_FOUND', field: 'list' }],
        list: null,
      });
      assert.deepEqual(theirs.deleteList, {
        status: false,
        errors: [{ code: 'NOT_FOUND', field: 'list' }],
        deletedId: null,
      });
      assert.equal((await stranger<{ list: unknown }>(`{ list(id: "${listId}") { id } }`)).list, null);

      const added = await as<{ addTodo: { todo: { id: string } } }>(
        `mutation { addTodo(input: { description: "Eggs", list: "${listId}" }) { todo { id } } }`,
      );
      const inbox = (await as<{ lists: { id: string; isInbox: boolean }[] }>('{ lists { id isInbox } }')).lists.find(
        (list) => list.isInbox,
      );
      const refused = await as<{ deleteList: Data }>(
        `mutation { deleteList(list: "${inbox?.id ?? ''}") { status errors { code field } deletedId } }`,
      );
      assert.deepEqual(refused.deleteList, {
        status: false,
        errors: [{ code: 'CANNOT_DELETE_INBOX', field: 'list' }],
        deletedId: null,
      });

      const deleted = await as<{ deleteList: Data }>(`mutation { deleteList(list: "${listId}") { status deletedId } }`);
      assert.deepEqual(deleted.deleteList, { status: true, deletedId: listId });
      const gone = await as<{ todo: Data }>(`{ todo(todoId: "${added.addTodo.todo.id}") { success } }`);
      assert.deepEqual(gone.todo, { success: false }, 'the list took its todos with it');
    });

    it('adds todos through TodoInput, and updates only the fields given', async () => {
      const as = await signUp(server, 'editor-of-own');
      const added = await as<{ addTodo: { status: boolean; errors: Data[]; todo: Data } }>(
        `mutation {
          addTodo(input: { description: "Write report", notes: "Q3", dueOn: "2027-03-01", priority: HIGH }) {
            status errors { code field } todo { ${TODO_FIELDS} }
          }
        }`,
      );
      assert.equal(added.addTodo.status, true);
      const todo = added.addTodo.todo;
      assert.deepEqual(
        {
          description: todo.description,
          notes: todo.notes,
          priority: todo.priority,
          dueOn: todo.dueOn,
          dueDate: todo.dueDate,
        },
        { description: 'Write report', notes: 'Q3', priority: 'HIGH', dueOn: '2027-03-01', dueDate: '01-03-2027' },
      );
      const id = String(todo.id);

      const partial = await as<{ updateTodo: { todo: Data } }>(
        `mutation { updateTodo(todo: "${id}", input: { priority: LOW }) { todo { description notes priority dueOn } } }`,
      );
      assert.deepEqual(partial.updateTodo.todo, {
        description: 'Write report',
        notes: 'Q3',
        priority: 'LOW',
        dueOn: '2027-03-01',
      });

      // A variable the client leaves out leaves its field out, as the spec says: nothing is cleared.
      const fromVariables = await as<{ updateTodo: { todo: Data } }>(
        `mutation ($t: ID!, $notes: String, $priority: Priority) {
          updateTodo(todo: $t, input: { notes: $notes, priority: $priority }) { todo { notes priority } }
        }`,
        { t: id, priority: 'NORMAL' },
      );
      assert.deepEqual(fromVariables.updateTodo.todo, { notes: 'Q3', priority: 'NORMAL' });

      const cleared = await as<{ updateTodo: { todo: Data } }>(
        `mutation { updateTodo(todo: "${id}", input: { notes: null, completed: true }) { todo { notes completed completedAt } } }`,
      );
      assert.equal(cleared.updateTodo.todo.notes, null);
      assert.equal(cleared.updateTodo.todo.completed, true);
      assert.notEqual(cleared.updateTodo.todo.completedAt, null);
      const reopened = await as<{ updateTodo: { todo: Data } }>(
        `mutation { updateTodo(todo: "${id}", input: { completed: false }) { todo { completed completedAt } } }`,
      );
      assert.deepEqual(reopened.updateTodo.todo, { completed: false, completedAt: null });

      const refusals: [string, Data[]][] = [
        ['addTodo(input: { notes: "no description" })', [{ code: 'REQUIRED', field: 'description' }]],
        ['addTodo(input: { description: "  " })', [{ code: 'INVALID_DESCRIPTION', field: 'description' }]],
        ['addTodo(input: { description: "x", list: "999999" })', [{ code: 'NOT_FOUND', field: 'list' }]],
        [`updateTodo(todo: "${id}", input: { description: null })`, [{ code: 'INVALID_VALUE', field: 'description' }]],
        [
          `updateTodo(todo: "${id}", input: { dueOn: null, priority: null })`,
          [
            { code: 'INVALID_VALUE', field: 'dueOn' },
            { code: 'INVALID_VALUE', field: 'priority' },
          ],
        ],
        ['updateTodo(todo: "999999", input: { notes: "x" })', [{ code: 'NOT_FOUND', field: 'todo' }]],
      ];
      for (const [call, errors] of refusals) {
        const answer = await as<Record<string, Data>>(`mutation { result: ${call} { status errors { code field } } }`);
        assert.deepEqual(answer.result, { status: false, errors }, call);
      }
      const unchanged = await as<{ todo: { todo: Data } }>(`{ todo(todoId: "${id}") { todo { description dueOn } } }`);
      assert.deepEqual(unchanged.todo.todo, { description: 'Write report', dueOn: '2027-03-01' });

      const badDate = await server.graphql(
        `mutation { addTodo(input: { description: "x", dueOn: "2027-02-30" }) { status } }`,
      );
      assert.match(badDate.body.errors?.[0]?.message ?? '', /real calendar date/);
    });

    it('completes, reopens, moves and deletes many todos at once, all or none', async () => {
      const as = await signUp(server, 'bulk-user');
      const other = await signUp(server, 'bulk-other');
      const ids: string[] = [];
      for (const description of ['one', 'two', 'three']) {
        const added = await as<{ addTodo: { todo: { id: string } } }>(
          'mutation ($d: String!) { addTodo(input: { description: $d }) { todo { id } } }',
          { d: description },
        );
        ids.push(added.addTodo.todo.id);
      }
      const foreign = (
        await other<{ addTodo: { todo: { id: string } } }>(
          'mutation { addTodo(input: { description: "theirs" }) { todo { id } } }',
        )
      ).addTodo.todo.id;

      const mixed = await as<{ completeTodos: Data }>(
        'mutation ($ids: [ID!]!) { completeTodos(todos: $ids) { status errors { code field } todos { id } } }',
        { ids: [...ids, foreign] },
      );
      assert.deepEqual(mixed.completeTodos, {
        status: false,
        errors: [{ code: 'NOT_FOUND', field: 'todos' }],
        todos: [],
      });
      const states = async () =>
        (await as<{ todos: { todos: { completed: boolean }[] } }>('{ todos { todos { completed } } }')).todos.todos.map(
          (todo) => todo.completed,
        );
      assert.deepEqual(await states(), [false, false, false], 'nothing changed');

      const completed = await as<{ completeTodos: { status: boolean; todos: Data[] } }>(
        'mutation ($ids: [ID!]!) { completeTodos(todos: $ids) { status todos { id completed } } }',
        { ids: ids.slice(0, 2) },
      );
      assert.equal(completed.completeTodos.status, true);
      assert.deepEqual(
        completed.completeTodos.todos,
        ids.slice(0, 2).map((id) => ({ id, completed: true })),
      );
      await as('mutation ($ids: [ID!]!) { reopenTodos(todos: $ids) { status } }', { ids: [ids[0]] });
      assert.deepEqual(await states(), [false, true, false]);

      const list = (
        await as<{ createList: { list: { id: string } } }>(
          'mutation { createList(input: { name: "Later" }) { list { id } } }',
        )
      ).createList.list.id;
      const moved = await as<{ moveTodos: { status: boolean; todos: { list: { name: string } }[] } }>(
        `mutation ($ids: [ID!]!) { moveTodos(todos: $ids, list: "${list}") { status todos { list { name } } } }`,
        { ids },
      );
      assert.equal(moved.moveTodos.status, true);
      assert.deepEqual(
        moved.moveTodos.todos.map((todo) => todo.list.name),
        ['Later', 'Later', 'Later'],
      );
      const theirList = await other<{ lists: { id: string }[] }>('{ lists { id } }');
      const intoForeign = await as<{ moveTodos: Data }>(
        `mutation ($ids: [ID!]!) { moveTodos(todos: $ids, list: "${theirList.lists[0]?.id ?? ''}") { status errors { code field } } }`,
        { ids },
      );
      assert.deepEqual(intoForeign.moveTodos, { status: false, errors: [{ code: 'NOT_FOUND', field: 'list' }] });

      const tooMany = await as<{ deleteTodos: Data }>(
        'mutation ($ids: [ID!]!) { deleteTodos(todos: $ids) { status errors { code field } deletedIds } }',
        { ids: Array.from({ length: 101 }, (_, i) => String(i + 1)) },
      );
      assert.deepEqual(tooMany.deleteTodos, {
        status: false,
        errors: [{ code: 'TOO_MANY', field: 'todos' }],
        deletedIds: [],
      });
      const refusedDelete = await as<{ deleteTodos: Data }>(
        'mutation ($ids: [ID!]!) { deleteTodos(todos: $ids) { status deletedIds } }',
        { ids: [ids[0], foreign] },
      );
      assert.deepEqual(refusedDelete.deleteTodos, { status: false, deletedIds: [] });
      const deleted = await as<{ deleteTodos: Data }>(
        'mutation ($ids: [ID!]!) { deleteTodos(todos: $ids) { status deletedIds } }',
        { ids },
      );
      assert.deepEqual(deleted.deleteTodos, { status: true, deletedIds: ids });
      assert.deepEqual(await states(), []);
      const survivor = await other<{ todo: { success: boolean } }>(`{ todo(todoId: "${foreign}") { success } }`);
      assert.equal(survivor.todo.success, true);
    });
  });
}
