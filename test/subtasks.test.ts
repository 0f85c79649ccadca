/**
 * Subtasks, on both databases: a subtask lives in its parent's list one level
 * deep and follows its parent (moved, completed, deleted), each change a write
 * of its own. Manual order is in manual-order.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedIn } from './helpers/accounts.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import {
  ADD,
  TODO,
  UPDATE,
  add,
  codes,
  newList,
  order,
  subtasksOf,
  type Payload,
  type Todo,
} from './helpers/subtasks.js';

for (const target of databaseTargets) {
  describe(`subtasks on ${target.name}`, { skip: target.skip }, () => {
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

    it("puts a subtask in its parent's list, last among its siblings, one level deep", async () => {
      const as = await signedIn(server, 'sub-maker');
      const list = await newList(as, 'Trip');
      const parent = await add(as, { description: 'Pack', list });
      const socks = await add(as, { description: 'Socks', parent: parent.id });
      const shirts = await add(as, { description: 'Shirts', parent: parent.id });
      assert.equal(socks.list.id, list, "a subtask goes into its parent's list");
      assert.deepEqual(socks.parent, { id: parent.id });
      assert.deepEqual(
        (await subtasksOf(as, parent.id)).map((todo) => todo.description),
        ['Socks', 'Shirts'],
      );
      assert.deepEqual(await order(as, list), ['Pack'], 'subtasks are not top-level');

      const deeper = await as<{ addTodo: Payload }>(ADD, { input: { description: 'Wool', parent: socks.id } });
      assert.deepEqual(codes(deeper.addTodo), ['INVALID_PARENT:parent']);
      const other = await newList(as, 'Elsewhere');
      const elsewhere = await as<{ addTodo: Payload }>(ADD, {
        input: { description: 'Hat', parent: parent.id, list: other },
      });
      assert.deepEqual(codes(elsewhere.addTodo), ['INVALID_PARENT:parent']);
      const self = await as<{ updateTodo: Payload }>(UPDATE, { todo: parent.id, input: { parent: parent.id } });
      assert.deepEqual(codes(self.updateTodo), ['INVALID_PARENT:parent']);
      const loner = await add(as, { description: 'Passport', list: other });
      const withSubtasks = await as<{ updateTodo: Payload }>(UPDATE, { todo: parent.id, input: { parent: loner.id } });
      assert.deepEqual(codes(withSubtasks.updateTodo), ['INVALID_PARENT:parent']);
      assert.match(withSubtasks.updateTodo.errors[0]?.message ?? '', /one level deep/);

      // Made a subtask by update: it moves into the parent's list, last under it.
      const made = await as<{ updateTodo: Payload }>(UPDATE, { todo: loner.id, input: { parent: parent.id } });
      assert.equal(made.updateTodo.todo?.list.id, list);
      assert.deepEqual(
        (await subtasksOf(as, parent.id)).map((todo) => todo.description),
        ['Socks', 'Shirts', 'Passport'],
      );
      // And top-level again with null: last in its list.
      const freed = await as<{ updateTodo: Payload }>(UPDATE, { todo: shirts.id, input: { parent: null } });
      assert.equal(freed.updateTodo.todo?.parent, null);
      assert.deepEqual(await order(as, list), ['Pack', 'Shirts']);
    });

    it("refuses a parent the caller may not change, and a stranger's todo as NOT_FOUND", async () => {
      const owner = await signedIn(server, 'sub-owner');
      const viewer = await signedIn(server, 'sub-viewer');
      const list = await newList(owner, 'Shared');
      await owner(`mutation { shareList(list: "${list}", username: "sub-viewer", role: VIEWER) { status } }`);
      const parent = await add(owner, { description: 'Owner task', list });
      const answer = await viewer<{ addTodo: Payload }>(ADD, { input: { description: 'Mine', parent: parent.id } });
      assert.deepEqual(codes(answer.addTodo), ['NOT_FOUND:parent']);
      const stranger = await signedIn(server, 'sub-stranger');
      const theirs = await stranger<{ addTodo: Payload }>(ADD, { input: { description: 'x', parent: parent.id } });
      assert.deepEqual(codes(theirs.addTodo), ['NOT_FOUND:parent']);
      const malformed = await stranger<{ addTodo: Payload }>(ADD, { input: { description: 'x', parent: 'nope' } });
      assert.deepEqual(codes(malformed.addTodo), ['NOT_FOUND:parent']);
      // Someone else's todo is NOT_FOUND whatever the parent rules would say of it (it has subtasks below).
      const own = await add(stranger, { description: 'Own' });
      await add(owner, { description: 'Owner subtask', parent: parent.id });
      for (const as of [stranger, viewer]) {
        const probe = await as<{ updateTodo: Payload }>(UPDATE, { todo: parent.id, input: { parent: own.id } });
        assert.deepEqual(codes(probe.updateTodo), ['NOT_FOUND:todo']);
        const freeing = await as<{ updateTodo: Payload }>(UPDATE, { todo: parent.id, input: { parent: null } });
        assert.deepEqual(codes(freeing.updateTodo), ['NOT_FOUND:todo']);
      }
      // The viewer reads the subtasks of what they can read.
      assert.deepEqual(
        (await subtasksOf(viewer, parent.id)).map((todo) => todo.description),
        ['Owner subtask'],
      );
    });

    it('completes open subtasks with their parent, by every mutation that completes, and reopens none', async () => {
      const as = await signedIn(server, 'sub-completer');
      for (const complete of ['completeTodos', 'updateTodo', 'markDone'] as const) {
        const parent = await add(as, { description: `Parent ${complete}` });
        await add(as, { description: 'open', parent: parent.id });
        await add(as, { description: 'done', parent: parent.id, completed: true });
        const mutation = {
          completeTodos: `mutation { completeTodos(todos: ["${parent.id}"]) { status } }`,
          updateTodo: `mutation { updateTodo(todo: "${parent.id}", input: { completed: true }) { status } }`,
          markDone: `mutation { markDone(todoId: "${parent.id}") { success } }`,
        }[complete];
        await as(mutation);
        const subtasks = await subtasksOf(as, parent.id);
        assert.deepEqual(
          subtasks.map((todo) => [todo.description, todo.completed, todo.version]),
          [
            ['open', true, 2],
            ['done', true, 1],
          ],
          complete,
        );
        await as(`mutation { reopenTodos(todos: ["${parent.id}"]) { status } }`);
        assert.deepEqual(
          (await subtasksOf(as, parent.id)).map((todo) => todo.completed),
          [true, true],
        );
      }
    });

    it('starts the subtasks of a recurring todo over when it moves on to its next occurrence', async () => {
      const as = await signedIn(server, 'sub-recurring');
      const parent = await add(as, {
        description: 'Weekly clean',
        dueOn: '2030-01-07',
        recurrence: { rule: 'FREQ=WEEKLY', timeZone: 'UTC' },
      });
      await add(as, { description: 'Kitchen', parent: parent.id, completed: true });
      await add(as, { description: 'Bathroom', parent: parent.id });
      const { updateTodo } = await as<{ updateTodo: { todo: { completed: boolean; dueOn: string } } }>(
        `mutation { updateTodo(todo: "${parent.id}", input: { completed: true }) { todo { completed dueOn } } }`,
      );
      assert.deepEqual(updateTodo.todo, { completed: false, dueOn: '2030-01-14' });
      assert.deepEqual(
        (await subtasksOf(as, parent.id)).map((todo) => [todo.description, todo.completed]),
        [
          ['Kitchen', false],
          ['Bathroom', false],
        ],
        'a fresh checklist for the next occurrence',
      );
      // A recurring subtask completed with its (plain) parent moves on, as it would completed alone.
      const plain = await add(as, { description: 'Plain parent' });
      const watering = await add(as, {
        description: 'Water',
        parent: plain.id,
        dueOn: '2030-01-07',
        recurrence: { rule: 'FREQ=DAILY', timeZone: 'UTC' },
      });
      await as(`mutation { completeTodos(todos: ["${plain.id}"]) { status } }`);
      const [watered] = await subtasksOf(as, plain.id);
      assert.deepEqual([watered?.id, watered?.completed], [watering.id, false]);
      const due = await as<{ todo: { todo: { dueOn: string } } }>(
        `{ todo(todoId: "${watering.id}") { todo { dueOn } } }`,
      );
      assert.equal(due.todo.todo.dueOn, '2030-01-08');
      // The tutorial's markDone does the same.
      await add(as, { description: 'Hall', parent: parent.id, completed: true });
      await as(`mutation { markDone(todoId: "${parent.id}") { success } }`);
      assert.deepEqual(
        (await subtasksOf(as, parent.id)).map((todo) => todo.completed),
        [false, false, false],
      );
    });

    it('moves subtasks with their parent, and a subtask moved alone becomes top-level', async () => {
      const as = await signedIn(server, 'sub-mover');
      const home = await newList(as, 'Home');
      const away = await newList(as, 'Away');
      const parent = await add(as, { description: 'Garden', list: home });
      const weed = await add(as, { description: 'Weed', parent: parent.id });
      const water = await add(as, { description: 'Water', parent: parent.id });
      await as(`mutation { moveTodos(todos: ["${parent.id}"], list: "${away}") { status } }`);
      const moved = await subtasksOf(as, parent.id);
      assert.deepEqual(
        moved.map((todo) => [todo.description, todo.list.id]),
        [
          ['Weed', away],
          ['Water', away],
        ],
      );
      const alone = await as<{ moveTodos: { todos: Todo[] } }>(
        `mutation { moveTodos(todos: ["${weed.id}"], list: "${home}") { todos { ${TODO} } } }`,
      );
      assert.equal(alone.moveTodos.todos[0]?.parent, null);
      assert.deepEqual(await order(as, home), ['Weed']);
      assert.deepEqual(
        (await subtasksOf(as, parent.id)).map((todo) => todo.id),
        [water.id],
      );
      // Moved with its parent in one call, a subtask keeps its place (its key) under it.
      const [kept] = await subtasksOf(as, parent.id);
      await as(`mutation { moveTodos(todos: ["${parent.id}", "${water.id}"], list: "${home}") { status } }`);
      assert.deepEqual(
        (await subtasksOf(as, parent.id)).map((todo) => [todo.description, todo.list.id, todo.position]),
        [['Water', home, kept?.position]],
      );
    });

    it('deletes subtasks with their parent, recorded in history and sync like any deletion', async () => {
      const as = await signedIn(server, 'sub-deleter');
      const { changesSince: start } = await as<{ changesSince: { cursor: string } }>(
        '{ changesSince(first: 1) { cursor } }',
      );
      for (const remove of ['deleteTodos', 'deleteTodo'] as const) {
        const parent = await add(as, { description: `Parent ${remove}` });
        const child = await add(as, { description: 'child', parent: parent.id });
        const answer = await as<Record<string, { deletedIds?: string[]; deletedId?: string }>>(
          remove === 'deleteTodos'
            ? `mutation { deleteTodos(todos: ["${parent.id}"]) { deletedIds } }`
            : `mutation { deleteTodo(todoId: "${parent.id}") { deletedId } }`,
        );
        assert.deepEqual(answer[remove]?.deletedIds ?? [answer[remove]?.deletedId], [parent.id]);
        const gone = await as<{ todo: { success: boolean } }>(`{ todo(todoId: "${child.id}") { success } }`);
        assert.equal(gone.todo.success, false, `${remove} took the subtask along`);
        const { list } = await as<{ list: { activity: { edges: { node: { action: string; todoId: string } }[] } } }>(
          `{ list(id: "${parent.list.id}") { activity(first: 2) { edges { node { action todoId } } } } }`,
        );
        assert.deepEqual(
          list.activity.edges.map(({ node }) => [node.action, node.todoId]),
          [
            ['DELETED', parent.id],
            ['DELETED', child.id],
          ],
        );
      }
      const { changesSince } = await as<{
        changesSince: { changes: { removedType: string | null; removedId: string | null }[] };
      }>(`query ($c: String) { changesSince(cursor: $c, first: 100) { changes { removedType removedId } } }`, {
        c: start.cursor,
      });
      const removed = changesSince.changes.filter((change) => change.removedType === 'Todo');
      assert.equal(removed.length, 4, 'both parents and both subtasks come back removed');
    });
  });
}
