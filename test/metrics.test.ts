/**
 * Prometheus metrics, scraped as Prometheus would after real operations on
 * both databases: each counter and histogram moves by exactly what was done
 * (successes, payload failures, each class of error, refusals by a limit, a
 * subscription and its event, response cache hits, SQL statements), operation
 * names stay a bounded set of series however many a client makes up, and the
 * metrics can move to a port of their own or be turned off.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseTargets, sqliteTarget, type TestDatabase } from './helpers/databases.js';
import { changes, scrape, valueOf, type Sample } from './helpers/metrics.js';
import { freePort } from './helpers/ports.js';
import { PrivateRedis } from './helpers/redis.js';
import { subscribeRaw, type RawSubscriber } from './helpers/raw-subscriber.js';
import { CHANGES } from './helpers/subscribers.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Counter, Histogram, Registry } from 'prom-client';
import { BoundCounter, BoundHistogram } from '../src/metrics/bound-series.js';
import { until } from './helpers/until.js';

const OPERATIONS = 'todo_graphql_operations_total';
const ERRORS = 'todo_graphql_errors_total';
const REFUSALS = 'todo_graphql_refusals_total';
const DOCUMENTS = 'todo_graphql_document_cache_requests_total';
const STATEMENTS = 'todo_graphql_db_statement_duration_seconds_count';
const HTTP = 'http_server_request_duration_seconds_count';
const RELAY = 'todo_graphql_redis_relay_connected';
const CREATE = 'mutation AddOne { createTodo(description: "Metered", dueDate: "01-01-2030") { success todo { id } } }';

for (const target of databaseTargets) {
  describe(`Prometheus metrics on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;
    let statements = 0;
    const sockets: RawSubscriber[] = [];

    before(async () => {
      db = await target.create();
      server = await startTestServer(
        db,
        { RESPONSE_CACHE_TTL_SECONDS: '60', MAX_QUERY_ALIASES: '1' },
        { onStatement: () => (statements += 1) },
      );
    });
    after(async () => {
      for (const { socket } of sockets) socket.terminate();
      await server.close();
      await db.drop();
    });

    const metrics = () => scrape(`${server.url}/metrics`);

    /** What `act` moved in the metrics, and how many statements it sent. */
    async function moved(act: () => Promise<unknown>) {
      const before = await metrics();
      const statementsBefore = statements;
      await act();
      const after = await metrics();
      return { delta: changes(before, after), statements: statements - statementsBefore };
    }

    it('counts a query and a mutation, their cache lookups, statements and HTTP requests', async () => {
      const query = 'query Metered { todos { success } }';
      const first = await moved(() => server.data(query));
      assert.equal(first.delta(OPERATIONS, { graphql_operation_name: 'Metered', outcome: 'success' }), 1);
      assert.equal(first.delta(OPERATIONS), 1);
      assert.equal(
        first.delta('todo_graphql_operation_duration_seconds_count', { graphql_operation_name: 'Metered' }),
        1,
      );
      assert.equal(first.delta(DOCUMENTS, { cache: 'document', result: 'miss' }), 1);
      assert.equal(first.delta(DOCUMENTS, { cache: 'compiled', result: 'miss' }), 1);
      assert.equal(first.delta('todo_graphql_response_cache_requests_total', { result: 'miss' }), 1);
      assert.equal(first.delta(HTTP, { http_route: '/graphql', http_response_status_class: '2xx' }), 1);
      // Every statement sent, timed once, under this database's name.
      assert.ok(first.statements > 0);
      assert.equal(first.delta(STATEMENTS), first.statements);
      assert.equal(
        first.delta(STATEMENTS, { db_system: target.name === 'sqlite' ? 'sqlite' : 'postgresql' }),
        first.statements,
      );

      const again = await moved(() => server.data(query));
      assert.equal(again.delta(OPERATIONS, { graphql_operation_name: 'Metered', outcome: 'success' }), 1);
      assert.equal(again.delta(DOCUMENTS, { cache: 'document', result: 'hit' }), 1);
      assert.equal(again.delta('todo_graphql_response_cache_requests_total', { result: 'hit' }), 1);
      // Served from the response cache: nothing executed, nothing read.
      assert.equal(again.delta(DOCUMENTS, { cache: 'compiled' }), 0);
      assert.equal(again.statements, 0);
      assert.equal(again.delta(STATEMENTS), 0);

      await server.data(CREATE);
      const mutation = await moved(() => server.data(CREATE));
      assert.equal(
        mutation.delta(OPERATIONS, { graphql_operation_type: 'mutation', graphql_operation_name: 'AddOne' }),
        1,
      );
      assert.equal(mutation.delta(DOCUMENTS, { cache: 'compiled', result: 'hit' }), 1);
      // The todo, its history entry, its sync log rows, and its webhook deliveries (none here).
      assert.equal(mutation.delta(STATEMENTS, { kind: 'insert' }), 4);
      assert.equal(mutation.delta(STATEMENTS), mutation.statements);
    });

    it('counts a payload failure as a success, and each error by its code', async () => {
      const payloadFailure = await moved(() =>
        server.data('mutation Gone { deleteTodo(todoId: "999999") { success errors } }'),
      );
      assert.equal(payloadFailure.delta(OPERATIONS, { graphql_operation_name: 'Gone', outcome: 'success' }), 1);
      assert.equal(payloadFailure.delta(ERRORS), 0);

      const invalid = await moved(() => server.graphql('{ nothingHere }'));
      assert.equal(invalid.delta(ERRORS, { code: 'GRAPHQL_VALIDATION_FAILED' }), 1);
      assert.equal(invalid.delta(OPERATIONS), 0, 'a document that does not validate never runs');

      const unset = await moved(() => server.graphql('query Unset($id: ID!) { todo(todoId: $id) { success } }'));
      assert.equal(unset.delta(ERRORS, { code: 'BAD_USER_INPUT' }), 1);
      assert.equal(unset.delta(OPERATIONS, { graphql_operation_name: 'Unset', outcome: 'error' }), 1);

      const aliased = await moved(() => server.graphql('{ a: todos { success } b: todos { success } }'));
      assert.equal(aliased.delta(REFUSALS, { reason: 'MAX_QUERY_ALIASES' }), 1);
      assert.equal(aliased.delta(ERRORS, { code: 'QUERY_LIMIT_EXCEEDED' }), 1);
      assert.equal(aliased.delta(OPERATIONS), 0);

      const stranger = await moved(() =>
        server.graphql('{ todos { success } }', undefined, { authorization: 'Bearer not-a-token' }),
      );
      assert.equal(stranger.delta(ERRORS, { code: 'UNAUTHENTICATED' }), 1);
      assert.equal(stranger.delta(HTTP, { http_route: '/graphql', http_response_status_class: '4xx' }), 1);

      const lost = await moved(() => fetch(`${server.url}/no/such/${Math.random()}`));
      assert.equal(lost.delta(HTTP, { http_route: 'unmatched', http_response_status_class: '4xx' }), 1);
    });

    it('follows a subscription: its connection, the event it is handed and how late', async () => {
      const ws = server.graphqlUrl.replace('http', 'ws');
      const before = await metrics();
      const subscriber = await subscribeRaw(ws, CHANGES);
      sockets.push(subscriber);
      await until(
        async () => valueOf(await metrics(), 'todo_graphql_live_subscriptions') === 1,
        'the subscription to be counted',
      );
      await server.data(CREATE);
      let after: Sample[] = [];
      await until(async () => {
        after = await metrics();
        return changes(before, after)('todo_graphql_live_events_delivered_total') === 1;
      }, 'the event to be counted');
      const delta = changes(before, after);
      assert.equal(delta('todo_graphql_live_connections', { transport: 'websocket' }), 1);
      assert.equal(delta('todo_graphql_live_delivery_lag_seconds_count'), 1);
      subscriber.socket.close();
      await until(async () => {
        const now = await metrics();
        return (
          valueOf(now, 'todo_graphql_live_subscriptions') === 0 &&
          changes(before, now)('todo_graphql_live_connections') === 0
        );
      }, 'the subscription and its connection to be gone');
    });

    it('shows the connection pool on PostgreSQL, and none on SQLite, which has one connection', async () => {
      const now = await metrics();
      const pool = now.filter((sample) => sample.name === 'todo_graphql_db_pool_connections');
      if (target.name === 'sqlite') {
        assert.deepEqual(pool, []);
        return;
      }
      assert.ok(valueOf(now, 'todo_graphql_db_pool_connections', { state: 'total' }) >= 1);
      assert.equal(valueOf(now, 'todo_graphql_db_pool_connections', { state: 'waiting' }), 0);
    });
  });
}

