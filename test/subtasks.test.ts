/**
 * Subtasks and manual order, on both databases: a subtask lives in its
 * parent's list one level deep, follows its parent (moved, completed, deleted),
 * and `moveTodo` places one todo before or after another, rewriting that todo
 * alone, so racing moves and racing additions never share a position.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedIn, type Caller } from './helpers/accounts.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface Todo {
  id: string;
  description: string;
  completed: boolean;
  version: number;
  position: string;
  parent: { id: string } | null;
  list: { id: string };
}
interface Payload {
  status: boolean;
  errors: { code: string; field: string | null; message: string }[];
  todo: Todo | null;
}

const TODO = 'id description completed version position parent { id } list { id }';
const ADD = `mutation ($input: TodoInput!) { addTodo(input: $input) { status errors { code field message } todo { ${TODO} } } }`;
const UPDATE = `mutation ($todo: ID!, $input: TodoInput!) {
  updateTodo(todo: $todo, input: $input) { status errors { code field message } todo { ${TODO} } }
}`;
const MOVE = `mutation ($todo: ID!, $before: ID, $after: ID, $ifVersion: Int) {
  moveTodo(todo: $todo, before: $before, after: $after, ifVersion: $ifVersion) {
    status errors { code field message } todo { ${TODO} }
  }
}`;
const TOP_LEVEL = `query ($list: ID!) {
  list(id: $list) {
    todos(first: 100, filter: { isSubtask: false }, orderBy: { field: POSITION }) { edges { node { description } } }
  }
}`;
const SUBTASKS = `query ($id: ID!) {
  todo(todoId: $id) { todo { subtasks(first: 100) { edges { node { ${TODO} } } pageInfo { hasNextPage } } } }
}`;

async function add(as: Caller, input: Record<string, unknown>): Promise<Todo> {
  const { addTodo } = await as<{ addTodo: Payload }>(ADD, { input });
  assert.ok(addTodo.todo, JSON.stringify(addTodo.errors));
  return addTodo.todo;
}

async function newList(as: Caller, name: string): Promise<string> {
  const { createList } = await as<{ createList: { list: { id: string } } }>(
    'mutation ($name: String) { createList(input: { name: $name }) { list { id } } }',
    { name },
  );
  return createList.list.id;
}

const order = async (as: Caller, list: string): Promise<string[]> =>
  (
    await as<{ list: { todos: { edges: { node: { description: string } }[] } } }>(TOP_LEVEL, { list })
  ).list.todos.edges.map(({ node }) => node.description);

const subtasksOf = async (as: Caller, id: string): Promise<Todo[]> =>
  (
    await as<{ todo: { todo: { subtasks: { edges: { node: Todo }[] } } | null } }>(SUBTASKS, { id })
  ).todo.todo?.subtasks.edges.map(({ node }) => node) ?? [];

const codes = (payload: { errors: { code: string; field: string | null }[] }) =>
  payload.errors.map(({ code, field }) => `${code}:${field}`);

for (const target of databaseTargets) {
  describe(`subtasks and manual order on ${target.name}`, { skip: target.skip }, () => {
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

    it('places a todo right before or after another, taking its parent', async () => {
      const as = await signedIn(server, 'order-mover');
      const list = await newList(as, 'Chores');
      const todos: Todo[] = [];
      for (const description of ['A', 'B', 'C', 'D']) todos.push(await add(as, { description, list }));
      const [a, b, c, d] = todos;
      assert.ok(a && b && c && d);
      assert.deepEqual(await order(as, list), ['A', 'B', 'C', 'D'], 'new todos go last');

      const moved = await as<{ moveTodo: Payload }>(MOVE, { todo: d.id, after: a.id });
      assert.equal(moved.moveTodo.status, true);
      assert.equal(moved.moveTodo.todo?.version, 2);
      assert.deepEqual(await order(as, list), ['A', 'D', 'B', 'C']);
      await as(MOVE, { todo: a.id, before: c.id });
      assert.deepEqual(await order(as, list), ['D', 'B', 'A', 'C']);
      await as(MOVE, { todo: c.id, before: d.id });
      assert.deepEqual(await order(as, list), ['C', 'D', 'B', 'A']);
      // Only the todo placed was written: the others keep their versions.
      const versions = await as<{ list: { todos: { edges: { node: { description: string; version: number } }[] } } }>(
        `{ list(id: "${list}") { todos(first: 10, orderBy: { field: POSITION }) { edges { node { description version } } } } }`,
      );
      assert.deepEqual(
        versions.list.todos.edges.map(({ node }) => [node.description, node.version]),
        [
          ['C', 2],
          ['D', 2],
          ['B', 1],
          ['A', 2],
        ],
      );
      // Placed beside a subtask, a todo becomes its sibling; beside a top-level one, top-level again.
      const sub = await add(as, { description: 'A.1', parent: a.id });
      const into = await as<{ moveTodo: Payload }>(MOVE, { todo: b.id, before: sub.id });
      assert.deepEqual(into.moveTodo.todo?.parent, { id: a.id });
      assert.deepEqual(
        (await subtasksOf(as, a.id)).map((todo) => todo.description),
        ['B', 'A.1'],
      );
      await as(MOVE, { todo: b.id, after: c.id });
      assert.deepEqual(await order(as, list), ['C', 'B', 'D', 'A']);
      // Stale version: CONFLICT, nothing moves.
      const stale = await as<{ moveTodo: Payload }>(MOVE, { todo: b.id, after: a.id, ifVersion: 1 });
      assert.deepEqual(codes(stale.moveTodo), ['CONFLICT:ifVersion']);
      assert.deepEqual(await order(as, list), ['C', 'B', 'D', 'A']);
    });

    it('refuses placements that break a rule, with a code naming the argument', async () => {
      const as = await signedIn(server, 'order-refused');
      const list = await newList(as, 'Rules');
      const other = await newList(as, 'Other');
      const a = await add(as, { description: 'A', list });
      const b = await add(as, { description: 'B', list });
      const sub = await add(as, { description: 'A.1', parent: a.id });
      const far = await add(as, { description: 'Far', list: other });
      const cases: [Record<string, unknown>, string][] = [
        [{ todo: a.id }, 'INVALID_POSITION:null'],
        [{ todo: a.id, before: b.id, after: b.id }, 'INVALID_POSITION:null'],
        [{ todo: a.id, after: a.id }, 'INVALID_POSITION:after'],
        [{ todo: a.id, before: far.id }, 'INVALID_POSITION:before'],
        [{ todo: b.id, after: 'not-an-id' }, 'NOT_FOUND:after'],
        [{ todo: 'nope', after: b.id }, 'NOT_FOUND:todo'],
        // A todo with subtasks cannot become one.
        [{ todo: a.id, after: sub.id }, 'INVALID_POSITION:after'],
      ];
      for (const [variables, expected] of cases) {
        const answer = await as<{ moveTodo: Payload }>(MOVE, variables);
        assert.deepEqual(codes(answer.moveTodo), [expected], JSON.stringify(variables));
      }
      const viewer = await signedIn(server, 'order-viewer');
      await as(`mutation { shareList(list: "${list}", username: "order-viewer", role: VIEWER) { status } }`);
      const byViewer = await viewer<{ moveTodo: Payload }>(MOVE, { todo: b.id, before: a.id });
      assert.deepEqual(codes(byViewer.moveTodo), ['NOT_FOUND:todo']);
      const stranger = await signedIn(server, 'order-stranger');
      const mine = await add(stranger, { description: 'Mine' });
      const beside = await stranger<{ moveTodo: Payload }>(MOVE, { todo: mine.id, after: a.id });
      assert.deepEqual(codes(beside.moveTodo), ['NOT_FOUND:after']);
      assert.deepEqual(await order(as, list), ['A', 'B']);
    });

    it('gives racing additions and racing moves their own positions, and every move lands where asked', async () => {
      const owner = await signedIn(server, 'order-racer');
      const editor = await signedIn(server, 'order-racer-editor');
      const list = await newList(owner, 'Race');
      await owner(`mutation { shareList(list: "${list}", username: "order-racer-editor", role: EDITOR) { status } }`);
      const callers = [owner, editor];
      const added = await Promise.all(
        Array.from({ length: 20 }, (_, i) => add(callers[i % 2] ?? owner, { description: `T${i}`, list })),
      );
      assert.equal(new Set(added.map((todo) => todo.position)).size, 20, 'no two additions share a position');
      // In the order the additions took their places, whichever came first.
      const byName = new Map(added.map((todo) => [todo.description, todo]));
      const placed = (await order(owner, list)).flatMap((name) => byName.get(name) ?? []);
      const pillars = placed.slice(0, 10);
      const movers = placed.slice(10);
      // Each mover goes after its own pillar, all at once.
      await Promise.all(
        movers.map((todo, i) => (callers[i % 2] ?? owner)(MOVE, { todo: todo.id, after: pillars[(i * 3) % 10]?.id })),
      );
      const expected = pillars.flatMap((pillar, p) => {
        const mover = movers.find((_, i) => (i * 3) % 10 === p);
        return mover ? [pillar.description, mover.description] : [pillar.description];
      });
      assert.deepEqual(await order(owner, list), expected);
      // Ten at once into one gap: all land between the two, each with its own key.
      const [first, second] = await order(owner, list);
      const firstTodo = added.find((todo) => todo.description === first);
      await Promise.all(
        added
          .filter((todo) => todo.description !== first && todo.description !== second)
          .slice(0, 10)
          .map((todo, i) => (callers[i % 2] ?? owner)(MOVE, { todo: todo.id, after: firstTodo?.id })),
      );
      const final = await order(owner, list);
      assert.equal(final.length, 20);
      assert.equal(final[0], first);
      assert.equal(final[11], second, 'the ten moved in sit between the two');
      const { list: read } = await owner<{ list: { todos: { edges: { node: { position: string } }[] } } }>(
        `{ list(id: "${list}") { todos(first: 100) { edges { node { position } } } } }`,
      );
      assert.equal(new Set(read.todos.edges.map(({ node }) => node.position)).size, 20);
    });

    it('respaces siblings when one gap has been split so often that its keys grow long', async () => {
      const as = await signedIn(server, 'order-respacer');
      const list = await newList(as, 'Narrow');
      const names = ['Start', 'X', 'Y', 'End'];
      const todos: Todo[] = [];
      for (const description of names) todos.push(await add(as, { description, list }));
      const [start, x, y] = todos;
      assert.ok(start && x && y);
      // Each move goes right after Start, splitting the gap between Start and the last one moved.
      let longest = 0;
      for (let i = 0; i < 700; i += 1) {
        const { moveTodo } = await as<{ moveTodo: Payload }>(MOVE, { todo: (i % 2 ? y : x).id, after: start.id });
        longest = Math.max(longest, moveTodo.todo?.position.length ?? 0);
      }
      assert.ok(longest <= 100, `keys stay at most 100 characters (longest ${longest})`);
      // Respaced or not, each write to X is one entry whose old key is the key the entry before left.
      const { todo: history } = await as<{
        todo: {
          todo: {
            history: { edges: { node: { changes: { field: string; oldValue: string; newValue: string }[] } }[] };
          };
        };
      }>(
        `{ todo(todoId: "${x.id}") { todo { history(first: 100) { edges { node { changes { field oldValue newValue } } } } } } }`,
      );
      const keys = history.todo.history.edges.map(({ node }) =>
        node.changes.find((change) => change.field === 'position'),
      );
      keys.slice(0, -1).forEach((key, i) => assert.equal(key?.oldValue, keys[i + 1]?.newValue, `entry ${i}`));
      assert.deepEqual(await order(as, list), ['Start', 'Y', 'X', 'End']);
      const { todo } = await as<{ todo: { todo: { position: string } } }>(
        `{ todo(todoId: "${start.id}") { todo { position } } }`,
      );
      assert.ok(todo.todo.position.length < 10, 'the siblings were given short keys again');
    });
  });
}
