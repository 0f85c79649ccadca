/**
 * History on both databases: every change to a todo or list is recorded with
 * who, when and the old and new values, in the transaction of the change (a
 * refused or rolled-back write leaves none, racing writers leave an unbroken
 * chain); `Todo.history` and `TodoList.activity` page newest first; members see
 * only what happened in lists they can read; entries past retention are deleted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { call, signedIn, type Caller } from './helpers/accounts.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface Entry {
  action: string;
  actor: { username: string } | null;
  member: { username: string } | null;
  todoId: string | null;
  listId: string;
  previousListId: string | null;
  changes: { field: string; oldValue: string | null; newValue: string | null }[];
}
interface HistoryPage {
  edges: { cursor: string; node: Entry & { id: string; at: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const ENTRY = `id at action actor { username } member { username } todoId listId previousListId
  changes { field oldValue newValue }`;
const TODO_HISTORY = `query ($id: ID!, $first: Int, $after: String) {
  todo(todoId: $id) { todo { history(first: $first, after: $after) {
    edges { cursor node { ${ENTRY} } } pageInfo { hasNextPage endCursor } } } }
}`;
const LIST_ACTIVITY = `query ($id: ID!, $first: Int, $after: String) {
  list(id: $id) { activity(first: $first, after: $after) {
    edges { cursor node { ${ENTRY} } } pageInfo { hasNextPage endCursor } } }
}`;

const historyOf = async (as: Caller, id: string, first = 50, after?: string) =>
  (await as<{ todo: { todo: { history: HistoryPage } } }>(TODO_HISTORY, { id, first, after })).todo.todo.history;
const activityOf = async (as: Caller, id: string, first = 50, after?: string) =>
  (await as<{ list: { activity: HistoryPage } }>(LIST_ACTIVITY, { id, first, after })).list.activity;

/** An entry without its id and time, which no test can predict. */
const plain = ({ node }: HistoryPage['edges'][number]): Entry => ({
  action: node.action,
  actor: node.actor,
  member: node.member,
  todoId: node.todoId,
  listId: node.listId,
  previousListId: node.previousListId,
  changes: node.changes,
});

async function createList(as: Caller, name: string): Promise<string> {
  const data = await as<{ createList: { list: { id: string } } }>(
    'mutation ($name: String) { createList(input: { name: $name }) { list { id } } }',
    { name },
  );
  return data.createList.list.id;
}

async function addTodo(as: Caller, input: Record<string, unknown>): Promise<string> {
  const data = await as<{ addTodo: { todo: { id: string } } }>(
    'mutation ($input: TodoInput!) { addTodo(input: $input) { todo { id } } }',
    { input },
  );
  return data.addTodo.todo.id;
}

const change = (field: string, oldValue: string | null, newValue: string | null) => ({ field, oldValue, newValue });

