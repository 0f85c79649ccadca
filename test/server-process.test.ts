/**
 * The built server as a process: first start creates and migrates the database,
 * data survives a restart, SIGTERM under load finishes requests in flight and
 * exits 0, bad configuration stops it with a message per setting.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { databaseTargets, sqliteTarget, type TestDatabase } from './helpers/databases.js';
import { queryServer, projectRoot, runScript, startServerProcess } from './helpers/process.js';
import { subscribeRaw } from './helpers/raw-subscriber.js';
import { afterSubscriptions } from './helpers/server.js';
import { until } from './helpers/until.js';

const createTodo = (description: string) =>
  `mutation { createTodo(description: "${description}", dueDate: "24-10-2027") { success errors todo { id } } }`;
const listTodos = '{ todos { success todos { id description } } }';

interface TodoList {
  data: { todos: { todos: { id: string; description: string }[] } };
}

describe('first start on a laptop', () => {
  let cwd: string;
  before(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'todo-graphql-cwd-'));
  });
  after(() => rmSync(cwd, { recursive: true, force: true }));

  it('creates ./data/todo.db in WAL mode, migrates it and keeps data across restarts', async () => {
    const first = await startServerProcess({}, cwd);
    assert.deepEqual((await queryServer(first.url, createTodo('Run a marathon'))).body, {
      data: { createTodo: { success: true, errors: null, todo: { id: '1' } } },
    });
    assert.equal(await first.stop('SIGINT'), 0);
    assert.match(first.stdout(), /"migration":"0001_create_todos"/);

    const file = new SQLite(path.join(cwd, 'data/todo.db'), { readonly: true });
    assert.equal(file.pragma('journal_mode', { simple: true }), 'wal');
    file.close();

    const second = await startServerProcess({}, cwd);
    const { body } = await queryServer(second.url, listTodos);
    assert.deepEqual((body as TodoList).data.todos.todos, [{ id: '1', description: 'Run a marathon' }]);
    assert.doesNotMatch(second.stdout(), /migration applied/, 'nothing left to migrate on the second start');
    assert.equal(await second.stop(), 0);
  });
});

for (const target of databaseTargets) {
  describe(`server process on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    before(async () => {
      db = await target.create();
    });
    after(() => db.drop());

    it('applies migrations with `npm run migrate`, once', async () => {
      const first = await runScript('dist/migrate.js', { DATABASE_URL: db.url });
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /Applied 0001_create_todos/);
      const second = await runScript('dist/migrate.js', { DATABASE_URL: db.url });
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /Database is up to date/);
    });

    it('finishes requests in flight on SIGTERM, exits 0, and loses no acknowledged write', async (t) => {
      const server = await startServerProcess({ DATABASE_URL: db.url });
      const requests = Array.from({ length: 200 }, (_, i) => queryServer(server.url, createTodo(`load ${i}`)));
      await Promise.race(requests);
      const exitCode = server.stop('SIGTERM');
      const outcomes = await Promise.allSettled(requests);
      assert.equal(await exitCode, 0, server.stderr());
      assert.match(server.stdout(), /"msg":"stopped"/);

      const acknowledged: string[] = [];
      for (const outcome of outcomes) {
        // A request the server had not accepted yet may fail to connect; one it accepted must finish.
        if (outcome.status === 'rejected') continue;
        assert.equal(outcome.value.status, 200);
        const result = (outcome.value.body as { data: { createTodo: { success: boolean; todo: { id: string } } } }).data
          .createTodo;
        assert.equal(result.success, true);
        acknowledged.push(result.todo.id);
      }
      assert.ok(acknowledged.length > 0, 'some requests completed');
      t.diagnostic(`${acknowledged.length} of ${requests.length} requests acknowledged before the server stopped`);

      const restarted = await startServerProcess({ DATABASE_URL: db.url });
      const { body } = await queryServer(restarted.url, listTodos);
      const stored = new Set((body as TodoList).data.todos.todos.map((todo) => todo.id));
      for (const id of acknowledged) assert.ok(stored.has(id), `acknowledged todo ${id} survived the restart`);
      assert.equal(await restarted.stop(), 0);
    });
  });
}

/** The processes below `pid`, children first. */
function descendantsOf(pid: number): number[] {
  // ps exits 1 when it lists nothing: only its output counts.
  const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((line) => Number(line.trim()))
    .filter((child) => child > 0);
  return children.flatMap((child) => [child, ...descendantsOf(child)]);
}

