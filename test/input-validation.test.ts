/**
 * Bad input gets the same clear answer on both databases, and nothing is
 * stored: text PostgreSQL cannot store (NUL, unpaired surrogates) in any field,
 * forged cursors, strings past their documented lengths, logins for names no
 * account can have, suggestions in production whatever path an error takes,
 * and a no-op update of a list the caller does not own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, LOGIN, register } from './helpers/accounts.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const NUL = 'before\u0000after';
const LONE_SURROGATE = 'before\ud800after';
const cursor = (parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');

for (const target of databaseTargets) {
  describe(`bad input on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;
    let ada: { token: string };
    let list: string;

    /** How many rows the tables a write could reach hold: nothing refused may change them. */
    async function rowCounts() {
      const count = async (table: 'todos' | 'lists' | 'users' | 'login_failures' | 'list_members') =>
        Number(
          (
            await server.database.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number | string>().as('count'))
              .executeTakeFirstOrThrow()
          ).count,
        );
      return {
        todos: await count('todos'),
        lists: await count('lists'),
        users: await count('users'),
        failures: await count('login_failures'),
        members: await count('list_members'),
      };
    }

    const errorsLogged = () => server.logLines.filter((line) => Number(line.level) >= 50);

    before(async () => {
      db = await target.create();
      server = await startTestServer(db);
      ada = await register(server, 'ada');
      await register(server, 'grace');
      const created = await call(server, 'mutation { createList(input: { name: "Work" }) { list { id } } }', {}, ada);
      list = (created.body.data?.createList as { list: { id: string } }).list.id;
      await call(server, `mutation { addTodo(input: { description: "kept", list: "${list}" }) { status } }`, {}, ada);
    });
    after(async () => {
      await server.close();
      await db.drop();
    });

    it('refuses text no database stores (NUL, unpaired surrogates) in every field, storing nothing', async () => {
      const before = await rowCounts();
      const writes: [string, (text: string) => Record<string, unknown>][] = [
        ['mutation ($t: String!) { createTodo(description: $t, dueDate: "01-01-2030") { success } }', (t) => ({ t })],
        ['mutation ($t: String) { addTodo(input: { description: $t }) { status } }', (t) => ({ t })],
        ['mutation ($t: String) { addTodo(input: { description: "ok", notes: $t }) { status } }', (t) => ({ t })],
        ['mutation ($t: String) { createList(input: { name: $t }) { status } }', (t) => ({ t })],
        [
          'mutation ($t: String!) { register(input: { username: $t, password: "correct-horse-battery" }) { status } }',
          (t) => ({ t }),
        ],
        [
          'mutation ($t: String!) { login(username: $t, password: "correct-horse-battery") { status } }',
          (t) => ({ t }),
        ],
        [
          'mutation ($l: ID!, $t: String!) { shareList(list: $l, username: $t, role: VIEWER) { status } }',
          (t) => ({ l: list, t }),
        ],
        ['query ($t: String) { allTodos(first: 5, filter: { text: $t }) { totalCount } }', (t) => ({ t })],
      ];
      for (const text of [NUL, LONE_SURROGATE]) {
        for (const [query, variables] of writes) {
          const answer = await call(server, query, variables(text), ada);
          assert.equal(answer.body.data, undefined, `${query}: ${JSON.stringify(answer.body)}`);
          assert.deepEqual(
            answer.body.errors?.map((error) => error.extensions?.code),
            ['BAD_USER_INPUT'],
            query,
          );
          assert.match(answer.body.errors[0]?.message ?? '', /cannot be stored/);
        }
        // Written into the document itself rather than sent as a variable (GraphQL's
        // own syntax has no unpaired surrogate: that document does not parse).
        const literal = await call(
          server,
          `mutation { addTodo(input: { description: ${JSON.stringify(text)} }) { status } }`,
          {},
          ada,
        );
        assert.deepEqual(
          literal.body.errors?.map((error) => error.extensions?.code),
          [text === NUL ? 'BAD_USER_INPUT' : 'GRAPHQL_PARSE_FAILED'],
        );
        // An ID is read as a number, never stored as text: one that is not a number is not found, as the tutorial says.
        const byId = await call(server, 'query ($t: ID!) { todo(todoId: $t) { success errors } }', { t: text }, ada);
        assert.deepEqual(byId.body.data?.todo, { success: false, errors: [`Todo item matching id ${text} not found`] });
      }
      assert.deepEqual(await rowCounts(), before);
      assert.deepEqual(errorsLogged(), []);
    });

    it('refuses forged cursors with BAD_USER_INPUT, whatever their key or id', async () => {
      const forged = [
        ['DUE_ON', 5, 1],
        ['DUE_ON', '2027-02-31', 1],
        ['PRIORITY', 'abc', 0],
        ['PRIORITY', 7, 1],
        ['CREATED_AT', 12, 1],
        ['COMPLETED_AT', 'yesterday', 1],
        ['CREATED_AT', '2026-01-01T00:00:00.000Z', 2 ** 53 - 1],
        ['CREATED_AT', '2026-01-01T00:00:00.000Z', 0],
      ];
      for (const parts of forged) {
        const [field] = parts;
        const answer = await call(
          server,
          `query ($after: String) { allTodos(first: 5, after: $after, orderBy: { field: ${String(field)} }) { totalCount } }`,
          { after: cursor(parts) },
          ada,
        );
        assert.deepEqual(
          answer.body.errors?.map((error) => error.extensions?.code),
          ['BAD_USER_INPUT'],
          JSON.stringify(parts),
        );
      }
      assert.deepEqual(errorsLogged(), []);
    });

    it('holds every stored string to its documented length, tutorial operations in their own words', async () => {
      const before = await rowCounts();
      for (const description of ['x'.repeat(1_000_001), 'x'.repeat(1001), '', '   ']) {
        const answer = await call(
          server,
          'mutation ($d: String!) { createTodo(description: $d, dueDate: "01-01-2030") { success errors todo { id } } }',
          { d: description },
          ada,
        );
        assert.deepEqual(answer.body.data?.createTodo, {
          success: false,
          errors: ['A description has 1 to 1000 characters, not only spaces.'],
          todo: null,
        });
      }
      const longest = await call(
        server,
        'mutation ($d: String!) { createTodo(description: $d, dueDate: "01-01-2030") { success } }',
        { d: 'x'.repeat(1000) },
        ada,
      );
      assert.deepEqual(longest.body.data?.createTodo, { success: true });
      assert.equal((await rowCounts()).todos, before.todos + 1);

      // A login for a name no account can have is wrong at once, and leaves nothing behind.
      for (const username of ['u'.repeat(1000 * 1000), 'has spaces', 'ab']) {
        const answer = await call(server, LOGIN, { username, password: 'correct-horse-battery' });
        assert.equal((answer.body.data?.login as { error: { code: string } }).error.code, 'INVALID_CREDENTIALS');
      }
      assert.equal((await rowCounts()).failures, before.failures);
    });

    it('answers a no-op updateList as not found unless the caller owns the list', async () => {
      const grace = await call(
        server,
        'mutation { login(username: "grace", password: "correct-horse-battery") { token } }',
      );
      const graceToken = { token: (grace.body.data?.login as { token: string }).token };
      for (const [who, id] of [
        [graceToken, list],
        [ada, '999999'],
        [ada, 'nope'],
      ] as const) {
        const answer = await call(
          server,
          'mutation ($l: ID!) { updateList(list: $l, input: {}) { status errors { code field } list { id } } }',
          { l: id },
          who,
        );
        assert.deepEqual(answer.body.data?.updateList, {
          status: false,
          errors: [{ code: 'NOT_FOUND', field: 'list' }],
          list: null,
        });
      }
      const own = await call(
        server,
        'mutation ($l: ID!) { updateList(list: $l, input: {}) { status list { id name } } }',
        { l: list },
        ada,
      );
      assert.deepEqual(own.body.data?.updateList, { status: true, list: { id: list, name: 'Work' } });
    });
  });
}

