/**
 * Limits that count everything a request can make the server do:
 * - the cost rule counts every list by its real bound, so nesting pages inside
 *   the tutorial's unpaged `todos` (or inside `lists`) is refused, while
 *   everyday documents, and GraphiQL's introspection, are not;
 * - the bounds hold: the unpaged `todos`, the lists a user sees and a list's
 *   members are capped, and the caps hold for concurrent requests;
 * - page sizes outside 0..MAX_PAGE_SIZE refuse the whole document before
 *   anything runs, written in it or sent as a variable;
 * - an answer has a size budget, and one password check per request;
 * - the in-memory response cache is bounded by bytes;
 * - a heavy request neither keeps the process from answering health checks nor
 *   runs on past REQUEST_TIMEOUT_MS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getIntrospectionQuery } from 'graphql';
import { sql } from 'kysely';
import { call, LOGIN, register } from './helpers/accounts.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type GraphQLResponse, type TestServer } from './helpers/server.js';
import { until } from './helpers/until.js';

type Answer = GraphQLResponse['body'];

/** The code and limit of a refusal made before anything ran (no data). */
function refusal(answer: GraphQLResponse): [unknown, unknown] {
  assert.equal(answer.body.data, undefined, JSON.stringify(answer.body));
  const [error] = answer.body.errors ?? [];
  return [error?.extensions?.code, error?.extensions?.limit];
}