describe('operation names as label values', () => {
  let db: TestDatabase;
  let server: TestServer;
  before(async () => {
    db = await sqliteTarget.create();
    server = await startTestServer(db, { BATCH_MAX: '100', METRICS_MAX_OPERATION_NAMES: '50' });
  });
  after(async () => {
    await server.close();
    await db.drop();
  });

  it('keeps the series bounded when a client sends 10,000 distinct names', async () => {
    for (let batch = 0; batch < 100; batch += 1) {
      const operations = Array.from({ length: 100 }, (_, i) => ({ query: `query Made${batch}x${i} { __typename }` }));
      const response = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(operations),
      });
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as unknown[]).length, 100);
    }
    await server.data('{ __typename }');
    const samples = await scrape(`${server.url}/metrics`);
    const series = samples.filter((sample) => sample.name === OPERATIONS);
    // 50 names of their own, "other" and "anonymous", each with its two outcomes.
    assert.equal(series.length, 104);
    assert.equal(series.filter((sample) => sample.value > 0).length, 52);
    assert.equal(valueOf(samples, OPERATIONS), 10_001);
    assert.equal(valueOf(samples, OPERATIONS, { graphql_operation_name: 'other' }), 10_000 - 50);
    assert.equal(valueOf(samples, OPERATIONS, { graphql_operation_name: 'anonymous' }), 1);
    const durations = samples.filter((sample) => sample.name === 'todo_graphql_operation_duration_seconds_count');
    assert.equal(durations.length, 52);
  });
});

