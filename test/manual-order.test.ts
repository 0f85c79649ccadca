/**
 * Manual order, on both databases: `moveTodo` places one todo before or after
 * another, rewriting that todo alone, so racing moves and racing additions
 * never share a position; keys grown long are respaced.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedIn } from './helpers/accounts.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { MOVE, add, codes, newList, order, subtasksOf, type Payload, type Todo } from './helpers/subtasks.js';

for (const target of databaseTargets) {
  describe(`manual order on ${target.name}`, { skip: target.skip }, () => {
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