async function count(server: TestServer, table: 'todos' | 'lists' | 'login_failures'): Promise<number> {
  const row = await server.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** `count` todos in the anonymous space's Inbox, each with `notes`, written straight to the database. */
async function seedTodos(server: TestServer, todos: number, notes: string | null = null): Promise<void> {
  const { db } = server.database;
  const inbox = await db
    .selectFrom('lists')
    .select('id')
    .where('owner_id', '=', 0)
    .where('is_inbox', '=', server.database.dialect === 'sqlite' ? 1 : true)
    .executeTakeFirstOrThrow();
  const now = new Date().toISOString();
  for (let start = 0; start < todos; start += 500) {
    const rows = Array.from({ length: Math.min(500, todos - start) }, (_, i) => ({
      description: `Seeded ${start + i}`,
      due_date: '2030-01-01',
      owner_id: 0,
      list_id: inbox.id,
      notes,
      // Any valid key: these todos are never placed before or after another.
      position: 'a0',
      created_at: now,
      updated_at: now,
    }));
    await db.insertInto('todos').values(rows).execute();
  }
}

for (const target of databaseTargets) {
  describe(`resource limits on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;
    before(async () => {
      db = await target.create();
      server = await startTestServer(db, {
        MAX_UNPAGED_TODOS: '5',
        MAX_LISTS_PER_USER: '3',
        MAX_MEMBERS_PER_LIST: '2',
      });
    });
    after(async () => {
      await server.close();
      await db.drop();
    });

    it('counts every list by its real bound: pages nested in unpaged lists are refused, everyday documents run', async () => {
      const defaults = await startTestServer(db);
      try {
        const refused = [
          // The tutorial's todos (up to MAX_UNPAGED_TODOS), each with its list's page of 100, ten times over.
          `{ ${Array.from({ length: 10 }, (_, i) => `u${i}: todos { todos { id list { todos(first: 100) { edges { node { id description } } } } } }`).join(' ')} }`,
          '{ todos { todos { id list { todos(first: 100) { edges { node { id description } } } } } } }',
          '{ lists { todos(first: 100) { edges { node { id notes list { members { user { username } } } } } } } }',
          '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }',
        ];
        for (const query of refused) {
          assert.deepEqual(refusal(await defaults.graphql(query)), ['QUERY_LIMIT_EXCEEDED', 'MAX_QUERY_COST'], query);
        }
        const everyday = [
          '{ todos { success errors todos { id description completed dueDate list { id name } } } }',
          '{ lists { id name access openCount doneCount members { role user { id username } } todos(first: 20) { totalCount edges { cursor node { id description completed dueOn } } pageInfo { hasNextPage endCursor } } } }',
          getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, inputValueDeprecation: true }),
        ];
        for (const query of everyday) {
          const answer = await defaults.graphql(query);
          assert.equal(answer.body.errors, undefined, `${query}: ${JSON.stringify(answer.body.errors)}`);
        }
      } finally {
        await defaults.close();
      }
    });

    it('refuses a page size outside 0..MAX_PAGE_SIZE before anything runs, written or sent', async () => {
      const todos = await count(server, 'todos');
      const written = [
        '{ a: allTodos(first: -2147483648) { totalCount } b: todos { success } }',
        '{ allTodos(first: 101) { totalCount } }',
        '{ lists { todos(last: -1) { totalCount } } }',
      ];
      for (const query of written) {
        const answer = await server.graphql(query);
        assert.equal(answer.status, 400, query);
        assert.deepEqual(refusal(answer), ['BAD_USER_INPUT', undefined], query);
      }
      const sent: [string, Record<string, unknown>][] = [
        ['query ($n: Int) { allTodos(first: $n) { totalCount } }', { n: -1 }],
        ['query ($n: Int) { allTodos(last: $n) { totalCount } }', { n: 1000 }],
        ['query ($n: Int = -3) { allTodos(first: $n) { totalCount } }', {}],
        // The mutation before the page would have run, had the page been refused only when reached.
        [
          'mutation ($n: Int) { createTodo(description: "x", dueDate: "01-01-2030") { success } addTodo(input: { description: "y" }) { todo { list { todos(first: $n) { totalCount } } } } }',
          { n: -5 },
        ],
      ];
      for (const [query, variables] of sent) {
        const answer = await server.graphql(query, variables);
        assert.equal(answer.status, 400, query);
        assert.deepEqual(refusal(answer), ['BAD_USER_INPUT', undefined], query);
      }
      assert.equal(await count(server, 'todos'), todos, 'a refused document wrote nothing');
      const within = await server.graphql('query ($n: Int) { allTodos(first: $n) { totalCount } }', { n: 100 });
      assert.equal(within.body.errors, undefined);
    });

    it('answers the unpaged todos up to MAX_UNPAGED_TODOS, and past it asks for pages', async () => {
      const user = await register(server, 'many');
      const create = 'mutation { createTodo(description: "one more", dueDate: "01-01-2030") { success } }';
      for (let i = 0; i < 5; i += 1) await call(server, create, {}, user);
      const five = await call(server, '{ todos { success errors todos { id } } }', {}, user);
      assert.equal((five.body.data?.todos as { todos: unknown[] }).todos.length, 5);
      await call(server, create, {}, user);
      const six = await call(server, '{ todos { success errors todos { id } } }', {}, user);
      assert.deepEqual(six.body.data?.todos, {
        success: false,
        errors: ['There are more than 5 todos (MAX_UNPAGED_TODOS): page through them with allTodos(first:, after:).'],
        todos: null,
      });
    });

    it('caps the lists a user sees and the members of a list, even for concurrent requests', async () => {
      const alice = await register(server, 'alice');
      const bob = await register(server, 'bob');
      const createList = (who: { token: string }, name: string) =>
        call(
          server,
          'mutation ($n: String) { createList(input: { name: $n }) { status errors { code field } list { id } } }',
          { n: name },
          who,
        );
      // The Inbox and two more make three; ten at once may not make more.
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => createList(alice, `List ${i}`)));
      const created = answers.filter((answer) => (answer.body.data?.createList as { status: boolean }).status);
      assert.equal(created.length, 2);
      for (const answer of answers) {
        const payload = answer.body.data?.createList as { status: boolean; errors: unknown[] };
        if (!payload.status) assert.deepEqual(payload.errors, [{ code: 'TOO_MANY', field: null }]);
      }
      const lists = await call(server, '{ lists { id } }', {}, alice);
      assert.equal((lists.body.data?.lists as unknown as unknown[]).length, 3);

      // Bob sees his Inbox and two lists shared with him; a third share is refused, naming him.
      const bobsLists = [];
      for (const name of ['B1', 'B2']) {
        const list = (await createList(bob, name)).body.data?.createList as { list: { id: string } };
        bobsLists.push(list.list.id);
      }
      const aliceList = (created[0]?.body.data?.createList as { list: { id: string } }).list.id;
      const share = (list: string, username: string) =>
        call(
          server,
          'mutation ($l: ID!, $u: String!) { shareList(list: $l, username: $u, role: VIEWER) { status errors { code field } } }',
          { l: list, u: username },
          alice,
        );
      for (const name of ['carol', 'dave', 'erin']) await register(server, name);
      assert.deepEqual((await share(aliceList, 'bob')).body.data?.shareList, {
        status: false,
        errors: [{ code: 'TOO_MANY', field: 'username' }],
      });
      // A list has at most two members.
      assert.equal(((await share(aliceList, 'carol')).body.data?.shareList as { status: boolean }).status, true);
      assert.equal(((await share(aliceList, 'dave')).body.data?.shareList as { status: boolean }).status, true);
      assert.deepEqual((await share(aliceList, 'erin')).body.data?.shareList, {
        status: false,
        errors: [{ code: 'TOO_MANY', field: 'list' }],
      });
      // Changing a member's role is no new member.
      assert.equal(((await share(aliceList, 'dave')).body.data?.shareList as { status: boolean }).status, true);
    });

    it('runs one password check per request, however many aliases ask for one', async () => {
      const failures = await count(server, 'login_failures');
      for (const query of [
        'mutation { a: login(username: "alice", password: "wrong-password-1") { status } b: login(username: "alice", password: "wrong-password-2") { status } }',
        'mutation { register(input: { username: "zed", password: "correct-horse-battery" }) { status } login(username: "zed", password: "correct-horse-battery") { status } }',
        'mutation { ...L ...L2 } fragment L on Mutation { login(username: "x1x", password: "12345678") { status } } fragment L2 on Mutation { l2: login(username: "x2x", password: "12345678") { status } }',
      ]) {
        assert.deepEqual(refusal(await server.graphql(query)), ['QUERY_LIMIT_EXCEEDED', 'ONE_CREDENTIAL_CHECK'], query);
      }
      assert.equal(await count(server, 'login_failures'), failures, 'no password was checked');
      const one = await server.graphql(LOGIN, { username: 'alice', password: 'wrong-password' });
      assert.equal(one.body.errors, undefined);
    });
  });

  describe(`the answer's size budget on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;
    before(async () => {
      db = await target.create();
      server = await startTestServer(db, { MAX_RESPONSE_BYTES: '50000' });
      await seedTodos(server, 30, 'n'.repeat(5000));
    });
    after(async () => {
      await server.close();
      await db.drop();
    });

    it('refuses an answer past MAX_RESPONSE_BYTES, and answers the next request', async () => {
      for (const query of [
        '{ allTodos(first: 30) { edges { node { notes } } } }',
        '{ todos { todos { id description } } }',
        '{ a: allTodos(first: 15) { edges { node { id } } } b: allTodos(last: 15) { edges { node { id } } } }',
      ]) {
        const answer = await server.graphql(query);
        const codes = (answer.body.errors ?? []).map((error) => [error.extensions?.code, error.extensions?.limit]);
        assert.deepEqual(codes, [['QUERY_LIMIT_EXCEEDED', 'MAX_RESPONSE_BYTES']], query);
      }
      // The whole answer has the budget too, whatever fills it: here, 60 kB of the schema's descriptions.
      const introspection = await server.graphql(getIntrospectionQuery({ descriptions: true }));
      assert.equal(introspection.body.data, null);
      assert.deepEqual(
        introspection.body.errors?.map((error) => error.extensions?.limit),
        ['MAX_RESPONSE_BYTES'],
      );
      const small = await server.graphql('{ allTodos(first: 5) { edges { node { id notes } } } }');
      assert.equal(small.body.errors, undefined);
    });
  });
}

