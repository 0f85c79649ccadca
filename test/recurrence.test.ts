/**
 * Recurring todos, on both databases, through HTTP: a rule on a todo, its
 * summary, completing it by every mutation that completes (it records the
 * occurrence and moves to the next, across DST changes), UNTIL in a zone,
 * COUNT used up, bulk completion, history, and the rules refused. Sharing, sync,
 * live events and races are in recurrence-sharing.test.ts.
 *
 * The server runs in this process, whose zone is set to one east of UTC with
 * DST: a due date computed through local midnight would land on the day before.
 */
process.env.TZ = 'Europe/Berlin';

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, signedIn } from './helpers/accounts.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import {
  ADD,
  COMPLETE,
  TODO,
  UPDATE,
  addRecurring,
  completeThreeWays,
  read,
  type Payload,
  type Todo,
} from './helpers/recurrence.js';
import { startTestServer, type TestServer } from './helpers/server.js';

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
      // rrule's own text leaves BYSETPOS out.
      const lastWeekday = await addRecurring(as, '2027-01-29', 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1');
      assert.equal(lastWeekday.recurrence?.summary, 'every month on weekdays, the last of each month');
      assert.deepEqual(lastWeekday.recurrence.nextOccurrences, ['2027-01-29', '2027-02-26', '2027-03-31']);
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
        ['FREQ=DAILY;BYDAY=1MO', undefined],
        ['FREQ=WEEKLY;BYMONTHDAY=3', undefined],
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

    it('searches each rule and date once per request, and refuses a request that would search past MAX_SEARCHES', async () => {
      const as = await signedIn(server, 'recur-searches');
      const { createList } = await as<{ createList: { list: { id: string } } }>(
        'mutation { createList(input: { name: "Many rules" }) { list { id } } }',
      );
      const list = createList.list.id;
      // 101 todos, each on its own day: 101 searches to answer all their upcoming dates.
      for (let day = 0; day <= 100; day += 1) {
        const dueOn = new Date(Date.UTC(2030, 0, 1 + day)).toISOString().slice(0, 10);
        await as(ADD, { input: { description: `Day ${day}`, dueOn, list, recurrence: { rule: 'FREQ=WEEKLY' } } });
      }
      const dates =
        'recurrence { a: nextOccurrences(first: 3) b: nextOccurrences(first: 20) c: nextOccurrences(first: 3) }';
      const first100 = `todos(first: 100) { edges { node { ${dates} } } }`;
      const page = (more: boolean) =>
        `{ list(id: "${list}") { ${first100} ${more ? `last: todos(last: 1) { edges { node { ${dates} } } }` : ''} } }`;
      // A hundred rules, asked three times each through aliases: searched once each.
      const hundred = await as<{ list: { todos: { edges: { node: { recurrence: { b: string[] } } }[] } } }>(
        page(false),
      );
      assert.equal(hundred.list.todos.edges.length, 100);
      assert.equal(hundred.list.todos.edges[0]?.node.recurrence.b.length, 20);
      // The 101st todo, in the same request, is one search too many.
      const answer = await call(server, page(true), undefined, { token: as.token });
      const [refusal] = answer.body.errors ?? [];
      assert.equal(refusal?.extensions?.code, 'QUERY_LIMIT_EXCEEDED');
      assert.match(refusal.message, /MAX_RECURRENCE_SEARCHES/);
    });
  });
}