describe('suggestions in production', () => {
  const [sqlite] = databaseTargets;
  let db: TestDatabase;
  let production: TestServer;
  before(async () => {
    db = await (sqlite ?? assert.fail('no SQLite target')).create();
    production = await startTestServer(db, { NODE_ENV: 'production' });
  });
  after(async () => {
    await production.close();
    await db.drop();
  });

  it('reach no client, whichever path the error takes', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['query ($f: TodoFilter) { allTodos(first: 1, filter: $f) { totalCount } }', { f: { complete: true } }],
      ['mutation ($p: Priority) { addTodo(input: { description: "x", priority: $p }) { status } }', { p: 'URGENTT' }],
      ['{ allTodos(first: 1, filter: { complete: true }) { totalCount } }', {}],
      ['{ allTodos(first: 1, orderBy: { field: DUE }) { totalCount } }', {}],
      ['{ todoz { success } }', {}],
    ];
    for (const [query, variables] of cases) {
      const answer = await production.graphql(query, variables);
      const text = JSON.stringify(answer.body.errors);
      assert.ok(answer.body.errors?.length, query);
      assert.doesNotMatch(text, /Did you mean/, query);
    }
    // Outside production, where introspection shows the schema anyway, suggestions help.
    const development = await startTestServer(db);
    try {
      assert.match(JSON.stringify((await development.graphql('{ todoz { success } }')).body.errors), /Did you mean/);
    } finally {
      await development.close();
    }
  });
});