describe('series bound once', () => {
  it("export exactly what prom-client's own counter and histogram would", async () => {
    const buckets = [0.001, 0.01, 0.1, 1];
    const values = [0, 0.0005, 0.001, 0.002, 0.05, 0.1, 0.7, 1, 3, 12.5];
    const exposition = async (bound: boolean) => {
      const registry = new Registry();
      const config = { name: 'sample_seconds', help: 'h', labelNames: ['kind'], buckets, registers: [registry] };
      const counterConfig = { name: 'sample_total', help: 'h', labelNames: ['kind'], registers: [registry] };
      if (bound) {
        const histogram = new BoundHistogram(config).bind({ kind: 'a' });
        const counter = new BoundCounter(counterConfig).bind({ kind: 'a' });
        for (const value of values) histogram.observe(value);
        counter.inc();
        counter.inc(4);
      } else {
        const histogram = new Histogram(config);
        const counter = new Counter(counterConfig);
        for (const value of values) histogram.observe({ kind: 'a' }, value);
        counter.inc({ kind: 'a' });
        counter.inc({ kind: 'a' }, 4);
      }
      return registry.metrics();
    };
    assert.equal(await exposition(true), await exposition(false));
  });
});

describe('where the metrics are served', () => {
  let db: TestDatabase;
  before(async () => {
    db = await sqliteTarget.create();
  });
  after(() => db.drop());

  it('serves them on METRICS_PORT alone when it is set', async () => {
    const port = await freePort();
    const server = await startTestServer(db, { METRICS_PORT: String(port) });
    try {
      await server.data('query Elsewhere { todos { success } }');
      assert.equal((await fetch(`${server.url}/metrics`)).status, 404);
      const samples = await scrape(`http://127.0.0.1:${port}/metrics`);
      assert.equal(valueOf(samples, OPERATIONS, { graphql_operation_name: 'Elsewhere' }), 1);
      assert.ok(valueOf(samples, 'process_cpu_seconds_total') > 0, "prom-client's process metrics");
      assert.equal((await fetch(`http://127.0.0.1:${port}/graphql`)).status, 404);
    } finally {
      await server.close();
    }
  });

  it("shows the Redis relay's connection only where there is one", async () => {
    const redis = await PrivateRedis.start();
    const alone = await startTestServer(db, {});
    const relayed = await startTestServer(db, { REDIS_URL: redis.url });
    const connected = async (server: TestServer) =>
      (await scrape(`${server.url}/metrics`)).filter((sample) => sample.name === RELAY).map((sample) => sample.value);
    try {
      assert.deepEqual(await connected(alone), []);
      await until(async () => (await connected(relayed))[0] === 1, 'the relay to connect');
      await redis.kill();
      await until(async () => (await connected(relayed))[0] === 0, 'the relay to be seen disconnected');
    } finally {
      await relayed.close();
      await alone.close();
      await redis.kill();
    }
  });

  it('counts requests past a rate limit as refusals', async () => {
    const server = await startTestServer(db, { RATE_LIMIT_PER_ADDRESS: '2' });
    try {
      for (let i = 0; i < 3; i += 1) await server.graphql('{ todos { success } }');
      const samples = await scrape(`${server.url}/metrics`);
      assert.equal(valueOf(samples, REFUSALS, { reason: 'RATE_LIMITED' }), 1);
      assert.equal(valueOf(samples, ERRORS, { code: 'RATE_LIMITED' }), 1);
      assert.equal(valueOf(samples, OPERATIONS), 2);
    } finally {
      await server.close();
    }
  });

  it('serves none with METRICS_ENABLED=false', async () => {
    const server = await startTestServer(db, { METRICS_ENABLED: 'false' });
    try {
      assert.equal((await fetch(`${server.url}/metrics`)).status, 404);
      await server.data('{ todos { success } }');
    } finally {
      await server.close();
    }
  });
});
