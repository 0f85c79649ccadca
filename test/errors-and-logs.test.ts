/**
 * Operability: one structured log line per request with its request id and no
 * credentials; unexpected faults masked for clients in production and logged
 * in full.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseTargets, postgresTarget, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';

for (const target of databaseTargets) {
  describe(`errors and logs on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    before(async () => {
      db = await target.create();
    });
    after(() => db.drop());

    describe('request log', () => {
      let server: TestServer;
      before(async () => {
        server = await startTestServer(db);
      });
      after(() => server.close());

      it('writes one line per request with its id, and never a credential', async () => {
        const secrets = ['Bearer sk-live-SECRET-TOKEN', 'session=COOKIE-SECRET', 'hunter2-PASSWORD'];
        const response = await fetch(
          `${server.graphqlUrl}?query=${encodeURIComponent('query q($password: ID!) { todo(todoId: $password) { success } }')}&variables=${encodeURIComponent(JSON.stringify({ password: secrets[2] }))}`,
          { headers: { authorization: secrets[0] ?? '', cookie: secrets[1] ?? '', 'x-request-id': 'log-test-1' } },
        );
        // The made-up bearer token is refused (401), but the request is still logged, without it.
        assert.equal(response.status, 401);
        await server.graphql('mutation named { createTodo(description: "x", dueDate: "bad") { success } }', undefined, {
          'x-request-id': 'log-test-2',
        });
        await new Promise((resolve) => setImmediate(resolve));

        const first = server.logLines.filter((line) => line.reqId === 'log-test-1');
        assert.equal(first.length, 1);
        assert.deepEqual(
          { ...first[0], time: undefined, ms: undefined, pid: undefined, hostname: undefined },
          {
            level: 30,
            time: undefined,
            ms: undefined,
            pid: undefined,
            hostname: undefined,
            service: 'todo-graphql',
            env: 'test',
            reqId: 'log-test-1',
            method: 'GET',
            path: '/graphql',
            status: 401,
            msg: 'request',
          },
        );
        const second = server.logLines.filter((line) => line.reqId === 'log-test-2');
        assert.equal(second.length, 1);
        assert.equal(second[0]?.operation, 'named');
        assert.equal(typeof second[0].ms, 'number');

        const everything = JSON.stringify(server.logLines);
        for (const secret of secrets) assert.ok(!everything.includes(secret.split(/[ =]/).pop() ?? secret), secret);
      });
    });

    for (const mode of ['production', 'development'] as const) {
      describe(`an unexpected fault in ${mode}`, () => {
        let server: TestServer;
        before(async () => {
          server = await startTestServer(db, { NODE_ENV: mode });
          // Break the database under the running server: every todo query now fails inside a resolver.
          await server.database.db.schema.alterTable('todos').renameTo('todos_hidden').execute();
        });
        after(async () => {
          await server.database.db.schema.alterTable('todos_hidden').renameTo('todos').execute();
          await server.close();
        });

        it(
          mode === 'production'
            ? 'reaches the client masked, with a code and the request id, and the log in full'
            : 'reaches the client with its message, and the log in full',
          async () => {
            const response = await server.graphql('{ todos { success } }', undefined, {
              'x-request-id': `fault-${mode}`,
            });
            assert.equal(response.status, 200);
            assert.equal(response.body.data, null);
            const [error] = response.body.errors ?? [];
            assert.deepEqual(error?.extensions, { code: 'INTERNAL_SERVER_ERROR', requestId: `fault-${mode}` });
            const text = JSON.stringify(response.body);
            if (mode === 'production') {
              assert.equal(error.message, 'Internal server error');
              assert.doesNotMatch(text, /todos_hidden|no such table|does not exist|select|SQL|\bat /i);
            } else {
              assert.match(error.message, /todos/);
            }
            assert.doesNotMatch(text, /\.ts:\d+|\.js:\d+/, 'no stack trace');

            const logged = server.logLines.find(
              (line) => line.reqId === `fault-${mode}` && line.msg === 'resolver failed',
            );
            assert.ok(logged, 'the fault is logged with the request id');
            assert.match(JSON.stringify(logged), /todos/);
          },
        );

        it('keeps serving afterwards', async () => {
          const health = await fetch(`${server.url}/healthz`);
          assert.equal(health.status, 200);
        });
      });
    }
  });
}

describe('losing the database while serving', { skip: postgresTarget.skip }, () => {
  let db: TestDatabase;
  let server: TestServer;
  before(async () => {
    db = await postgresTarget.create();
    server = await startTestServer(db, { NODE_ENV: 'production' });
  });
  after(async () => {
    await server.close();
  });

  it('reports not ready, answers GraphQL with a masked error, and stays alive', async () => {
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    // Drops the database and terminates every connection the server's pool holds.
    await db.drop();

    const ready = await fetch(`${server.url}/readyz`);
    assert.equal(ready.status, 503);
    assert.deepEqual(await ready.json(), { status: 'unavailable' });
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);

    const response = await server.graphql('{ todos { success } }');
    assert.equal(response.status, 200);
    assert.equal(response.body.errors?.[0]?.message, 'Internal server error');
    assert.equal(response.body.errors[0].extensions?.code, 'INTERNAL_SERVER_ERROR');
  });
});