describe('a heavy request', () => {
  const [sqlite] = databaseTargets;
  let db: TestDatabase;
  let server: TestServer;
  let pagesRead = 0;
  /** A hundred pages of a hundred todos, ten times over: hundreds of statements, each synchronous on SQLite. */
  const HEAVY = `{ ${Array.from({ length: 10 }, (_, i) => `a${i}: lists { todos(first: 100) { edges { node { id description } } } }`).join(' ')} }`;

  before(async () => {
    db = await (sqlite ?? assert.fail('no SQLite target')).create();
    server = await startTestServer(
      db,
      { MAX_QUERY_COST: '10000000', MAX_RESPONSE_BYTES: '1000000000' },
      { onStatement: (sqlText) => (/from "todos"/.test(sqlText) ? (pagesRead += 1) : undefined) },
    );
    await seedTodos(server, 100);
    // The anonymous space's Inbox and 99 more lists, each with the Inbox's todos copied in.
    const { db: kysely } = server.database;
    const now = new Date().toISOString();
    for (let i = 0; i < 99; i += 1) {
      const list = await kysely
        .insertInto('lists')
        .values({ owner_id: 0, name: `L${i}`, is_inbox: sql<boolean>`false`, created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await kysely
        .insertInto('todos')
        .values(
          Array.from({ length: 100 }, (_, j) => ({
            description: `T${j}`,
            due_date: '2030-01-01',
            owner_id: 0,
            list_id: list.id,
            position: 'a0',
            created_at: now,
            updated_at: now,
          })),
        )
        .execute();
    }
  });
  after(async () => {
    await server.close();
    await db.drop();
  });

  it('leaves the process answering health checks while it runs', async (t) => {
    // The heavy request's pages are counted as the server reads them (it runs in this process):
    // how many it read between two health answers is how long it held the event loop.
    let finished = false;
    const heavy = server.graphql(HEAVY).finally(() => (finished = true));
    const running = () => !finished;
    const readAtEachAnswer: number[] = [pagesRead];
    while (running()) {
      const health = await fetch(`${server.url}/healthz`);
      assert.equal(health.status, 200);
      readAtEachAnswer.push(pagesRead);
    }
    const answer: Answer = (await heavy).body;
    assert.equal(answer.errors, undefined);
    const read = pagesRead - (readAtEachAnswer[0] ?? 0);
    assert.equal(read, 1000, 'the heavy request read its thousand pages');
    const longestHold = Math.max(...readAtEachAnswer.slice(1).map((count, i) => count - (readAtEachAnswer[i] ?? 0)));
    // Held until done, it would read them all (or most) between two answers.
    assert.ok(longestHold < read / 4, `${longestHold} of ${read} pages were read between two health answers`);
    t.diagnostic(`${readAtEachAnswer.length - 1} health answers; at most ${longestHold} pages read between two`);
  });

  it('stops its work once it has been answered TIMEOUT', async () => {
    const pages: string[] = [];
    const hasty = await startTestServer(
      db,
      { MAX_QUERY_COST: '10000000', MAX_RESPONSE_BYTES: '1000000000', REQUEST_TIMEOUT_MS: '100' },
      { onStatement: (sqlText) => (/from "todos"/.test(sqlText) ? pages.push(sqlText) : undefined) },
    );
    try {
      const answer = await hasty.graphql(HEAVY);
      assert.equal(answer.status, 503);
      assert.ok(answer.body.errors?.every((error) => error.extensions?.code === 'TIMEOUT'));
      // Either the operation reached a read past its time and ended before the
      // answer (its errors name the fields it stopped at), or the answer came
      // first and the operation ends at its next read, which the log says.
      const errors = (answer.body.errors ?? []) as { path?: unknown }[];
      if (errors.some((error) => error.path === undefined)) {
        await until(
          () => hasty.logLines.some((line) => line.msg === 'operation ended after its TIMEOUT answer'),
          'the operation to end',
        );
      }
      const ran = pages.length;
      assert.ok(ran < 1000, `${ran} of the 1,000 pages ran: the operation went on after its answer`);
      await hasty.graphql('{ isAuthenticated }');
      assert.equal(pages.length, ran, 'no page was read after the operation ended');
    } finally {
      await hasty.close();
    }
  });
});
