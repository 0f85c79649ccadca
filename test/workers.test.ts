/**
 * WORKERS=2: the built server as a cluster of two processes on one port, on
 * SQLite (WAL, one writer at a time across processes) and PostgreSQL. Writers
 * racing through both workers lose nothing, a subscriber on one worker hears
 * what was written through the other, the metrics on METRICS_PORT add up both,
 * a dead worker is replaced, and SIGTERM drains them all.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { Inbox } from './helpers/inbox.js';
import { scrape, valueOf } from './helpers/metrics.js';
import { freePort } from './helpers/ports.js';
import { queryServer, runScript, startServerProcess, type ServerProcess } from './helpers/process.js';
import { until } from './helpers/until.js';

const createTodo = (description: string) =>
  `mutation { createTodo(description: "${description}", dueDate: "24-10-2027") { success errors todo { id } } }`;

interface Created {
  data: { createTodo: { success: boolean; errors: string[] | null; todo: { id: string } | null } };
}

/** The worker processes of the primary `pid`. */
const workersOf = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);

const listening = (server: ServerProcess) => server.stdout().split('"msg":"todo-graphql is listening"').length - 1;

/** POSTs `query` on a connection of its own, so that the cluster hands it to the next worker in turn. */
function postOnNewConnection(url: string, query: string): Promise<Created> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${url}/graphql`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve(JSON.parse(text) as Created));
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify({ query }));
  });
}

async function startCluster(env: Record<string, string>): Promise<ServerProcess> {
  const server = await startServerProcess({ WORKERS: '2', ...env });
  await until(() => listening(server) === 2, 'both workers listening');
  return server;
}

for (const target of databaseTargets) {
  describe(`two workers on one port, on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: ServerProcess;
    let metricsPort: number;
    before(async () => {
      db = await target.create();
      metricsPort = await freePort();
      server = await startCluster({ DATABASE_URL: db.url, METRICS_PORT: String(metricsPort) });
    });
    after(async () => {
      await server.stop();
      await db.drop();
    });

    it('migrates once, in the primary, before the workers start', () => {
      const applied = server.stdout().split('"migration":"0001_create_todos"').length - 1;
      assert.equal(applied, 1);
      assert.match(server.stdout(), /"role":"primary".*"msg":"cluster started"/);
    });

    it('loses no write when 300 creates race through both workers', async () => {
      const results = await Promise.all(
        Array.from({ length: 300 }, (_, i) => postOnNewConnection(server.url, createTodo(`race ${i}`))),
      );
      for (const result of results) assert.equal(result.data.createTodo.success, true, JSON.stringify(result));
      const ids = new Set(results.map((result) => result.data.createTodo.todo?.id));
      assert.equal(ids.size, 300, 'every create got an id of its own');

      const { body } = await queryServer(server.url, '{ todos { todos { id description } } }');
      const stored = (body as { data: { todos: { todos: { id: string; description: string }[] } } }).data.todos.todos;
      assert.equal(stored.filter((todo) => todo.description.startsWith('race ')).length, 300);
      // Both workers answered some of them.
      for (const worker of [1, 2]) {
        assert.match(server.stdout(), new RegExp(`"worker":${worker},[^\\n]*"msg":"request"`), `worker ${worker}`);
      }
    });

    it('tells a subscriber on one worker about writes made through the other', async () => {
      const events = new Inbox<string>();
      const client = createClient({ url: `${server.url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket });
      try {
        await new Promise<void>((resolve, reject) => {
          client.subscribe<{ changes: { kind: string; todo: { description: string } | null } }>(
            { query: 'subscription { changes { kind todo { description } } }' },
            {
              next: (result) => {
                const description = result.data?.changes.todo?.description;
                if (description) events.push(description);
              },
              error: reject,
              complete: () => events.fail('completed'),
            },
          );
          client.on('connected', () => resolve());
        });
        // The subscription is registered once a sentinel written on its own socket's worker comes back.
        await until(async () => {
          await postOnNewConnection(server.url, createTodo('sentinel'));
          return events.take().length > 0;
        }, 'the subscription to hear a sentinel');
        // Connections go to the workers in turn: four in a row reach both.
        for (let i = 0; i < 4; i++) await postOnNewConnection(server.url, createTodo(`live ${i}`));
        const heard = await events.through((description) => description === 'live 3');
        assert.deepEqual(
          heard.filter((description) => description.startsWith('live ')),
          ['live 0', 'live 1', 'live 2', 'live 3'],
        );
      } finally {
        await client.dispose();
      }
    });

    it('serves both workers’ metrics, summed, on METRICS_PORT', async () => {
      const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
      const operations = (samples: Awaited<ReturnType<typeof scrape>>) =>
        valueOf(samples, 'todo_graphql_operations_total', { graphql_operation_type: 'mutation', outcome: 'success' });
      const before = operations(await scrape(metricsUrl));
      for (let i = 0; i < 6; i++) await postOnNewConnection(server.url, createTodo(`counted ${i}`));
      assert.equal(operations(await scrape(metricsUrl)) - before, 6);
      // And not on the API's port, where one worker would answer for itself alone.
      const { status } = await fetch(`${server.url}/metrics`);
      assert.equal(status, 404);
    });

    it('replaces a worker that dies', async () => {
      const [victim] = workersOf(server.child.pid ?? 0);
      assert.ok(victim, 'a worker to kill');
      process.kill(victim, 'SIGKILL');
      await until(() => listening(server) === 3, 'a new worker listening');
      assert.match(server.stdout(), /"msg":"a worker died: starting another"/);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => postOnNewConnection(server.url, createTodo(`after ${i}`))),
      );
      for (const result of results) assert.equal(result.data.createTodo.success, true);
    });
  });
}

describe('two workers: starting and stopping', () => {
  it('drains every worker on SIGTERM and exits 0', async () => {
    const db = await databaseTargets[0]?.create();
    assert.ok(db);
    const server = await startCluster({ DATABASE_URL: db.url });
    const workers = workersOf(server.child.pid ?? 0);
    assert.equal(workers.length, 2);
    const writes = Array.from({ length: 50 }, (_, i) => postOnNewConnection(server.url, createTodo(`drain ${i}`)));
    await Promise.race(writes);
    assert.equal(await server.stop('SIGTERM'), 0, server.stderr());
    await Promise.allSettled(writes);
    assert.equal(server.stdout().split('"msg":"stopped"').length - 1, 2, 'both workers stopped');
    for (const worker of workers) assert.throws(() => process.kill(worker, 0), 'the worker is gone');
    await db.drop();
  });

  it('drains every worker when the whole process group gets SIGTERM (as systemd sends it)', async () => {
    const db = await databaseTargets[0]?.create();
    assert.ok(db);
    const server = await startCluster({ DATABASE_URL: db.url });
    const workers = workersOf(server.child.pid ?? 0);
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', resolve));
    // Each worker hears it directly, then again from the primary.
    for (const worker of workers) process.kill(worker, 'SIGTERM');
    server.child.kill('SIGTERM');
    assert.equal(await exited, 0, server.stdout() + server.stderr());
    assert.equal(server.stdout().split('"msg":"stopped"').length - 1, 2, 'both workers drained and stopped');
    await db.drop();
  });

  it('replaces every worker when all of them die at once', async () => {
    const db = await databaseTargets[0]?.create();
    assert.ok(db);
    // A port of its own: with none left listening, the cluster listens anew, on PORT.
    const server = await startCluster({ DATABASE_URL: db.url, PORT: String(await freePort()) });
    try {
      for (const worker of workersOf(server.child.pid ?? 0)) process.kill(worker, 'SIGKILL');
      await until(() => listening(server) === 4, 'two new workers listening');
      const result = await postOnNewConnection(server.url, createTodo('after all died'));
      assert.equal(result.data.createTodo.success, true);
    } finally {
      assert.equal(await server.stop('SIGTERM'), 0);
      await db.drop();
    }
  });

  it('stops, exit 1, when its workers cannot listen', async () => {
    const db = await databaseTargets[0]?.create();
    assert.ok(db);
    const taken = http.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => taken.once('listening', resolve));
    const { port } = taken.address() as { port: number };
    const result = await runScript('dist/server.js', { DATABASE_URL: db.url, WORKERS: '2', PORT: String(port) });
    taken.close();
    await db.drop();
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /"msg":"a worker could not start: stopping"/);
  });

  it('refuses a response cache in each worker without Redis', async () => {
    const result = await runScript('dist/server.js', { WORKERS: '2', RESPONSE_CACHE_TTL_SECONDS: '5' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /RESPONSE_CACHE_TTL_SECONDS with WORKERS > 1 needs REDIS_URL/);
  });
});
