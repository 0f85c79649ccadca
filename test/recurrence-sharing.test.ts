/**
 * Recurring todos among several people and clients, on both databases: shared
 * lists (editor, viewer, stranger), the anonymous space, sync and live events,
 * deletion, and completions racing on PostgreSQL. The rules themselves are in
 * recurrence.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { call, signedIn } from './helpers/accounts.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { Inbox } from './helpers/inbox.js';
import { COMPLETE, TODO, UPDATE, addRecurring, read, type Payload, type Todo } from './helpers/recurrence.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/until.js';

for (const target of databaseTargets) {
  describe(`recurring todos shared, synced and raced on ${target.name}`, { skip: target.skip }, () => {
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

    it('lets an editor complete a shared recurring todo, a viewer only read it, a stranger nothing', async () => {
      const owner = await signedIn(server, 'recur-owner');
      const editor = await signedIn(server, 'recur-editor');
      const viewer = await signedIn(server, 'recur-viewer');
      const stranger = await signedIn(server, 'recur-stranger');
      const { createList } = await owner<{ createList: { list: { id: string } } }>(
        'mutation { createList(input: { name: "Chores" }) { list { id } } }',
      );
      const list = createList.list.id;
      for (const [name, role] of [
        ['recur-editor', 'EDITOR'],
        ['recur-viewer', 'VIEWER'],
      ]) {
        await owner(`mutation { shareList(list: "${list}", username: "${name}", role: ${role}) { status } }`);
      }
      const todo = await addRecurring(owner, '2027-09-06', 'FREQ=WEEKLY', 'Europe/Paris', list);

      for (const as of [viewer, stranger]) {
        const tries = [
          await as<{ updateTodo: Payload }>(UPDATE, { todo: todo.id, input: { completed: true } }),
          await as<{ updateTodo: Payload }>(UPDATE, { todo: todo.id, input: { recurrence: { rule: 'FREQ=DAILY' } } }),
        ];
        for (const answer of tries)
          assert.deepEqual(
            answer.updateTodo.errors.map(({ code }) => code),
            ['NOT_FOUND'],
          );
        const bulk = await as<{ completeTodos: { errors: { code: string }[] } }>(COMPLETE, { todos: [todo.id] });
        assert.deepEqual(
          bulk.completeTodos.errors.map(({ code }) => code),
          ['NOT_FOUND'],
        );
        const tutorial = await as<{ markDone: { success: boolean } }>(
          `mutation { markDone(todoId: "${todo.id}") { success } }`,
        );
        assert.equal(tutorial.markDone.success, false);
      }
      const seen = await viewer<{ node: Todo | null }>(`{ node(id: "${todo.id}") { ... on Todo { ${TODO} } } }`);
      assert.equal(seen.node?.recurrence?.rule, 'FREQ=WEEKLY');
      const hidden = await stranger<{ node: Todo | null }>(`{ node(id: "${todo.id}") { ... on Todo { id } } }`);
      assert.equal(hidden.node, null);

      const done = await editor<{ updateTodo: Payload }>(UPDATE, { todo: todo.id, input: { completed: true } });
      assert.equal(done.updateTodo.todo?.dueOn, '2027-09-13');
      const now = await read(viewer, todo.id);
      assert.deepEqual(now.completions, [{ occurrence: '2027-09-06', completedBy: { username: 'recur-editor' } }]);
      assert.equal(now.version, 2, 'only the editor wrote');
    });

    it('shows the move to a client syncing from before it', async () => {
      const as = await signedIn(server, 'recur-sync');
      const todo = await addRecurring(as, '2027-02-26', 'FREQ=MONTHLY;BYDAY=-1FR');
      const { changesSince: start } = await as<{ changesSince: { cursor: string } }>(
        '{ changesSince(first: 10) { cursor } }',
      );
      await as(COMPLETE, { todos: [todo.id] });
      const { changesSince } = await as<{
        changesSince: {
          changes: { todo: { id: string; dueOn: string; completed: boolean; version: number } | null }[];
        };
      }>(
        `query ($cursor: String) { changesSince(cursor: $cursor, first: 10) { changes { todo { id dueOn completed version } } } }`,
        {
          cursor: start.cursor,
        },
      );
      // The last Friday of March 2027.
      assert.deepEqual(
        changesSince.changes.map((change) => change.todo),
        [{ id: todo.id, dueOn: '2027-03-26', completed: false, version: 2 }],
      );
    });

    it('works in the anonymous space, where completions have no one to name', async () => {
      const anonymous = async <T>(query: string, variables?: Record<string, unknown>): Promise<T> => {
        const answer = await call(server, query, variables);
        assert.equal(answer.body.errors, undefined);
        return answer.body.data as T;
      };
      const todo = await addRecurring(anonymous, '2027-07-31', 'FREQ=MONTHLY');
      const { markDone } = await anonymous<{ markDone: { success: boolean } }>(
        `mutation { markDone(todoId: "${todo.id}") { success } }`,
      );
      assert.equal(markDone.success, true);
      const now = await read(anonymous, todo.id);
      assert.equal(now.dueOn, '2027-08-31');
      assert.deepEqual(now.completions, [{ occurrence: '2027-07-31', completedBy: null }]);
    });

    it('tells subscribers of the move, and deletes a recurring todo with its rule and completions', async () => {
      const as = await signedIn(server, 'recur-live');
      const todo = await addRecurring(as, '2027-12-30', 'FREQ=YEARLY');
      await as(COMPLETE, { todos: [todo.id] });
      const client = createClient({
        url: server.graphqlUrl.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: { token: as.token },
        retryAttempts: 0,
      });
      const events = new Inbox<{ kind: string; todo: { id: string; dueOn: string; completed: boolean } | null }>();
      client.subscribe<{ changes: { kind: string; todo: { id: string; dueOn: string; completed: boolean } | null } }>(
        { query: 'subscription { changes { kind todo { id dueOn completed } } }' },
        {
          next: (result) => (result.data ? events.push(result.data.changes) : events.fail(result.errors)),
          error: (error) => events.fail(error),
          complete: () => undefined,
        },
      );
      try {
        // Once a write of its own is heard, the subscription is in place.
        await until(async () => {
          await as(UPDATE, { todo: todo.id, input: { notes: 'ready?' } });
          return (await events.takeAtLeast(1, 200)).length > 0;
        }, 'the subscription to hear a change');
        await as(UPDATE, { todo: todo.id, input: { completed: true } });
        const [heard] = await events.takeAtLeast(1);
        assert.deepEqual(heard, { kind: 'UPDATED', todo: { id: todo.id, dueOn: '2029-12-30', completed: false } });
      } finally {
        await client.dispose();
      }

      const deleted = await as<{ deleteTodos: { status: boolean } }>(
        `mutation { deleteTodos(todos: ["${todo.id}"]) { status } }`,
      );
      assert.equal(deleted.deleteTodos.status, true);
      assert.equal((await as<{ node: unknown }>(`{ node(id: "${todo.id}") { id } }`)).node, null);
    });

    it(
      // On SQLite the racers queue; on PostgreSQL they really race.
      'completes one occurrence once when racers send ifVersion, and one each without it',
      async () => {
        const owner = await signedIn(server, 'recur-racer');
        const editor = await signedIn(server, 'recur-racer-editor');
        const { createList } = await owner<{ createList: { list: { id: string } } }>(
          'mutation { createList(input: { name: "Rota" }) { list { id } } }',
        );
        await owner(
          `mutation { shareList(list: "${createList.list.id}", username: "recur-racer-editor", role: EDITOR) { status } }`,
        );
        const racers = [owner, editor, owner, editor, owner, editor];

        const careful = await addRecurring(owner, '2027-03-01', 'FREQ=DAILY', 'UTC', createList.list.id);
        const answers = await Promise.all(
          racers.map((as) =>
            as<{ updateTodo: Payload }>(UPDATE, { todo: careful.id, input: { completed: true }, ifVersion: 1 }),
          ),
        );
        assert.equal(answers.filter((answer) => answer.updateTodo.status).length, 1);
        assert.ok(
          answers.every((answer) => answer.updateTodo.status || answer.updateTodo.errors[0]?.code === 'CONFLICT'),
        );
        const once = await read(owner, careful.id);
        assert.deepEqual(
          { dueOn: once.dueOn, version: once.version, completions: once.completions.map((c) => c.occurrence) },
          { dueOn: '2027-03-02', version: 2, completions: ['2027-03-01'] },
        );

        // Without ifVersion, each completion completes the occurrence due when it runs.
        const blind = await addRecurring(owner, '2027-03-01', 'FREQ=DAILY', 'UTC', createList.list.id);
        await Promise.all(racers.map((as) => as(UPDATE, { todo: blind.id, input: { completed: true } })));
        const each = await read(owner, blind.id);
        assert.equal(each.dueOn, '2027-03-07');
        assert.equal(each.version, 7);
        assert.deepEqual([...each.completions.map((c) => c.occurrence)].sort(), [
          '2027-03-01',
          '2027-03-02',
          '2027-03-03',
          '2027-03-04',
          '2027-03-05',
          '2027-03-06',
        ]);
      },
    );
  });
}
