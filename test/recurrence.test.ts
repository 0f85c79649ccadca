/**
 * Recurring todos, on both databases, through HTTP: a rule on a todo, its
 * summary, completing it by every mutation that completes (it records the
 * occurrence and moves to the next, across DST changes), COUNT used up,
 * validation, access, history and sync, and racing completions on PostgreSQL.
 *
 * The server runs in this process, whose zone is set to one east of UTC with DST: a due date
 * computed through local midnight would land on the previous day for half the year.
 */
process.env.TZ = 'Europe/Berlin';

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, signedIn, type Caller } from './helpers/accounts.js';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { Inbox } from './helpers/inbox.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/until.js';

interface Recurrence {
  rule: string;
  timeZone: string;
  summary: string;
  remaining: number | null;
  nextOccurrences: string[];
}
interface Todo {
  id: string;
  dueOn: string;
  completed: boolean;
  version: number;
  recurrence: Recurrence | null;
  completions: { occurrence: string; completedBy: { username: string } | null }[];
}
interface Payload {
  status: boolean;
  errors: { code: string; field: string | null; message: string }[];
  todo: Todo | null;
}

const TODO = `id dueOn completed version
  recurrence { rule timeZone summary remaining nextOccurrences(first: 3) }
  completions { occurrence completedBy { username } }`;
const ADD = `mutation ($input: TodoInput!) { addTodo(input: $input) { status errors { code field message } todo { ${TODO} } } }`;
const UPDATE = `mutation ($todo: ID!, $input: TodoInput!, $ifVersion: Int) {
  updateTodo(todo: $todo, input: $input, ifVersion: $ifVersion) { status errors { code field message } todo { ${TODO} } }
}`;
const COMPLETE = `mutation ($todos: [ID!]!) { completeTodos(todos: $todos) { status errors { code } todos { ${TODO} } } }`;

async function addRecurring(as: Caller, dueOn: string, rule: string, timeZone?: string, list?: string): Promise<Todo> {
  const { addTodo } = await as<{ addTodo: Payload }>(ADD, {
    input: { description: `Repeat ${rule}`, dueOn, list, recurrence: { rule, timeZone } },
  });
  assert.deepEqual(addTodo.errors, []);
  assert.ok(addTodo.todo);
  return addTodo.todo;
}

const read = async (as: Caller, id: string): Promise<Todo> =>
  (await as<{ node: Todo }>(`query ($id: ID!) { node(id: $id) { ... on Todo { ${TODO} } } }`, { id })).node;

/** Completes `id` by each of the three ways a todo is completed, in turn, and answers the due dates it moved through. */
async function completeThreeWays(as: Caller, id: string): Promise<string[]> {
  const dates: string[] = [];
  const byUpdate = await as<{ updateTodo: Payload }>(UPDATE, { todo: id, input: { completed: true } });
  dates.push(byUpdate.updateTodo.todo?.dueOn ?? 'failed');
  const byBulk = await as<{ completeTodos: { todos: Todo[] } }>(COMPLETE, { todos: [id] });
  dates.push(byBulk.completeTodos.todos[0]?.dueOn ?? 'failed');
  const byTutorial = await as<{ markDone: { todo: { completed: boolean } } }>(
    `mutation { markDone(todoId: "${id}") { todo { completed } } }`,
  );
  assert.equal(byTutorial.markDone.todo.completed, false, 'markDone leaves a recurring todo open');
  dates.push((await read(as, id)).dueOn);
  return dates;
}