describe('`npm start`, as a process manager runs it', () => {
  let db: TestDatabase;
  before(async () => {
    db = await sqliteTarget.create();
  });
  after(() => db.drop());

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops on ${signal} sent to npm itself, exits 0 and leaves no process behind`, async () => {
      const npm = await startServerProcess({ DATABASE_URL: db.url }, projectRoot, ['npm', 'start']);
      const { pid } = npm.child;
      assert.ok(pid !== undefined);
      // npm runs the script in a shell, which `exec` replaces with the server.
      const descendants = descendantsOf(pid);
      assert.equal(descendants.length, 1, 'npm has one descendant, the server');
      assert.equal((await queryServer(npm.url, listTodos)).status, 200);
      // It built the web app too, and serves it.
      const app = await fetch(npm.url);
      assert.equal(app.status, 200);
      assert.match(await app.text(), /<div id="root"><\/div>/);

      assert.equal(await npm.stop(signal), 0, npm.stderr());
      assert.match(npm.stdout(), /"msg":"stopped"/);
      for (const child of descendants) {
        assert.throws(() => process.kill(child, 0), { code: 'ESRCH' }, `process ${child} is gone`);
      }
      await assert.rejects(fetch(npm.url), 'nothing listens on the port any more');
    });
  }
});

describe('shutdown with live subscriptions', () => {
  let db: TestDatabase;
  before(async () => {
    db = await sqliteTarget.create();
  });
  after(() => db.drop());

  it('closes WebSockets with 1001 and ends event streams on SIGTERM, then exits 0 at once', async () => {
    const server = await startServerProcess({ DATABASE_URL: db.url, SHUTDOWN_TIMEOUT_MS: '4000' });
    const query = 'subscription { changes { kind todoId } }';
    const [subscribing, stream] = await afterSubscriptions(server, 'started', 2, () => [
      subscribeRaw(server.url.replace(/^http/, 'ws') + '/graphql', query),
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query }),
      }),
    ]);
    const subscriber = await subscribing;
    const streamText = (await stream).text().catch((error: unknown) => `failed: ${String(error)}`);
    // In-flight work finishes first: a change made just before the signal is delivered.
    const created = await queryServer(server.url, createTodo('last words'));
    assert.equal(created.status, 200);

    const exitCode = await server.stop('SIGTERM');
    assert.equal(exitCode, 0, server.stderr());
    await until(() => subscriber.closed() !== undefined, 'the WebSocket to close');
    assert.deepEqual(subscriber.closed(), { code: 1001, reason: 'The server is shutting down.' });
    assert.ok(
      subscriber.messages.some((message) => message.type === 'next'),
      'the WebSocket heard the last change',
    );
    const text = await streamText;
    assert.match(text, /event: next[\s\S]*event: complete/);
    // Held by nothing until SHUTDOWN_TIMEOUT_MS: not by the open stream, nor by its
    // connection idling out Node's 5 s keep-alive timeout afterwards.
    assert.doesNotMatch(server.stdout(), /still running at the deadline/);
  });
});

describe('configuration', () => {
  it('refuses to start with a message for each bad setting', async () => {
    const result = await runScript('dist/server.js', {
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://localhost/todo',
      BODY_LIMIT_BYTES: '-5',
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /PORT must be a whole number from 0 to 65535 \(got "eighty"\)/);
    assert.match(
      result.stderr,
      /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got "loud"\)/,
    );
    assert.match(result.stderr, /DATABASE_URL must start with postgres:\/\/, postgresql:\/\/ or sqlite:\/\//);
    assert.match(result.stderr, /BODY_LIMIT_BYTES must be a whole number/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  it('refuses to start in production without AUTH_SECRET', async () => {
    const result = await runScript('dist/server.js', { NODE_ENV: 'production', DATABASE_URL: '/nonexistent/never.db' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /AUTH_SECRET is required in production/);
  });

  it('refuses to start when the database cannot be reached, saying so', async () => {
    const result = await runScript('dist/server.js', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /"msg":"cannot prepare the database"/);
  });
});
