/**
 * Idempotency-Key on both databases, through graphql-request as its users
 * configure it: a retried mutation is answered again and runs once; a key
 * reused for another request, a malformed key and a key still in use are
 * refused with their codes; racing retries run once; a server fault releases
 * the key; a timeout or a crash mid-request leaves the outcome unknown rather
 * than running the mutation twice.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { GraphQLClient } from 'graphql-request';
import pg from 'pg';
import { call, register, signedIn } from './helpers/accounts.js';
import { databaseTargets, postgresTarget, type TestDatabase } from './helpers/databases.js';
import { startServerProcess } from './helpers/process.js';
import { startTestServer, TEST_AUTH_SECRET, type TestServer } from './helpers/server.js';

const ADD = 'mutation Add($d: String!) { addTodo(input: { description: $d }) { status todo { id description } } }';
const COUNT = '{ allTodos(first: 100) { totalCount } }';

/** A POST as a client sends it, to read the status and headers graphql-request keeps to itself on failure. */
async function post(url: string, body: unknown, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    replayed: response.headers.get('idempotent-replayed'),
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] },
  };
}

const countOf = async (server: { graphqlUrl: string }, token: string) =>
  ((await call(server as TestServer, COUNT, {}, { token })).body.data as { allTodos: { totalCount: number } }).allTodos
    .totalCount;

