/**
 * Sharing lists, black-box on both databases: the role matrix (owner, editor,
 * viewer, stranger, anonymous × every operation on a list and its todos), every
 * denial answered as "not found" with nothing changed, and roles changed or
 * revoked taking effect at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';

type Data = Record<string, unknown>;
type Caller = <T = Data>(query: string, variables?: Record<string, unknown>) => Promise<T>;

for (const target of databaseTargets) {
  describe(`sharing lists on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;
    const callers: Record<string, Caller> = {};

    function caller(token?: string): Caller {
      return async <T>(query: string, variables?: Record<string, unknown>) => {
        const response = await server.graphql(query, variables, token ? { authorization: `Bearer ${token}` } : {});
        assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
        return response.body.data as T;
      };
    }

    before(async () => {
      db = await target.create();
      server = await startTestServer(db);
      for (const name of ['owner', 'editor', 'viewer', 'stranger']) {
        const answer = await server.graphql(
          'mutation ($u: String!) { register(input: { username: $u, password: "correct-horse-battery" }) { token } }',
          { u: name },
        );
        callers[name] = caller((answer.body.data?.register as { token: string }).token);
      }
      callers.anonymous = caller();
    });
    after(async () => {
      await server.close();
      await db.drop();
    });

    const call = (name: string): Caller => {
      const found = callers[name];
      assert.ok(found);
      return found;
    };

    async function newListWithTodo(name: string) {
      const owner = call('owner');
      const list = (
        await owner<{ createList: { list: { id: string } } }>(
          'mutation ($n: String) { createList(input: { name: $n }) { list { id } } }',
          { n: name },
        )
      ).createList.list.id;
      const todo = (
        await owner<{ addTodo: { todo: { id: string } } }>(
          `mutation { addTodo(input: { description: "Shared task", list: "${list}" }) { todo { id } } }`,
        )
      ).addTodo.todo.id;
      for (const [member, role] of [
        ['editor', 'EDITOR'],
        ['viewer', 'VIEWER'],
      ]) {
        const shared = await owner<{ shareList: { status: boolean } }>(
          `mutation { shareList(list: "${list}", username: "${member ?? ''}", role: ${role ?? ''}) { status } }`,
        );
        assert.equal(shared.shareList.status, true);
      }
      return { list, todo };
    }

    it('lets each role do exactly what it may, and answers everything else as not found', async () => {
      const { list, todo } = await newListWithTodo('Team');
      const expectations: Record<string, { read: boolean; write: boolean; own: boolean }> = {
        owner: { read: true, write: true, own: true },
        editor: { read: true, write: true, own: false },
        viewer: { read: true, write: false, own: false },
        stranger: { read: false, write: false, own: false },
        anonymous: { read: false, write: false, own: false },
      };
      for (const [name, may] of Object.entries(expectations)) {
        const as = call(name);
        const seen = await as<{
          list: { name: string; todos: { totalCount: number } } | null;
          lists: { id: string }[];
        }>(`{ list(id: "${list}") { name todos(first: 10) { totalCount } } lists { id } }`);
        assert.equal(seen.list !== null, may.read, `${name} reads the list`);
        assert.equal(
          seen.lists.some((l) => l.id === list),
          may.read,
          `${name} sees it among their lists`,
        );
        if (may.read) assert.equal(seen.list?.todos.totalCount !== undefined, true);
        const one = await as<{ todo: { success: boolean } }>(`{ todo(todoId: "${todo}") { success } }`);
        assert.equal(one.todo.success, may.read, `${name} reads the todo`);

        const writes = await as<{
          add: { status: boolean; errors: unknown };
          update: { status: boolean; errors: unknown };
          done: { success: boolean; errors: unknown };
        }>(
          `mutation {
            add: addTodo(input: { description: "by ${name}", list: "${list}" }) { status errors { code field } }
            update: updateTodo(todo: "${todo}", input: { notes: "${name} was here" }) { status errors { code field } }
            done: markDone(todoId: "${todo}") { success errors }
          }`,
        );
        assert.equal(writes.add.status, may.write, `${name} adds`);
        assert.equal(writes.update.status, may.write, `${name} updates`);
        assert.equal(writes.done.success, may.write, `${name} completes`);
        if (!may.write) {
          assert.deepEqual(writes.add.errors, [{ code: 'NOT_FOUND', field: 'list' }]);
          assert.deepEqual(writes.update.errors, [{ code: 'NOT_FOUND', field: 'todo' }]);
          assert.deepEqual(writes.done.errors, [`Todo matching id ${todo} was not found`]);
        }

        const more = await as<{
          due: { success: boolean };
          reopen: { status: boolean };
          move: { status: boolean };
        }>(
          `mutation {
            due: updateDueDate(todoId: "${todo}", newDate: "01-01-2031") { success }
            reopen: reopenTodos(todos: ["${todo}"]) { status }
            move: moveTodos(todos: ["${todo}"], list: "${list}") { status }
          }`,
        );
        assert.deepEqual(
          [more.due.success, more.reopen.status, more.move.status],
          [may.write, may.write, may.write],
          `${name} changes due date, reopens, moves`,
        );
        if (may.write) await as(`mutation { markDone(todoId: "${todo}") { success } }`);

        const owning = await as<{
          rename: { status: boolean; errors: unknown };
          share: { status: boolean; errors: unknown };
          unshare: { status: boolean };
        }>(
          `mutation {
            rename: updateList(list: "${list}", input: { name: "Renamed by ${name}" }) { status errors { code field } }
            share: shareList(list: "${list}", username: "stranger", role: VIEWER) { status errors { code field } }
            unshare: unshareList(list: "${list}", username: "viewer") { status }
          }`,
        );
        if (name !== 'owner') {
          assert.equal(owning.rename.status, false, `${name} cannot rename`);
          assert.equal(owning.share.status, false, `${name} cannot share`);
          assert.equal(owning.unshare.status, false, `${name} cannot unshare`);
          const expected = name === 'anonymous' ? 'UNAUTHENTICATED' : 'NOT_FOUND';
          assert.deepEqual(owning.share.errors, [{ code: expected, field: expected === 'NOT_FOUND' ? 'list' : null }]);
        } else {
          assert.equal(owning.rename.status, true);
          // Undo the share with the stranger and the unsharing of the viewer, so the rows below stay as they were.
          await as(`mutation { unshareList(list: "${list}", username: "stranger") { status } }`);
          await as(`mutation { shareList(list: "${list}", username: "viewer", role: VIEWER) { status } }`);
        }
      }

      const owner = call('owner');
      const state = await owner<{ list: { name: string; members: Data[]; todos: { edges: { node: Data }[] } } }>(
        `{ list(id: "${list}") {
          name members { user { username } role }
          todos(first: 10) { edges { node { description notes completed owner { username } } } }
        } }`,
      );
      assert.equal(state.list.name, 'Renamed by owner');
      assert.deepEqual(state.list.members, [
        { user: { username: 'editor' }, role: 'EDITOR' },
        { user: { username: 'viewer' }, role: 'VIEWER' },
      ]);
      assert.deepEqual(
        state.list.todos.edges.map((edge) => edge.node),
        [
          { description: 'Shared task', notes: 'editor was here', completed: true, owner: { username: 'owner' } },
          { description: 'by owner', notes: null, completed: false, owner: { username: 'owner' } },
          { description: 'by editor', notes: null, completed: false, owner: { username: 'editor' } },
        ],
        'only the owner and the editor changed anything',
      );
      const access = async (name: string) =>
        (await call(name)<{ list: { access: string } | null }>(`{ list(id: "${list}") { access } }`)).list?.access;
      assert.deepEqual(
        [await access('owner'), await access('editor'), await access('viewer')],
        ['OWNER', 'EDITOR', 'VIEWER'],
      );
    });

    it('lets only the owner delete the list, and members bulk-change todos only as editors', async () => {
      const { list, todo } = await newListWithTodo('Disposable');
      for (const name of ['viewer', 'stranger']) {
        const refused = await call(name)<{ deleteTodos: { status: boolean }; completeTodos: { status: boolean } }>(
          `mutation { deleteTodos(todos: ["${todo}"]) { status } completeTodos(todos: ["${todo}"]) { status } }`,
        );
        assert.deepEqual(refused, { deleteTodos: { status: false }, completeTodos: { status: false } });
      }
      const moved = await call('editor')<{ completeTodos: { status: boolean } }>(
        `mutation { completeTodos(todos: ["${todo}"]) { status } }`,
      );
      assert.equal(moved.completeTodos.status, true);
      for (const name of ['editor', 'viewer', 'stranger']) {
        const refused = await call(name)<{ deleteList: { status: boolean } }>(
          `mutation { deleteList(list: "${list}") { status } }`,
        );
        assert.equal(refused.deleteList.status, false, `${name} cannot delete the list`);
      }
      const deleted = await call('owner')<{ deleteList: { status: boolean } }>(
        `mutation { deleteList(list: "${list}") { status } }`,
      );
      assert.equal(deleted.deleteList.status, true);
      for (const name of ['editor', 'viewer']) {
        const gone = await call(name)<{ list: unknown; todo: { success: boolean } }>(
          `{ list(id: "${list}") { id } todo(todoId: "${todo}") { success } }`,
        );
        assert.deepEqual(gone, { list: null, todo: { success: false } });
      }
    });

    it('applies a changed or revoked role at once', async () => {
      const { list, todo } = await newListWithTodo('Changing');
      const owner = call('owner');
      const viewer = call('viewer');
      const update = `mutation { updateTodo(todo: "${todo}", input: { priority: HIGH }) { status } }`;
      assert.equal((await viewer<{ updateTodo: { status: boolean } }>(update)).updateTodo.status, false);
      await owner(`mutation { shareList(list: "${list}", username: "VIEWER", role: EDITOR) { status } }`);
      assert.equal((await viewer<{ updateTodo: { status: boolean } }>(update)).updateTodo.status, true);
      await owner(`mutation { unshareList(list: "${list}", username: "viewer") { status } }`);
      assert.equal((await viewer<{ updateTodo: { status: boolean } }>(update)).updateTodo.status, false);
      assert.equal((await viewer<{ list: unknown }>(`{ list(id: "${list}") { id } }`)).list, null);

      const refusals = await owner<Record<string, { status: boolean; errors: unknown }>>(
        `mutation {
          self: shareList(list: "${list}", username: "Owner", role: VIEWER) { status errors { code field } }
          nobody: shareList(list: "${list}", username: "nobody-at-all", role: VIEWER) { status errors { code field } }
        }`,
      );
      assert.deepEqual(refusals, {
        self: { status: false, errors: [{ code: 'INVALID_VALUE', field: 'username' }] },
        nobody: { status: false, errors: [{ code: 'NOT_FOUND', field: 'username' }] },
      });
    });
  });
}
