/**
 * Conflicting writes raced against each other, round after round, on both
 * databases. PostgreSQL matters most: at READ COMMITTED two requests really do
 * interleave their statements (SQLite runs one write at a time).
 *
 * After every round, from the answers and from the database itself:
 * - no write was acknowledged outside the writer's access at that moment (an
 *   editor's edit never lands in, or reveals, a list it was moved to);
 * - a bulk operation changed all its todos or none, and said which;
 * - each deletion was acknowledged once;
 * - no row points at one that does not exist;
 * - every request was answered 200 without a GraphQL error (no deadlock, no
 *   constraint violation reaching a client).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { call, register } from './helpers/accounts.js';
import { rowIdOf } from './helpers/ids.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ROUNDS = Number(process.env.CONCURRENCY_ROUNDS ?? 30);

interface Payload {
  readonly status: boolean;
  readonly errors: readonly { readonly code: string; readonly field: string | null; readonly message: string }[];
}

for (const target of databaseTargets) {
  describe(`concurrent writers on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;
    let owner: { token: string };
    let editor: { token: string };
    /** Shared with the editor as EDITOR, and private to the owner. */
    let shared: string;
    let privateList: string;

    /** Runs one operation as `who`; it must answer 200 without GraphQL errors. */
    async function run<T = Payload>(
      who: { token: string },
      query: string,
      variables?: Record<string, unknown>,
    ): Promise<T> {
      const answer = await call(server, query, variables, who);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
      const data = answer.body.data ?? {};
      return Object.values(data)[0] as T;
    }

    async function newList(name: string, share?: 'EDITOR' | 'VIEWER'): Promise<string> {
      const created = await run<{ list: { id: string } }>(
        owner,
        'mutation ($n: String) { createList(input: { name: $n }) { list { id } } }',
        { n: name },
      );
      if (share) {
        const done = await run(
          owner,
          'mutation ($l: ID!, $r: ListRole!) { shareList(list: $l, username: "editor", role: $r) { status } }',
          { l: created.list.id, r: share },
        );
        assert.equal(done.status, true);
      }
      return created.list.id;
    }

    async function addTodos(list: string | null, count: number): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < count; i += 1) {
        // Without a list, into the owner's Inbox (an explicit null is refused).
        const added = await run<{ todo: { id: string } }>(
          owner,
          list === null
            ? 'mutation { addTodo(input: { description: "racing" }) { todo { id } } }'
            : 'mutation ($l: ID) { addTodo(input: { description: "racing", list: $l }) { todo { id } } }',
          { l: list },
        );
        ids.push(added.todo.id);
      }
      return ids;
    }

    async function rowsOf(ids: readonly string[]) {
      return server.database.db
        .selectFrom('todos')
        .select(['id', 'list_id', 'notes', 'completed'])
        .where('id', 'in', ids.map(Number))
        .orderBy('id')
        .execute();
    }

    /** No todo, membership or list points at a row that does not exist. */
    async function assertNoDanglingReferences(): Promise<void> {
      const { rows } = await sql<{ what: string; id: number }>`
        select 'todo' as what, todos.id from todos left join lists on lists.id = todos.list_id where lists.id is null
        union all
        select 'membership', list_members.list_id from list_members
          left join lists on lists.id = list_members.list_id where lists.id is null
        union all
        select 'list', lists.id from lists left join users on users.id = lists.owner_id where users.id is null`.execute(
        server.database.db,
      );
      assert.deepEqual(rows, [], 'rows pointing at nothing');
    }

    before(async () => {
      db = await target.create();
      server = await startTestServer(db);
      owner = await register(server, 'owner');
      editor = await register(server, 'editor');
      shared = await newList('Shared', 'EDITOR');
      privateList = await newList('Private');
    });
    after(async () => {
      await server.close();
      await db.drop();
    });

    it('never lets an edit land in, or reveal, a list the todo was moved out of reach to', async () => {
      for (let round = 0; round < ROUNDS; round += 1) {
        const [todo = ''] = await addTodos(shared, 1);
        const notes = `editor ${round}`;
        const [edit, move] = await Promise.all([
          run<Payload & { todo: { list: { id: string; name: string } } | null }>(
            editor,
            'mutation ($t: ID!, $n: String) { updateTodo(todo: $t, input: { notes: $n }) { status errors { code } todo { list { id name } } } }',
            { t: todo, n: notes },
          ),
          run(owner, 'mutation ($t: ID!, $l: ID!) { moveTodos(todos: [$t], list: $l) { status } }', {
            t: todo,
            l: privateList,
          }),
        ]);
        assert.equal(move.status, true);
        const [row] = await rowsOf([todo]);
        assert.ok(row);
        if (edit.status) {
          // Serialized before the move: written in the shared list, and the move kept it.
          assert.deepEqual(edit.todo?.list, { id: shared, name: 'Shared' }, `round ${round}`);
          assert.equal(row.notes, notes);
        } else {
          assert.deepEqual(
            edit.errors.map((error) => error.code),
            ['NOT_FOUND'],
          );
          assert.equal(row.notes, null, `round ${round}: a refused edit wrote nothing`);
        }
        assert.equal(row.list_id, rowIdOf(privateList));
      }
      await assertNoDanglingReferences();
    });

    it('completes all of a bulk or none of it while one of its todos is deleted', async () => {
      for (let round = 0; round < ROUNDS; round += 1) {
        const ids = await addTodos(null, 10);
        const victim = ids[round % ids.length] ?? '';
        const [complete, removal] = await Promise.all([
          run<Payload & { todos: { id: string }[] }>(
            owner,
            'mutation ($ids: [ID!]!) { completeTodos(todos: $ids) { status errors { code field message } todos { id } } }',
            { ids },
          ),
          run(owner, 'mutation ($t: ID!) { deleteTodo(todoId: $t) { success } }', { t: victim }),
        ]);
        assert.equal((removal as unknown as { success: boolean }).success, true);
        const rows = await rowsOf(ids);
        assert.equal(rows.length, 9);
        if (complete.status) {
          assert.equal(complete.todos.length, 10, `round ${round}: acknowledged with ${complete.todos.length} todos`);
          assert.ok(rows.every((row) => Boolean(row.completed)));
        } else {
          assert.equal(complete.todos.length, 0);
          assert.deepEqual(
            complete.errors.map((error) => [error.code, error.field]),
            [['NOT_FOUND', 'todos']],
          );
          assert.match(complete.errors[0]?.message ?? '', new RegExp(`id ${victim} `));
          assert.ok(
            rows.every((row) => !row.completed),
            `round ${round}: a refused bulk completed some todos`,
          );
        }
      }
    });

    it('acknowledges each deletion once', async () => {
      for (let round = 0; round < ROUNDS; round += 1) {
        const [todo = '', other = ''] = await addTodos(null, 2);
        const [single, bulk] = await Promise.all([
          run<{ success: boolean }>(owner, 'mutation ($t: ID!) { deleteTodo(todoId: $t) { success } }', { t: todo }),
          run<Payload & { deletedIds: string[] }>(
            owner,
            'mutation ($ids: [ID!]!) { deleteTodos(todos: $ids) { status deletedIds } }',
            { ids: [todo, other] },
          ),
        ]);
        assert.notEqual(single.success, bulk.status, `round ${round}: deleted by both or by neither`);
        assert.deepEqual(bulk.deletedIds, bulk.status ? [todo, other] : []);
        assert.deepEqual(
          (await rowsOf([todo, other])).map((row) => String(row.id)),
          bulk.status ? [] : [other],
        );
      }
    });

    it('never adds or moves a todo into a list being deleted', async () => {
      for (let round = 0; round < ROUNDS; round += 1) {
        const doomed = await newList(`Doomed ${round}`);
        const moving = await addTodos(null, 2);
        const [added, moved, deleted] = await Promise.all([
          run<Payload & { todo: { id: string } | null }>(
            owner,
            'mutation ($l: ID) { addTodo(input: { description: "late", list: $l }) { status errors { code field } todo { id } } }',
            { l: doomed },
          ),
          run(
            owner,
            'mutation ($ids: [ID!]!, $l: ID!) { moveTodos(todos: $ids, list: $l) { status errors { code field } } }',
            {
              ids: moving,
              l: doomed,
            },
          ),
          run(owner, 'mutation ($l: ID!) { deleteList(list: $l) { status } }', { l: doomed }),
        ]);
        assert.equal(deleted.status, true);
        if (!added.status) assert.deepEqual(added.errors, [{ code: 'NOT_FOUND', field: 'list' }]);
        if (!moved.status) assert.deepEqual(moved.errors, [{ code: 'NOT_FOUND', field: 'list' }]);
        // Whatever landed in the list went with it; whatever did not stayed where it was.
        const left = await rowsOf([...moving, ...(added.todo ? [added.todo.id] : [])]);
        assert.equal(left.length, moved.status ? 0 : 2, `round ${round}`);
        assert.ok(left.every((row) => row.list_id !== rowIdOf(doomed)));
        await assertNoDanglingReferences();
      }
    });

    it('completes all of an editor’s bulk, in the shared list, or none, while the owner moves one away', async () => {
      for (let round = 0; round < ROUNDS; round += 1) {
        const ids = await addTodos(shared, 3);
        const moved = ids[1] ?? '';
        const [complete, move] = await Promise.all([
          run<Payload & { todos: { id: string; list: { id: string } }[] }>(
            editor,
            'mutation ($ids: [ID!]!) { completeTodos(todos: $ids) { status errors { code } todos { id list { id } } } }',
            { ids },
          ),
          run(owner, 'mutation ($t: ID!, $l: ID!) { moveTodos(todos: [$t], list: $l) { status } }', {
            t: moved,
            l: privateList,
          }),
        ]);
        assert.equal(move.status, true);
        const rows = await rowsOf(ids);
        if (complete.status) {
          assert.deepEqual(
            complete.todos.map((todo) => todo.list.id),
            [shared, shared, shared],
            `round ${round}`,
          );
          assert.ok(rows.every((row) => Boolean(row.completed)));
        } else {
          assert.ok(
            rows.every((row) => !row.completed),
            `round ${round}: a refused bulk completed some todos`,
          );
        }
      }
    });

    it('serializes bulk moves of the same todos named in opposite orders', async () => {
      const first = await newList('First');
      const second = await newList('Second');
      for (let round = 0; round < ROUNDS; round += 1) {
        const ids = await addTodos(null, 6);
        const reversed = [...ids].reverse();
        const answers = await Promise.all([
          run(owner, 'mutation ($ids: [ID!]!, $l: ID!) { moveTodos(todos: $ids, list: $l) { status } }', {
            ids,
            l: first,
          }),
          run(owner, 'mutation ($ids: [ID!]!, $l: ID!) { moveTodos(todos: $ids, list: $l) { status } }', {
            ids: reversed,
            l: second,
          }),
          run(owner, 'mutation ($ids: [ID!]!) { completeTodos(todos: $ids) { status } }', { ids: reversed }),
        ]);
        assert.ok(
          answers.every((answer) => answer.status),
          `round ${round}: ${JSON.stringify(answers)}`,
        );
        const lists = new Set((await rowsOf(ids)).map((row) => row.list_id));
        assert.equal(lists.size, 1, `round ${round}: the todos were split between the two moves`);
      }
    });

    it('shares, unshares and edits around a deleted list without an error or a dangling member', async () => {
      for (let round = 0; round < ROUNDS; round += 1) {
        const list = await newList(`Team ${round}`, 'EDITOR');
        const [todo = ''] = await addTodos(list, 1);
        const answers = await Promise.all([
          run(owner, 'mutation ($l: ID!) { shareList(list: $l, username: "editor", role: VIEWER) { status } }', {
            l: list,
          }),
          run(editor, 'mutation ($t: ID!) { updateTodo(todo: $t, input: { notes: "mine" }) { status } }', { t: todo }),
          run(owner, 'mutation ($l: ID!) { unshareList(list: $l, username: "editor") { status } }', { l: list }),
          run(owner, 'mutation ($l: ID!) { deleteList(list: $l) { status } }', { l: list }),
        ]);
        assert.equal(answers[3].status, true);
        await assertNoDanglingReferences();
        const members = await server.database.db
          .selectFrom('list_members')
          .select('user_id')
          .where('list_id', '=', rowIdOf(list))
          .execute();
        assert.deepEqual(members, []);
      }
    });
  });
}
