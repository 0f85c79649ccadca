/**
 * Versions and CONFLICT, on both databases: every write to a todo or a list
 * moves its version on, and an update sent with a version that is no longer
 * current changes nothing and says CONFLICT, even when many race for one version.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedIn, type Caller } from './helpers/accounts.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface Todo {
  id: string;
  description: string;
  version: number;
}
interface Payload {
  status: boolean;
  errors: { code: string; field: string | null; message: string }[];
  todo: Todo | null;
}

const UPDATE = `mutation ($todo: ID!, $input: TodoInput!, $ifVersion: Int) {
  updateTodo(todo: $todo, input: $input, ifVersion: $ifVersion) {
    status errors { code field message } todo { id description version }
  }
}`;
const RENAME = `mutation ($list: ID!, $name: String, $ifVersion: Int) {
  updateList(list: $list, input: { name: $name }, ifVersion: $ifVersion) {
    status errors { code field message } list { id name version }
  }
}`;

async function addTodo(as: Caller, description: string, list?: string): Promise<Todo> {
  const data = await as<{ addTodo: Payload }>(
    'mutation ($input: TodoInput!) { addTodo(input: $input) { todo { id description version } } }',
    { input: { description, list } },
  );
  assert.ok(data.addTodo.todo);
  return data.addTodo.todo;
}

const versionOf = async (as: Caller, id: string) =>
  (await as<{ todo: { todo: { version: number } } }>(`{ todo(todoId: "${id}") { todo { version } } }`)).todo.todo
    .version;

for (const target of databaseTargets) {
  describe(`versions on ${target.name}`, { skip: target.skip }, () => {
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

    it('starts a todo at 1 and moves it on with every write, whichever mutation makes it', async () => {
      const as = await signedIn(server, 'version-writer');
      const { createList } = await as<{ createList: { list: { id: string; version: number } } }>(
        'mutation { createList(input: { name: "Errands" }) { list { id version } } }',
      );
      assert.equal(createList.list.version, 1);
      const todo = await addTodo(as, 'Post the letter');
      assert.equal(todo.version, 1);
      const writes = [
        `mutation { updateTodo(todo: "${todo.id}", input: { notes: "Stamps" }) { status } }`,
        `mutation { markDone(todoId: "${todo.id}") { success } }`,
        `mutation { updateDueDate(todoId: "${todo.id}", newDate: "01-02-2030") { success } }`,
        `mutation { reopenTodos(todos: ["${todo.id}"]) { status } }`,
        `mutation { moveTodos(todos: ["${todo.id}"], list: "${createList.list.id}") { status } }`,
      ];
      for (const [index, write] of writes.entries()) {
        await as(write);
        assert.equal(await versionOf(as, todo.id), index + 2, write);
      }
    });

    it('refuses an update at a stale version with CONFLICT, and changes nothing', async () => {
      const as = await signedIn(server, 'version-stale');
      const todo = await addTodo(as, 'Water the plants');
      const first = await as<{ updateTodo: Payload }>(UPDATE, {
        todo: todo.id,
        input: { description: 'Water the ferns' },
        ifVersion: 1,
      });
      assert.deepEqual(first.updateTodo.todo, { id: todo.id, description: 'Water the ferns', version: 2 });

      const stale = await as<{ updateTodo: Payload }>(UPDATE, {
        todo: todo.id,
        input: { description: 'Water the cactus' },
        ifVersion: 1,
      });
      assert.equal(stale.updateTodo.status, false);
      assert.equal(stale.updateTodo.todo, null);
      assert.deepEqual(
        stale.updateTodo.errors.map(({ code, field }) => ({ code, field })),
        [{ code: 'CONFLICT', field: 'ifVersion' }],
      );
      assert.match(stale.updateTodo.errors[0]?.message ?? '', /version 1.*version 2/);
      const now = await as<{ todo: { todo: Todo } }>(
        `{ todo(todoId: "${todo.id}") { todo { id description version } } }`,
      );
      assert.deepEqual(now.todo.todo, { id: todo.id, description: 'Water the ferns', version: 2 });

      // Without ifVersion, the last writer wins as before.
      const blind = await as<{ updateTodo: Payload }>(UPDATE, { todo: todo.id, input: { description: 'Water all' } });
      assert.equal(blind.updateTodo.todo?.version, 3);
    });

    it("tells a stranger NOT_FOUND, never another user's todo's version", async () => {
      const owner = await signedIn(server, 'version-owner');
      const stranger = await signedIn(server, 'version-stranger');
      const todo = await addTodo(owner, 'Private plans');
      for (const ifVersion of [1, 7]) {
        const answer = await stranger<{ updateTodo: Payload }>(UPDATE, {
          todo: todo.id,
          input: { description: 'Mine now' },
          ifVersion,
        });
        assert.deepEqual(
          answer.updateTodo.errors.map(({ code }) => code),
          ['NOT_FOUND'],
        );
        assert.doesNotMatch(answer.updateTodo.errors[0]?.message ?? '', /version/);
      }
      assert.equal(await versionOf(owner, todo.id), 1);
    });

    it('lets exactly one of many racing updates at the same version through', async () => {
      const owner = await signedIn(server, 'version-racer');
      const { createList } = await owner<{ createList: { list: { id: string } } }>(
        'mutation { createList(input: { name: "Shared" }) { list { id } } }',
      );
      const editor = await signedIn(server, 'version-racer-editor');
      await owner(
        `mutation { shareList(list: "${createList.list.id}", username: "version-racer-editor", role: EDITOR) { status } }`,
      );
      const todo = await addTodo(owner, 'Contested', createList.list.id);
      const racers = Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? owner : editor));
      const answers = await Promise.all(
        racers.map((as, index) =>
          as<{ updateTodo: Payload }>(UPDATE, { todo: todo.id, input: { description: `Take ${index}` }, ifVersion: 1 }),
        ),
      );
      const won = answers.filter((answer) => answer.updateTodo.status);
      assert.equal(won.length, 1, 'exactly one update wins');
      const lost = answers.filter((answer) => !answer.updateTodo.status);
      assert.ok(lost.every((answer) => answer.updateTodo.errors[0]?.code === 'CONFLICT'));
      const now = await owner<{ todo: { todo: Todo } }>(
        `{ todo(todoId: "${todo.id}") { todo { description version } } }`,
      );
      assert.deepEqual(now.todo.todo, { description: won[0]?.updateTodo.todo?.description, version: 2 });
    });

    it('versions a list by its renames, and refuses a stale rename with CONFLICT', async () => {
      const owner = await signedIn(server, 'version-lister');
      await signedIn(server, 'version-lister-friend');
      const { createList } = await owner<{ createList: { list: { id: string } } }>(
        'mutation { createList(input: { name: "Books" }) { list { id } } }',
      );
      const list = createList.list.id;
      const renamed = await owner<{ updateList: { list: { version: number } } }>(RENAME, {
        list,
        name: 'Novels',
        ifVersion: 1,
      });
      assert.equal(renamed.updateList.list.version, 2);
      // Sharing, and todos coming and going, are not renames.
      await owner(
        `mutation { shareList(list: "${list}", username: "version-lister-friend", role: VIEWER) { status } }`,
      );
      await addTodo(owner, 'Read Middlemarch', list);
      for (const name of ['Poems', undefined]) {
        const stale = await owner<{ updateList: { status: boolean; errors: { code: string; field: string }[] } }>(
          RENAME,
          { list, name, ifVersion: 1 },
        );
        assert.equal(stale.updateList.status, false);
        assert.deepEqual(
          stale.updateList.errors.map(({ code, field }) => ({ code, field })),
          [{ code: 'CONFLICT', field: 'ifVersion' }],
        );
      }
      const now = await owner<{ list: { name: string; version: number } }>(`{ list(id: "${list}") { name version } }`);
      assert.deepEqual(now.list, { name: 'Novels', version: 2 });
    });
  });
}