for (const target of databaseTargets) {
  describe(`idempotency keys on ${target.name}`, { skip: target.skip }, () => {
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

    it('answers a retried mutation with its first answer, marked replayed, and runs it once', async () => {
      const { token } = await register(server, 'idem-retry');
      const key = randomUUID();
      const client = new GraphQLClient(server.graphqlUrl, {
        headers: { authorization: `Bearer ${token}`, 'Idempotency-Key': key },
      });
      const first = await client.rawRequest<{ addTodo: { todo: { id: string } } }>(ADD, { d: 'Pay rent' });
      const again = await client.rawRequest<{ addTodo: { todo: { id: string } } }>(ADD, { d: 'Pay rent' });
      assert.deepEqual(again.data, first.data);
      assert.equal(first.headers.get('idempotent-replayed'), null);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(await countOf(server, token), 1);
      // A new key is a new request.
      const other = new GraphQLClient(server.graphqlUrl, {
        headers: { authorization: `Bearer ${token}`, 'Idempotency-Key': randomUUID() },
      });
      const third = await other.request<{ addTodo: { todo: { id: string } } }>(ADD, { d: 'Pay rent' });
      assert.notEqual(third.addTodo.todo.id, first.data.addTodo.todo.id);
      assert.equal(await countOf(server, token), 2);
    });

    it('releases the key of a request that never ran: a persisted query the server did not know yet', async () => {
      const { token } = await register(server, 'idem-apq');
      const headers = { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() };
      const sha256Hash = createHash('sha256').update(ADD).digest('hex');
      const extensions = { persistedQuery: { version: 1, sha256Hash } };
      const hashOnly = await post(server.graphqlUrl, { extensions, variables: { d: 'Once' } }, headers);
      assert.equal(hashOnly.body.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND');
      // Apollo's link sends the document next, under the same key: it runs.
      const full = await post(server.graphqlUrl, { query: ADD, extensions, variables: { d: 'Once' } }, headers);
      assert.equal(full.status, 200);
      assert.equal(full.replayed, null);
      assert.equal(await countOf(server, token), 1);
    });

    it('ignores keys from anonymous callers, who share one space', async () => {
      const headers = { 'idempotency-key': 'anonymous-key' };
      const body = { query: 'mutation { createTodo(description: "Anon", dueDate: "01-01-2030") { todo { id } } }' };
      const first = await post(server.graphqlUrl, body, headers);
      const second = await post(server.graphqlUrl, body, headers);
      assert.equal(second.replayed, null);
      assert.notDeepEqual(first.body, second.body);
    });

    it('keeps each caller’s keys apart', async () => {
      const ann = await register(server, 'idem-ann');
      const bob = await register(server, 'idem-bob');
      const key = 'shared-key-1';
      for (const { token } of [ann, bob]) {
        const answer = await post(
          server.graphqlUrl,
          { query: ADD, variables: { d: 'Mine' } },
          {
            authorization: `Bearer ${token}`,
            'idempotency-key': key,
          },
        );
        assert.equal(answer.replayed, null);
        assert.equal(await countOf(server, token), 1);
      }
    });

    it('refuses a key reused for another request (422) and a malformed key (400)', async () => {
      const { token } = await register(server, 'idem-reuse');
      const headers = { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() };
      assert.equal((await post(server.graphqlUrl, { query: ADD, variables: { d: 'One' } }, headers)).status, 200);
      const reused = await post(server.graphqlUrl, { query: ADD, variables: { d: 'Two' } }, headers);
      assert.equal(reused.status, 422);
      assert.equal(reused.body.errors?.[0]?.extensions?.code, 'IDEMPOTENCY_KEY_REUSED');
      for (const key of ['', 'x'.repeat(256), 'with space', 'naïve']) {
        const bad = await post(
          server.graphqlUrl,
          { query: ADD, variables: { d: 'Three' } },
          {
            authorization: `Bearer ${token}`,
            'idempotency-key': key,
          },
        ).catch(() => ({ status: 400, body: { errors: [{ extensions: { code: 'BAD_REQUEST' } }] } }));
        assert.equal(bad.status, 400, JSON.stringify(key));
        assert.equal(bad.body.errors?.[0]?.extensions?.code, 'BAD_REQUEST');
      }
      assert.equal(await countOf(server, token), 1);
    });

    it('runs one of many racing retries; the others get its answer or are told it is running', async () => {
      const as = await signedIn(server, 'idem-race');
      const headers = { authorization: `Bearer ${as.token}`, 'idempotency-key': randomUUID() };
      const answers = await Promise.all(
        Array.from({ length: 12 }, () => post(server.graphqlUrl, { query: ADD, variables: { d: 'Once' } }, headers)),
      );
      const ran = answers.filter((answer) => answer.status === 200 && answer.replayed === null);
      const replayed = answers.filter((answer) => answer.replayed === 'true');
      const running = answers.filter((answer) => answer.status === 409);
      assert.equal(ran.length, 1, JSON.stringify(answers.map((answer) => answer.status)));
      assert.equal(ran.length + replayed.length + running.length, answers.length);
      for (const answer of replayed) assert.deepEqual(answer.body, ran[0]?.body);
      for (const answer of running) {
        assert.equal(answer.body.errors?.[0]?.extensions?.code, 'IDEMPOTENCY_KEY_IN_USE');
        assert.equal(answer.retryAfter, '1');
      }
      assert.equal(await countOf(server, as.token), 1);
    });
  });
}

describe('idempotency keys through faults, on postgres', { skip: postgresTarget.skip }, () => {
  let db: TestDatabase;
  let locker: pg.Client;

  before(async () => {
    db = await postgresTarget.create();
    locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
  });
  after(async () => {
    await locker.end();
    await db.drop();
  });

  it('keeps the key of a request that failed on the server (503): whether it ran is unknown', async () => {
    const server = await startTestServer(db, { DATABASE_TIMEOUT_MS: '300', BATCH_MAX: '1' });
    try {
      const { token } = await register(server, 'idem-fault');
      const headers = { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() };
      await locker.query('begin; lock table todos in access exclusive mode');
      const failed = await post(server.graphqlUrl, { query: ADD, variables: { d: 'Later' } }, headers);
      await locker.query('rollback');
      assert.equal(failed.status, 503);
      const retried = await post(server.graphqlUrl, { query: ADD, variables: { d: 'Later' } }, headers);
      assert.equal(retried.body.errors?.[0]?.extensions?.code, 'IDEMPOTENCY_KEY_IN_USE');
      assert.equal(await countOf(server, token), 0);
    } finally {
      await server.close();
    }
  });

  it('keeps the key of a request that timed out, whose write may still land, from running it again', async () => {
    // Long enough for registering (a password hash) on a loaded machine, short enough to wait out.
    const server = await startTestServer(db, {
      REQUEST_TIMEOUT_MS: '1000',
      DATABASE_TIMEOUT_MS: '30000',
      BATCH_MAX: '1',
    });
    try {
      const { token } = await register(server, 'idem-timeout');
      const headers = { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() };
      await locker.query('begin; lock table todos in access exclusive mode');
      const timedOut = await post(server.graphqlUrl, { query: ADD, variables: { d: 'Slow' } }, headers);
      assert.equal(timedOut.status, 503);
      assert.equal(timedOut.body.errors?.[0]?.extensions?.code, 'TIMEOUT');
      await locker.query('rollback');
      // The write the client was told timed out lands after all…
      const deadline = Date.now() + 5000;
      while ((await countOf(server, token)) === 0 && Date.now() < deadline) await sleep(50);
      assert.equal(await countOf(server, token), 1);
      // …so a retry under its key must not run it again.
      const retried = await post(server.graphqlUrl, { query: ADD, variables: { d: 'Slow' } }, headers);
      assert.equal(retried.body.errors?.[0]?.extensions?.code, 'IDEMPOTENCY_KEY_IN_USE');
      // Past REQUEST_TIMEOUT_MS × BATCH_MAX + 5 s, the first request can no longer be running.
      await sleep(6300);
      const later = await post(server.graphqlUrl, { query: ADD, variables: { d: 'Slow' } }, headers);
      assert.equal(later.body.errors?.[0]?.extensions?.code, 'IDEMPOTENCY_OUTCOME_UNKNOWN');
      assert.equal(await countOf(server, token), 1);
    } finally {
      await server.close();
    }
  });

  it('answers IDEMPOTENCY_OUTCOME_UNKNOWN after a crash mid-request, and never runs it twice', async () => {
    // The first instance would wait for the database for as long as it takes; the
    // second (as every instance of a deployment should) has the short timeout
    // that tells it when the first request can no longer be running.
    const env = { DATABASE_URL: db.url, AUTH_SECRET: TEST_AUTH_SECRET, DATABASE_TIMEOUT_MS: '30000' };
    let instance = await startServerProcess({ ...env, REQUEST_TIMEOUT_MS: '30000' });
    const graphqlUrl = `${instance.url}/graphql`;
    const { token } = await register({ graphqlUrl } as TestServer, 'idem-crash');
    const headers = { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() };
    await locker.query('begin; lock table todos in access exclusive mode');
    const inFlight = post(graphqlUrl, { query: ADD, variables: { d: 'Crashed' } }, headers).catch(() => null);
    // The key is claimed, the insert waits on the lock: the process dies there.
    await sleep(500);
    await instance.stop('SIGKILL');
    assert.equal(await inFlight, null);
    await locker.query('rollback');
    instance = await startServerProcess({ ...env, REQUEST_TIMEOUT_MS: '1000', BATCH_MAX: '1' });
    try {
      const url = `${instance.url}/graphql`;
      // Until the first request could no longer be running, it counts as running.
      const soon = await post(url, { query: ADD, variables: { d: 'Crashed' } }, headers);
      assert.equal(soon.body.errors?.[0]?.extensions?.code, 'IDEMPOTENCY_KEY_IN_USE');
      await sleep(6500);
      const later = await post(url, { query: ADD, variables: { d: 'Crashed' } }, headers);
      assert.equal(later.status, 409);
      assert.equal(later.body.errors?.[0]?.extensions?.code, 'IDEMPOTENCY_OUTCOME_UNKNOWN');
      assert.equal(
        await countOf({ graphqlUrl: url }, token),
        0,
        'the crashed request changed nothing, and was not run again',
      );
    } finally {
      await instance.stop();
    }
  });
});
