/**
 * Cursor pagination, filters and orders, black-box on both databases: every
 * order walked forward and backward against the order computed here; pages
 * walked while todos are added and removed (no skips, no repeats); every
 * filter; bad page arguments; and a constant number of SQL statements for a
 * page with its lists and owners, whatever its size.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface Item {
  id: string;
  description: string;
  notes: string | null;
  dueOn: string;
  priority: 'LOW' | 'NORMAL' | 'HIGH' | 'URGENT';
  completed: boolean;
  completedAt: string | null;
  createdAt: string;
}

interface Page {
  edges: { cursor: string; node: Item }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

const PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'] as const;
const FIELDS = 'id description notes dueOn priority completed completedAt createdAt';
const PAGE = `query ($first: Int, $after: String, $last: Int, $before: String, $filter: TodoFilter, $orderBy: TodoOrder) {
  allTodos(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    edges { cursor node { ${FIELDS} } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    totalCount
  }
}`;

type Order = { field: 'DUE_ON' | 'PRIORITY' | 'CREATED_AT' | 'COMPLETED_AT'; direction: 'ASC' | 'DESC' };

function expectedOrder(items: Item[], order: Order): string[] {
  const key = (item: Item): string | number => {
    switch (order.field) {
      case 'DUE_ON':
        return item.dueOn;
      case 'PRIORITY':
        return PRIORITIES.indexOf(item.priority);
      case 'CREATED_AT':
        return item.createdAt;
      case 'COMPLETED_AT':
        return item.completedAt ?? '';
    }
  };
  const sign = order.direction === 'ASC' ? 1 : -1;
  return [...items]
    .sort((a, b) => {
      const [ka, kb] = [key(a), key(b)];
      if (ka !== kb) return (ka < kb ? -1 : 1) * sign;
      return (Number(a.id) - Number(b.id)) * sign;
    })
    .map((item) => item.id);
}

for (const target of databaseTargets) {
  describe(`pages of todos on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;
    let statements: string[] = [];
    let token = '';
    let items: Item[] = [];

    async function as<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      const response = await server.graphql(query, variables, { authorization: `Bearer ${token}` });
      assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
      return response.body.data as T;
    }
    const page = async (variables: Record<string, unknown>) => (await as<{ allTodos: Page }>(PAGE, variables)).allTodos;

    async function walk(order: Order, size: number, backward: boolean, filter?: object): Promise<string[]> {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (;;) {
        const result: Page = await page(
          backward
            ? { last: size, before: cursor, orderBy: order, filter }
            : { first: size, after: cursor, orderBy: order, filter },
        );
        const ids = result.edges.map((edge) => edge.node.id);
        if (backward) seen.unshift(...ids);
        else seen.push(...ids);
        const more = backward ? result.pageInfo.hasPreviousPage : result.pageInfo.hasNextPage;
        if (!more) return seen;
        cursor = backward ? result.pageInfo.startCursor : result.pageInfo.endCursor;
      }
    }

    before(async () => {
      db = await target.create();
      server = await startTestServer(db, {}, { onStatement: (sqlText) => statements.push(sqlText) });
      const registered = await server.graphql(
        'mutation { register(input: { username: "pager", password: "correct-horse-battery" }) { token } }',
      );
      token = (registered.body.data?.register as { token: string }).token;
      for (let i = 0; i < 23; i++) {
        // Few distinct due dates and priorities, so ties are common and the id must break them.
        await as(`mutation ($input: TodoInput!) { addTodo(input: $input) { status } }`, {
          input: {
            description: i % 5 === 0 ? `Call the Bank about #${i}` : `Todo #${i}`,
            notes: i % 7 === 0 ? `remember 100%_sure item ${i}` : null,
            dueOn: `2030-01-0${(i % 4) + 1}`,
            priority: PRIORITIES[i % 4],
            completed: i % 3 === 0,
          },
        });
      }
      // Overdue: open and due in the past.
      await as(`mutation { addTodo(input: { description: "Late", dueOn: "2020-01-01" }) { status } }`);
      items = (await page({ first: 100 })).edges.map((edge) => edge.node);
    });
    after(async () => {
      await server.close();
      await db.drop();
    });

    it('walks every order forward and backward, matching the order computed here', async () => {
      assert.equal(items.length, 24);
      for (const field of ['DUE_ON', 'PRIORITY', 'CREATED_AT', 'COMPLETED_AT'] as const) {
        for (const direction of ['ASC', 'DESC'] as const) {
          const order = { field, direction };
          const expected = expectedOrder(items, order);
          assert.deepEqual(await walk(order, 5, false), expected, `${field} ${direction} forward`);
          assert.deepEqual(await walk(order, 5, true), expected, `${field} ${direction} backward`);
        }
      }
      const first = await page({ first: 5 });
      assert.equal(first.totalCount, 24);
      assert.deepEqual(
        { next: first.pageInfo.hasNextPage, previous: first.pageInfo.hasPreviousPage },
        { next: true, previous: false },
      );
    });

    it('never skips or repeats an item while todos are added and removed between pages', async () => {
      for (const backward of [false, true]) {
        const order: Order = { field: 'DUE_ON', direction: 'ASC' };
        const seen: string[] = [];
        let cursor: string | null = null;
        const removed: string[] = [];
        const before = expectedOrder(items, order);
        for (let round = 0; ; round++) {
          const result: Page = await page(
            backward ? { last: 4, before: cursor, orderBy: order } : { first: 4, after: cursor, orderBy: order },
          );
          seen.push(...result.edges.map((edge) => edge.node.id));
          if (round === 1) {
            // One added at each end of the order, and one not yet seen removed.
            await as('mutation { addTodo(input: { description: "early", dueOn: "2029-12-31" }) { status } }');
            await as('mutation { addTodo(input: { description: "late", dueOn: "2030-12-31" }) { status } }');
            const victim = before.find((id) => !seen.includes(id)) ?? '';
            removed.push(victim);
            await as(`mutation { deleteTodos(todos: ["${victim}"]) { status } }`);
          }
          const more = backward ? result.pageInfo.hasPreviousPage : result.pageInfo.hasNextPage;
          if (!more) break;
          cursor = backward ? result.pageInfo.startCursor : result.pageInfo.endCursor;
        }
        assert.equal(new Set(seen).size, seen.length, `no repeats (${backward ? 'backward' : 'forward'})`);
        for (const id of before) {
          if (!removed.includes(id)) assert.ok(seen.includes(id), `item ${id} was not skipped`);
        }
        items = (await page({ first: 100 })).edges.map((edge) => edge.node);
      }
    });

    it('filters by completion, due dates, overdue, priority, text and list', async () => {
      const today = new Date().toISOString().slice(0, 10);
      const cases: [object, (item: Item) => boolean][] = [
        [{ completed: true }, (item) => item.completed],
        [{ completed: false }, (item) => !item.completed],
        [{ dueBefore: '2030-01-03' }, (item) => item.dueOn < '2030-01-03'],
        [{ dueAfter: '2030-01-02' }, (item) => item.dueOn > '2030-01-02'],
        [{ overdue: true }, (item) => !item.completed && item.dueOn < today],
        [{ overdue: false }, (item) => item.completed || item.dueOn >= today],
        [{ priority: ['HIGH', 'URGENT'] }, (item) => item.priority === 'HIGH' || item.priority === 'URGENT'],
        [{ text: 'bank' }, (item) => item.description.toLowerCase().includes('bank')],
        [{ text: '100%_S' }, (item) => (item.notes ?? '').toLowerCase().includes('100%_s')],
        [{ text: '%' }, (item) => (item.notes ?? '').includes('%')],
        [
          { completed: false, priority: ['LOW'], dueAfter: '2029-01-01' },
          (item) => !item.completed && item.priority === 'LOW' && item.dueOn > '2029-01-01',
        ],
      ];
      for (const [filter, matches] of cases) {
        const expected = items.filter(matches).map((item) => item.id);
        const result = await page({ first: 100, filter });
        assert.deepEqual(
          result.edges.map((edge) => edge.node.id),
          expected,
          JSON.stringify(filter),
        );
        assert.equal(result.totalCount, expected.length);
        assert.deepEqual(await walk({ field: 'CREATED_AT', direction: 'ASC' }, 3, true, filter), expected);
      }

      const list = (
        await as<{ createList: { list: { id: string } } }>(
          'mutation { createList(input: { name: "Work" }) { list { id } } }',
        )
      ).createList.list.id;
      const moved = items.slice(0, 3).map((item) => item.id);
      await as(`mutation ($ids: [ID!]!) { moveTodos(todos: $ids, list: "${list}") { status } }`, { ids: moved });
      const inList = await page({ first: 100, filter: { list } });
      assert.deepEqual(
        inList.edges.map((edge) => edge.node.id),
        moved,
      );
      const nested = await as<{ list: { todos: Page } }>(
        `{ list(id: "${list}") { todos(first: 2) { totalCount edges { node { id } } pageInfo { hasNextPage } } } }`,
      );
      assert.equal(nested.list.todos.totalCount, 3);
      assert.deepEqual(
        nested.list.todos.edges.map((edge) => edge.node.id),
        moved.slice(0, 2),
      );
      assert.equal(nested.list.todos.pageInfo.hasNextPage, true);

      // With todos in two lists, a page merges one ordered read per list: the order must not change.
      for (const field of ['DUE_ON', 'PRIORITY', 'CREATED_AT', 'COMPLETED_AT'] as const) {
        for (const direction of ['ASC', 'DESC'] as const) {
          const order = { field, direction };
          const expected = expectedOrder(items, order);
          assert.deepEqual(await walk(order, 4, false), expected, `${field} ${direction} forward over two lists`);
          assert.deepEqual(await walk(order, 4, true), expected, `${field} ${direction} backward over two lists`);
        }
      }
    });

    it('shows nobody else the todos, even by naming the list', async () => {
      const other = await server.graphql(
        'mutation { register(input: { username: "snoop", password: "correct-horse-battery" }) { token } }',
      );
      const theirToken = (other.body.data?.register as { token: string }).token;
      const lists = await as<{ lists: { id: string }[] }>('{ lists { id } }');
      for (const list of lists.lists) {
        const answer = await server.graphql(
          PAGE,
          { first: 10, filter: { list: list.id } },
          { authorization: `Bearer ${theirToken}` },
        );
        assert.deepEqual((answer.body.data?.allTodos as Page).edges, []);
        assert.equal((answer.body.data?.allTodos as Page).totalCount, 0);
      }
      const anonymous = await server.graphql(PAGE, { first: 100 });
      assert.equal((anonymous.body.data?.allTodos as Page).totalCount, 0);
    });

    it('refuses bad page arguments with BAD_USER_INPUT', async () => {
      const { endCursor } = (await page({ first: 1 })).pageInfo;
      const refusals: Record<string, unknown>[] = [
        {},
        { first: 101 },
        { last: 101 },
        { first: -1 },
        { first: 1, last: 1 },
        { first: 1, after: 'not-a-cursor' },
        { first: 1, after: endCursor, orderBy: { field: 'PRIORITY' } },
        { first: 1, before: endCursor },
      ];
      for (const variables of refusals) {
        const answer = await server.graphql(PAGE, variables, { authorization: `Bearer ${token}` });
        assert.equal(answer.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(variables));
      }
      assert.equal((await page({ first: 100 })).edges.length, items.length);
    });

    it('loads a page with its lists, owners and list owners in a constant number of statements', async () => {
      const query = `query ($first: Int) {
        allTodos(first: $first) {
          totalCount
          edges { node { id owner { username } list { name openCount doneCount owner { username } } } }
        }
      }`;
      const counts: number[] = [];
      for (const first of [2, 10, 24]) {
        statements = [];
        const result = await as<{ allTodos: Page }>(query, { first });
        assert.equal(result.allTodos.edges.length, first);
        // Authenticating the bearer token reads its session: one statement of its own.
        counts.push(statements.length);
      }
      assert.deepEqual(counts, [counts[0], counts[0], counts[0]], `statements per page: ${counts.join(', ')}`);
      assert.ok(
        (counts[0] ?? 99) <= 7,
        `${counts[0]} statements: session, readable lists, page, count, lists, users, counts`,
      );
    });
  });
}