for (const target of databaseTargets) {
  describe(`recurring todos on ${target.name}`, { skip: target.skip }, () => {
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

    it('completed three times, lands on the right days across DST changes and short months', async () => {
      const as = await signedIn(server, 'recur-dst');
      const cases = [
        // Europe's spring change is on 28 March 2027, the United States' on 14 March, the autumn one on 31 October.
        {
          dueOn: '2027-03-22',
          rule: 'FREQ=WEEKLY;BYDAY=MO,TH',
          zone: 'Europe/Berlin',
          dates: ['2027-03-25', '2027-03-29', '2027-04-01'],
        },
        {
          dueOn: '2027-03-08',
          rule: 'FREQ=WEEKLY',
          zone: 'America/New_York',
          dates: ['2027-03-15', '2027-03-22', '2027-03-29'],
        },
        {
          dueOn: '2027-03-13',
          rule: 'FREQ=DAILY',
          zone: 'America/New_York',
          dates: ['2027-03-14', '2027-03-15', '2027-03-16'],
        },
        {
          dueOn: '2027-10-30',
          rule: 'FREQ=DAILY',
          zone: 'Europe/Berlin',
          dates: ['2027-10-31', '2027-11-01', '2027-11-02'],
        },
        {
          dueOn: '2027-01-31',
          rule: 'FREQ=MONTHLY;BYMONTHDAY=31',
          zone: 'Europe/Berlin',
          dates: ['2027-03-31', '2027-05-31', '2027-07-31'],
        },
        {
          dueOn: '2027-10-25',
          rule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO',
          zone: 'Australia/Sydney',
          dates: ['2027-11-08', '2027-11-22', '2027-12-06'],
        },
      ];
      for (const { dueOn, rule, zone, dates } of cases) {
        const todo = await addRecurring(as, dueOn, rule, zone);
        assert.deepEqual(await completeThreeWays(as, todo.id), dates, `${rule} in ${zone}`);
        const now = await read(as, todo.id);
        assert.equal(now.completed, false);
        assert.equal(now.version, 4, 'one version per completion');
        assert.deepEqual(
          now.completions.map(({ occurrence }) => occurrence),
          [dates[1], dates[0], dueOn],
          'completions, newest first',
        );
        assert.equal(now.completions[0]?.completedBy?.username, 'recur-dst');
      }
    });

    it('says the rule in English and lists the coming due dates', async () => {
      const as = await signedIn(server, 'recur-summary');
      const weekly = await addRecurring(as, '2027-03-22', 'RRULE:freq=weekly;byday=mo,th', 'Europe/Berlin');
      assert.deepEqual(weekly.recurrence, {
        rule: 'FREQ=WEEKLY;BYDAY=MO,TH',
        timeZone: 'Europe/Berlin',
        summary: 'every week on Monday, Thursday',
        remaining: null,
        nextOccurrences: ['2027-03-22', '2027-03-25', '2027-03-29'],
      });
      const monthly = await addRecurring(as, '2027-01-31', 'FREQ=MONTHLY;BYMONTHDAY=31;COUNT=2');
      assert.equal(monthly.recurrence?.summary, 'every month on the 31st for 2 times');
      assert.deepEqual(monthly.recurrence.nextOccurrences, ['2027-01-31', '2027-03-31']);
      assert.equal(monthly.recurrence.timeZone, 'UTC', 'UTC unless a zone is given');
      const plain = await as<{ addTodo: Payload }>(ADD, { input: { description: 'Once', dueOn: '2027-01-01' } });
      assert.equal(plain.addTodo.todo?.recurrence, null);
    });

    it("reads an UNTIL given in UTC as the day it is in the rule's zone", async () => {
      const as = await signedIn(server, 'recur-until');
      // 23:00 UTC on 1 March is already 2 March in Berlin, still 1 March in New York.
      const rule = 'FREQ=DAILY;UNTIL=20270301T230000Z';
      const berlin = await addRecurring(as, '2027-02-27', rule, 'Europe/Berlin');
      const newYork = await addRecurring(as, '2027-02-27', rule, 'America/New_York');
      assert.equal(berlin.recurrence?.summary, 'every day until March 2, 2027');
      const days = async (todo: Todo) =>
        (
          await as<{ node: Todo }>(
            `{ node(id: "${todo.id}") { ... on Todo { recurrence { nextOccurrences(first: 10) } } } }`,
          )
        ).node.recurrence?.nextOccurrences;
      assert.deepEqual(await days(berlin), ['2027-02-27', '2027-02-28', '2027-03-01', '2027-03-02']);
      assert.deepEqual(await days(newYork), ['2027-02-27', '2027-02-28', '2027-03-01']);
    });

    it('completes the todo for good when COUNT is used up, and reopening is as before', async () => {
      const as = await signedIn(server, 'recur-count');
      const todo = await addRecurring(as, '2027-06-07', 'FREQ=WEEKLY;COUNT=2');
      assert.equal(todo.recurrence?.remaining, 2);
      const first = await as<{ updateTodo: Payload }>(UPDATE, { todo: todo.id, input: { completed: true } });
      assert.deepEqual(
        { dueOn: first.updateTodo.todo?.dueOn, completed: first.updateTodo.todo?.completed },
        { dueOn: '2027-06-14', completed: false },
      );
      assert.equal(first.updateTodo.todo?.recurrence?.remaining, 1);
      const last = await as<{ updateTodo: Payload }>(UPDATE, { todo: todo.id, input: { completed: true } });
      assert.equal(last.updateTodo.todo?.completed, true);
      assert.equal(last.updateTodo.todo.dueOn, '2027-06-14', 'the last occurrence stays its due date');
      assert.equal(last.updateTodo.todo.recurrence?.remaining, 0);
      assert.deepEqual(last.updateTodo.todo.recurrence.nextOccurrences, []);
      assert.equal(last.updateTodo.todo.completions.length, 2);

      const reopened = await as<{ reopenTodos: { todos: Todo[] } }>(
        `mutation { reopenTodos(todos: ["${todo.id}"]) { todos { ${TODO} } } }`,
      );
      assert.deepEqual(
        reopened.reopenTodos.todos.map(({ dueOn, completed }) => ({ dueOn, completed })),
        [{ dueOn: '2027-06-14', completed: false }],
      );
      // Completing an already completed todo records nothing more.
      await as<{ updateTodo: Payload }>(UPDATE, { todo: todo.id, input: { completed: true } });
      await as<{ updateTodo: Payload }>(UPDATE, { todo: todo.id, input: { completed: true } });
      assert.equal((await read(as, todo.id)).completions.length, 3);
    });

    it('completes recurring and plain todos in one bulk call, each by its own rule', async () => {
      const as = await signedIn(server, 'recur-bulk');
      const recurring = await addRecurring(as, '2027-05-03', 'FREQ=DAILY;INTERVAL=3');
      const { addTodo } = await as<{ addTodo: Payload }>(ADD, { input: { description: 'Plain', dueOn: '2027-05-03' } });
      assert.ok(addTodo.todo);
      const { completeTodos } = await as<{ completeTodos: { status: boolean; todos: Todo[] } }>(COMPLETE, {
        todos: [recurring.id, addTodo.todo.id],
      });
      assert.equal(completeTodos.status, true);
      assert.deepEqual(
        completeTodos.todos.map(({ dueOn, completed, version, completions }) => ({
          dueOn,
          completed,
          version,
          completions: completions.length,
        })),
        [
          { dueOn: '2027-05-06', completed: false, version: 2, completions: 1 },
          { dueOn: '2027-05-03', completed: true, version: 2, completions: 0 },
        ],
      );
    });

    it('sets, replaces and clears a rule with updateTodo, in history like any field', async () => {
      const as = await signedIn(server, 'recur-edit');
      const { addTodo } = await as<{ addTodo: Payload }>(ADD, { input: { description: 'Later', dueOn: '2027-04-01' } });
      const id = addTodo.todo?.id ?? '';
      const set = await as<{ updateTodo: Payload }>(UPDATE, {
        todo: id,
        input: { recurrence: { rule: 'FREQ=MONTHLY', timeZone: 'Asia/Tokyo' } },
      });
      assert.equal(set.updateTodo.todo?.recurrence?.summary, 'every month');
      assert.equal(set.updateTodo.todo.version, 2);
      await as(UPDATE, { todo: id, input: { completed: true } });
      await as(UPDATE, { todo: id, input: { recurrence: null } });
      const plain = await as<{ updateTodo: Payload }>(UPDATE, { todo: id, input: { completed: true } });
      assert.equal(plain.updateTodo.todo?.recurrence, null);
      assert.equal(plain.updateTodo.todo.completed, true, 'without a rule, completing completes');
      assert.equal(plain.updateTodo.todo.dueOn, '2027-05-01');

      const { node } = await as<{
        node: {
          history: {
            edges: { node: { changes: { field: string; oldValue: string | null; newValue: string | null }[] } }[];
          };
        };
      }>(
        `{ node(id: "${id}") { ... on Todo { history(first: 10) { edges { node { changes { field oldValue newValue } } } } } } }`,
      );
      const entries = node.history.edges.map((edge) => edge.node.changes);
      assert.equal(entries.length, 5);
      assert.deepEqual(entries.slice(0, 4), [
        [{ field: 'completed', oldValue: 'false', newValue: 'true' }],
        [{ field: 'recurrence', oldValue: 'FREQ=MONTHLY (Asia/Tokyo)', newValue: null }],
        [
          { field: 'dueOn', oldValue: '2027-04-01', newValue: '2027-05-01' },
          { field: 'completedOccurrence', oldValue: null, newValue: '2027-04-01' },
        ],
        [{ field: 'recurrence', oldValue: null, newValue: 'FREQ=MONTHLY (Asia/Tokyo)' }],
      ]);
    });

    it('refuses rules it cannot keep with INVALID_RECURRENCE, and writes nothing', async () => {
      const as = await signedIn(server, 'recur-invalid');
      const refused: [string, string | undefined][] = [
        ['FREQ=HOURLY', undefined],
        ['FREQ=MINUTELY;INTERVAL=5', undefined],
        ['FREQ=DAILY;BYHOUR=9', undefined],
        ['not a rule', undefined],
        ['FREQ=WEEKLY;BYDAY=XX', undefined],
        ['DTSTART:20270101T000000Z\nRRULE:FREQ=DAILY', undefined],
        ['FREQ=DAILY;COUNT=0', undefined],
        ['FREQ=DAILY;COUNT=3;UNTIL=20280101', undefined],
        [`FREQ=DAILY;${'BYMONTH=1;'.repeat(40)}`, undefined],
        // No day is 30 February: refused when written, not searched for at each completion.
        ['FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', undefined],
        ['FREQ=WEEKLY', 'Mars/Olympus_Mons'],
        ['FREQ=WEEKLY', ''],
      ];
      for (const [rule, timeZone] of refused) {
        const answer = await as<{ addTodo: Payload }>(ADD, {
          input: { description: 'Never', dueOn: '2027-01-01', recurrence: { rule, timeZone } },
        });
        assert.equal(answer.addTodo.status, false, rule);
        assert.deepEqual(
          answer.addTodo.errors.map(({ code, field }) => ({ code, field })),
          [{ code: 'INVALID_RECURRENCE', field: 'recurrence' }],
          rule,
        );
      }
      const { todos } = await as<{ todos: { todos: unknown[] } }>('{ todos { todos { id } } }');
      assert.equal(todos.todos.length, 0);
    });

    it('searches a rule a bounded number of its own steps: a sparse day is found yearly, refused daily', async () => {
      const as = await signedIn(server, 'recur-sparse');
      // The next 29 February that is a Monday is in 2044: 17 yearly steps, over 6,000 daily ones.
      const sparse = 'BYMONTH=2;BYMONTHDAY=29;BYDAY=MO';
      const daily = await as<{ addTodo: Payload }>(ADD, {
        input: { description: 'Leap Monday', dueOn: '2027-01-01', recurrence: { rule: `FREQ=DAILY;${sparse}` } },
      });
      assert.deepEqual(
        daily.addTodo.errors.map(({ code }) => code),
        ['INVALID_RECURRENCE'],
      );
      const yearly = await addRecurring(as, '2027-01-01', `FREQ=YEARLY;${sparse}`);
      assert.deepEqual(yearly.recurrence?.nextOccurrences, ['2027-01-01', '2044-02-29', '2072-02-29']);
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
      'completes one occurrence once when racers send ifVersion, and one each without it',
      { skip: target.name === 'postgres' ? false : 'races run on PostgreSQL' },
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