for (const target of databaseTargets) {
  describe(`history on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;
    let statements: string[] = [];
    const start = (env: Record<string, string> = {}) =>
      startTestServer(db, env, { onStatement: (sqlText) => statements.push(sqlText) });

    before(async () => {
      db = await target.create();
      server = await start();
    });
    after(async () => {
      await server.close();
      await db.drop();
    });

    it("records a todo's life, field by field, whichever mutation changed it", async () => {
      const as = await signedIn(server, 'history-keeper');
      const { lists } = await as<{ lists: { id: string }[] }>('{ lists { id } }');
      const inbox = lists[0]?.id ?? '';
      const errands = await createList(as, 'Errands');
      const id = await addTodo(as, { description: 'Buy bread', dueOn: '2027-03-01' });
      await as(
        `mutation { updateTodo(todo: "${id}", input: { description: "Buy rye bread", priority: HIGH, notes: "Seeded" }) { status } }`,
      );
      await as(`mutation { markDone(todoId: "${id}") { success } }`);
      await as(`mutation { markDone(todoId: "${id}") { success } }`); // changes nothing: no entry
      await as(`mutation { updateDueDate(todoId: "${id}", newDate: "02-03-2027") { success } }`);
      await as(`mutation { moveTodos(todos: ["${id}"], list: "${errands}") { status } }`);
      await as(`mutation { updateTodo(todo: "${id}", input: { notes: null, completed: false }) { status } }`);

      const history = await historyOf(as, id);
      const me = { username: 'history-keeper' };
      const common = { actor: me, member: null, todoId: id };
      assert.deepEqual(history.edges.map(plain), [
        {
          ...common,
          action: 'UPDATED',
          listId: errands,
          previousListId: null,
          changes: [change('notes', 'Seeded', null), change('completed', 'true', 'false')],
        },
        {
          ...common,
          action: 'UPDATED',
          listId: errands,
          previousListId: inbox,
          changes: [change('list', inbox, errands)],
        },
        {
          ...common,
          action: 'UPDATED',
          listId: inbox,
          previousListId: null,
          changes: [change('dueOn', '2027-03-01', '2027-03-02')],
        },
        {
          ...common,
          action: 'UPDATED',
          listId: inbox,
          previousListId: null,
          changes: [change('completed', 'false', 'true')],
        },
        {
          ...common,
          action: 'UPDATED',
          listId: inbox,
          previousListId: null,
          changes: [
            change('description', 'Buy bread', 'Buy rye bread'),
            change('notes', null, 'Seeded'),
            change('priority', 'NORMAL', 'HIGH'),
          ],
        },
        {
          ...common,
          action: 'CREATED',
          listId: inbox,
          previousListId: null,
          changes: [
            change('description', null, 'Buy bread'),
            change('priority', null, 'NORMAL'),
            change('dueOn', null, '2027-03-01'),
            change('completed', null, 'false'),
            change('list', null, inbox),
            // Its place in manual order: first in the Inbox.
            change('position', null, 'a0'),
          ],
        },
      ]);
      assert.equal(history.pageInfo.hasNextPage, false);
      const times = history.edges.map((edge) => edge.node.at);
      assert.deepEqual([...times].sort().reverse(), times, 'newest first');

      // Deleted, the todo leaves its last values in its list's activity; the move shows in both lists.
      await as(`mutation { deleteTodo(todoId: "${id}") { success } }`);
      const activity = await activityOf(as, errands);
      assert.deepEqual(activity.edges.map(plain)[0], {
        ...common,
        action: 'DELETED',
        listId: errands,
        previousListId: null,
        changes: [
          change('description', 'Buy rye bread', null),
          change('priority', 'HIGH', null),
          change('dueOn', '2027-03-02', null),
          change('completed', 'false', null),
          change('list', errands, null),
          change('position', 'a0', null),
        ],
      });
      const inboxActions = (await activityOf(as, inbox)).edges.map(({ node }) => node.changes.map((c) => c.field));
      assert.deepEqual(inboxActions[0], ['list'], "the move is the newest entry in the Inbox's activity");
    });

    it("records a list's renames and sharing, naming the member", async () => {
      const owner = await signedIn(server, 'history-owner');
      await signedIn(server, 'history-member');
      const list = await createList(owner, 'Books');
      await owner(`mutation { updateList(list: "${list}", input: { name: "Novels" }) { status } }`);
      await owner(`mutation { updateList(list: "${list}", input: { name: "Novels" }) { status } }`); // no change
      const share = (role: string) =>
        owner(`mutation { shareList(list: "${list}", username: "history-member", role: ${role}) { status } }`);
      await share('VIEWER');
      await share('EDITOR');
      await share('EDITOR'); // no change
      await owner(`mutation { unshareList(list: "${list}", username: "history-member") { status } }`);
      const me = { username: 'history-owner' };
      const member = { username: 'history-member' };
      const common = { actor: me, todoId: null, listId: list, previousListId: null };
      assert.deepEqual((await activityOf(owner, list)).edges.map(plain), [
        { ...common, action: 'UNSHARED', member, changes: [change('role', 'EDITOR', null)] },
        { ...common, action: 'SHARED', member, changes: [change('role', 'VIEWER', 'EDITOR')] },
        { ...common, action: 'SHARED', member, changes: [change('role', null, 'VIEWER')] },
        { ...common, action: 'UPDATED', member: null, changes: [change('name', 'Books', 'Novels')] },
        { ...common, action: 'CREATED', member: null, changes: [change('name', null, 'Books')] },
      ]);
    });

    it('pages newest first by cursor, each entry once, and refuses bad page arguments', async () => {
      const as = await signedIn(server, 'history-pager');
      const id = await addTodo(as, { description: 'v0' });
      for (let index = 1; index <= 24; index += 1) {
        await as(`mutation { updateTodo(todo: "${id}", input: { description: "v${index}" }) { status } }`);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await historyOf(as, id, 10, cursor);
        seen.push(...page.edges.map(({ node }) => node.changes.find((c) => c.field === 'description')?.newValue ?? ''));
        if (!page.pageInfo.hasNextPage) break;
        cursor = page.pageInfo.endCursor ?? undefined;
      }
      assert.deepEqual(
        seen,
        Array.from({ length: 25 }, (_, index) => `v${24 - index}`),
      );
      const refusals = [{ first: null }, { first: -1 }, { first: 101 }, { first: 5, after: 'bm90LWEtY3Vyc29y' }];
      for (const variables of refusals) {
        const answer = await server.graphql(
          TODO_HISTORY,
          { id, ...variables },
          { authorization: `Bearer ${as.token}` },
        );
        assert.equal(answer.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(variables));
      }
    });

    it('shows a member only what happened while the todo was in a list they can read', async () => {
      const owner = await signedIn(server, 'history-private');
      const member = await signedIn(server, 'history-guest');
      await signedIn(server, 'history-stranger');
      const secret = await createList(owner, 'Private');
      const shared = await createList(owner, 'Shared');
      await owner(`mutation { shareList(list: "${shared}", username: "history-guest", role: VIEWER) { status } }`);
      const id = await addTodo(owner, { description: 'Surprise party', list: secret });
      await owner(`mutation { updateTodo(todo: "${id}", input: { notes: "Do not tell Ann" }) { status } }`);
      await owner(`mutation { updateTodo(todo: "${id}", input: { list: "${shared}", notes: null }) { status } }`);
      const seen = await historyOf(member, id);
      assert.deepEqual(
        seen.edges.map(({ node }) => ({ previous: node.previousListId, changes: node.changes })),
        [{ previous: null, changes: [change('list', null, shared)] }],
        'the move shows where the todo went, not where it came from nor the notes it had there',
      );
      assert.equal((await historyOf(owner, id)).edges.length, 3);
      const secretActivity = await activityOf(owner, secret);
      assert.equal(secretActivity.edges[0]?.node.previousListId, secret, 'the move out shows in the list it left');
      assert.ok(
        !JSON.stringify(await activityOf(member, shared)).includes('Do not tell Ann'),
        'the notes from the private list never reach the member',
      );
      // Nor once the private list is deleted.
      await owner(`mutation { deleteList(list: "${secret}") { status } }`);
      assert.ok(!JSON.stringify(await historyOf(member, id)).includes('Do not tell Ann'));
      assert.ok(!JSON.stringify(await activityOf(member, shared)).includes('Do not tell Ann'));
    });

    it('records nothing for a write that was refused or rolled back', async () => {
      const as = await signedIn(server, 'history-refused');
      const id = await addTodo(as, { description: 'Keep me' });
      const countEntries = async () => (await historyOf(as, id)).edges.length;
      assert.equal(await countEntries(), 1);
      // A bulk operation naming a todo out of reach changes none, and records none.
      const bulk = await as<{ completeTodos: { status: boolean } }>(
        `mutation { completeTodos(todos: ["${id}", "999999"]) { status } }`,
      );
      assert.equal(bulk.completeTodos.status, false);
      const stale = await as<{ updateTodo: { status: boolean } }>(
        `mutation { updateTodo(todo: "${id}", input: { description: "Lost" }, ifVersion: 9) { status } }`,
      );
      assert.equal(stale.updateTodo.status, false);
      const invalid = await as<{ updateTodo: { status: boolean } }>(
        `mutation { updateTodo(todo: "${id}", input: { description: "" }) { status } }`,
      );
      assert.equal(invalid.updateTodo.status, false);
      assert.equal(await countEntries(), 1);
    });

    it('keeps an unbroken chain of old and new values while writers race', async () => {
      const owner = await signedIn(server, 'history-racer');
      const list = await createList(owner, 'Race');
      const editor = await signedIn(server, 'history-racer-2');
      await owner(`mutation { shareList(list: "${list}", username: "history-racer-2", role: EDITOR) { status } }`);
      const id = await addTodo(owner, { description: 'start', list });
      await Promise.all(
        Array.from({ length: 30 }, (_, index) =>
          (index % 2 === 0 ? owner : editor)(
            `mutation { updateTodo(todo: "${id}", input: { description: "take ${index}" }) { status } }`,
          ),
        ),
      );
      const entries = (await historyOf(owner, id)).edges.map(({ node }) => node).reverse();
      assert.equal(entries.length, 31);
      const descriptions = entries.map((entry) => entry.changes.find((c) => c.field === 'description'));
      for (let index = 1; index < descriptions.length; index += 1) {
        assert.equal(
          descriptions[index]?.oldValue,
          descriptions[index - 1]?.newValue,
          `entry ${index} follows the one before`,
        );
      }
      const now = await owner<{ todo: { todo: { description: string } } }>(
        `{ todo(todoId: "${id}") { todo { description } } }`,
      );
      assert.equal(now.todo.todo.description, descriptions.at(-1)?.newValue);
    });

    it('reads the history of a whole page of todos in one statement', async () => {
      const as = await signedIn(server, 'history-batch');
      const list = await createList(as, 'Batch');
      for (let index = 0; index < 12; index += 1) await addTodo(as, { description: `item ${index}`, list });
      const query = `query ($first: Int!) { list(id: "${list}") { todos(first: $first) { edges { node {
        history(first: 2) { edges { node { action actor { username } changes { field } } } } } } } } }`;
      const counts: number[] = [];
      for (const first of [1, 4, 12]) {
        statements = [];
        const data = await as<{ list: { todos: { edges: { node: { history: HistoryPage } }[] } } }>(query, { first });
        assert.equal(data.list.todos.edges.length, first);
        assert.ok(data.list.todos.edges.every(({ node }) => node.history.edges[0]?.node.action === 'CREATED'));
        counts.push(statements.filter((text) => /\bhistory\b/.test(text)).length);
      }
      assert.deepEqual(counts, [1, 1, 1], `statements reading history per page: ${counts.join(', ')}`);
    });

    it('deletes entries past HISTORY_RETENTION_DAYS, and keeps them all with 0', async () => {
      const as = await signedIn(server, 'history-old');
      const id = await addTodo(as, { description: 'Ancient' });
      await as(`mutation { updateTodo(todo: "${id}", input: { description: "Recent" }) { status } }`);
      // The creation is made to look two years old, as if the server had run that long.
      await sql`update history set at = ${'2000-01-01T00:00:00.000Z'} where todo_id = ${Number(id)} and action = ${'CREATED'}`.execute(
        server.database.db,
      );
      await server.close();
      server = await start({ HISTORY_RETENTION_DAYS: '0' });
      // The same user, on whichever server runs now.
      const again = async () => {
        const answer = await call(server, TODO_HISTORY, { id, first: 50 }, { token: as.token });
        const data = answer.body.data as { todo: { todo: { history: HistoryPage } } };
        return data.todo.todo.history.edges.map(({ node }) => node.action);
      };
      assert.deepEqual(await again(), ['UPDATED', 'CREATED']);
      await server.close();
      server = await start({ HISTORY_RETENTION_DAYS: '365' });
      const deadline = Date.now() + 10_000;
      while ((await again()).length > 1 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(await again(), ['UPDATED']);
      assert.ok(server.logLines.some((line) => line.msg === 'housekeeping: deleted history entries past their time'));
    });
  });
}
