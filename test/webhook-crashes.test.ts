/**
 * The two checks on webhook delivery, with a real receiver that
 * verifies signatures with `standardwebhooks` and deduplicates by
 * `webhook-id`, as the spec tells receivers to:
 * - the API process killed (SIGKILL) mid-delivery and started again: every
 *   event arrives, each processed once; the only repeats are resends of the
 *   same event, byte for byte;
 * - a server shut down mid-delivery gives the delivery back, uncounted, for
 *   the next one to send;
 * - a server starting deletes finished deliveries past their retention;
 * - two instances on one PostgreSQL database under a stream of changes: each
 *   event is delivered exactly once, and both instances deliver.
 * Runs dist/server.js: `npm run build` first.
 */
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { after, before, describe, it } from 'node:test';
import type { Caller } from './helpers/accounts.js';
import { register, signedIn } from './helpers/accounts.js';
import { databaseTargets, postgresTarget, type TestDatabase } from './helpers/databases.js';
import { startServerProcess } from './helpers/process.js';
import { startTestServer, TEST_AUTH_SECRET, type TestServer } from './helpers/server.js';
import { until } from './helpers/until.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/hook-receiver.js';
import { addTodo, callerAt, deliveriesOf, FAST_WEBHOOKS, registerEndpoint } from './helpers/webhooks.js';

const WEBHOOKS = {
  WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
  WEBHOOK_BACKOFF_BASE_MS: '50',
  WEBHOOK_POLL_MS: '50',
  WEBHOOK_MAX_ATTEMPTS: '20',
  // Bounds what the delivery log's query may cost (MAX_QUERY_COST).
  WEBHOOK_MAX_ENDPOINTS_PER_USER: '2',
  // The lease of a claimed delivery is twice this and 5 s: how long a crashed worker's deliveries wait.
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_CONCURRENCY: '4',
};

/** Every arrival verified; every id that came more than once came with the same body each time. */
function assertOnlySameEventResends(receiver: WebhookReceiver): Map<string, number> {
  const byId = new Map<string, string>();
  const counts = new Map<string, number>();
  for (const arrival of receiver.arrivals) {
    assert.equal(arrival.valid, true, `arrival ${arrival.id} has a valid signature`);
    const first = byId.get(arrival.id);
    if (first === undefined) byId.set(arrival.id, arrival.body);
    else assert.equal(arrival.body, first, `a resend of ${arrival.id} is the same event`);
    counts.set(arrival.id, (counts.get(arrival.id) ?? 0) + 1);
  }
  return counts;
}

for (const target of databaseTargets) {
  describe(`webhooks across a crash on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let receiver: WebhookReceiver;

    before(async () => {
      db = await target.create();
      receiver = await startWebhookReceiver();
    });
    after(async () => {
      await receiver.close();
      await db.drop();
    });

    it('delivers every event, each processed once, when the process is killed mid-delivery', async () => {
      const env = { DATABASE_URL: db.url, AUTH_SECRET: TEST_AUTH_SECRET, ...WEBHOOKS };
      let instance = await startServerProcess(env);
      try {
        const { token } = await register({ graphqlUrl: `${instance.url}/graphql` } as TestServer, 'hook-crash');
        let as = callerAt(`${instance.url}/graphql`, token);
        await registerEndpoint(as, receiver, '/crash');
        // The first ten are answered; after them the receiver holds every answer back,
        // so that deliveries are in flight when the process dies.
        receiver.answer(() => (receiver.arrivals.length <= 10 ? 204 : 'hold'));
        const count = 30;
        const todoIds: string[] = [];
        for (let index = 0; index < count; index += 1) todoIds.push(await addTodo(as, `Chore ${index}`));
        await until(() => receiver.arrivals.length >= 14, 'deliveries held in flight');
        await instance.stop('SIGKILL');
        receiver.answer(() => 204);

        instance = await startServerProcess(env);
        as = callerAt(`${instance.url}/graphql`, token);
        await until(() => receiver.processed('/crash').length === count, 'every event, after the restart', 60_000);
        const processed = receiver.processed('/crash');
        assert.deepEqual(processed.map((event) => event.data.todoId).sort(), [...todoIds].sort());
        const counts = assertOnlySameEventResends(receiver);
        assert.equal(counts.size, count, 'no event was invented');
        assert.ok(
          [...counts.values()].some((times) => times > 1),
          'the deliveries cut short by the crash were sent again',
        );
        await until(
          async () => (await deliveriesOf(as)).every((delivery) => delivery.status === 'DELIVERED'),
          'the log to say every delivery arrived',
        );
        assert.equal((await deliveriesOf(as)).length, count);
      } finally {
        await instance.stop('SIGKILL');
      }
    });

    it('deletes finished deliveries past WEBHOOK_LOG_RETENTION_DAYS, and never a pending one', async () => {
      // Retries an hour apart: a failed first attempt leaves its delivery pending for the test.
      const env = { ...FAST_WEBHOOKS, WEBHOOK_BACKOFF_BASE_MS: '3600000' };
      let server = await startTestServer(db, env);
      try {
        const { token } = await signedIn(server, 'hook-retention');
        await registerEndpoint(callerAt(server.graphqlUrl, token), receiver, '/retention');
        receiver.answer((arrival) =>
          arrival.path === '/retention' && receiver.arrivals.filter((one) => one.path === '/retention').length > 1
            ? 500
            : 204,
        );
        const statuses = async () =>
          (await deliveriesOf(callerAt(server.graphqlUrl, token))).map((delivery) => delivery.status);
        await addTodo(callerAt(server.graphqlUrl, token), 'Delivered long ago');
        await until(async () => (await statuses()).join() === 'DELIVERED', 'the first delivery');
        await addTodo(callerAt(server.graphqlUrl, token), 'Still trying');
        await until(
          async () => (await deliveriesOf(callerAt(server.graphqlUrl, token)))[0]?.attempts.length === 1,
          'the second delivery to fail once',
        );
        // Both made to look old, as if the server had run for years.
        await sql`update webhook_deliveries set created_at = ${'2000-01-01T00:00:00.000Z'}`.execute(server.database.db);
        await server.close();
        server = await startTestServer(db, env);
        assert.deepEqual(await statuses(), ['PENDING']);
        assert.ok(
          server.logLines.some((line) => line.msg === 'housekeeping: deleted webhook deliveries past their time'),
        );
      } finally {
        receiver.answer(() => 204);
        await server.close();
      }
    });

    it('gives a delivery in flight back when the server shuts down, for the next one to send', async () => {
      // A deadline so long that only the shutdown can end the attempt.
      const first = await startTestServer(db, { ...FAST_WEBHOOKS, WEBHOOK_TIMEOUT_MS: '120000' });
      const as = await signedIn(first, 'hook-shutdown');
      await registerEndpoint(as, receiver, '/shutdown');
      receiver.answer((arrival) => (arrival.path === '/shutdown' ? 'hold' : 204));
      await addTodo(as, 'In flight');
      await until(() => receiver.arrivals.some((one) => one.path === '/shutdown'), 'the delivery to be in flight');
      await first.close();
      receiver.answer(() => 204);
      const next = await startTestServer(db, FAST_WEBHOOKS);
      try {
        await until(() => receiver.processed('/shutdown').length === 1, 'the delivery, from the next server');
        const again = callerAt(next.graphqlUrl, as.token);
        await until(async () => (await deliveriesOf(again))[0]?.status === 'DELIVERED', 'the log to say delivered');
        const [delivery] = await deliveriesOf(again);
        // The attempt cut short is not counted against the receiver.
        assert.deepEqual(
          delivery?.attempts.map((attempt) => [attempt.attempt, attempt.delivered]),
          [[1, true]],
        );
      } finally {
        await next.close();
      }
    });
  });
}

describe('webhooks from two instances on one PostgreSQL database', { skip: postgresTarget.skip }, () => {
  let db: TestDatabase;
  let receiver: WebhookReceiver;
  let first: TestServer;
  let second: TestServer;

  before(async () => {
    db = await postgresTarget.create();
    receiver = await startWebhookReceiver();
    // A generous deadline: no attempt times out on a busy machine, so any repeat would be a double claim.
    const env = { ...WEBHOOKS, WEBHOOK_CONCURRENCY: '2', WEBHOOK_TIMEOUT_MS: '15000' };
    first = await startTestServer(db, env);
    second = await startTestServer(db, env);
  });
  after(async () => {
    await first.close();
    await second.close();
    await receiver.close();
    await db.drop();
  });

  it('delivers each event exactly once while both take from the outbox', async () => {
    // A receiver that takes a moment: each instance's worker is busy while the other claims.
    receiver.delay(20);
    const alice = await signedIn(first, 'hook-alice');
    const bob = await signedIn(first, 'hook-bob');
    await registerEndpoint(alice, receiver, '/alice');
    await registerEndpoint(bob, receiver, '/bob');
    const onSecond = (caller: Caller & { token: string }) => callerAt(second.graphqlUrl, caller.token);
    const writers = [alice, bob, onSecond(alice), onSecond(bob)];
    const rounds = 15;
    for (let round = 0; round < rounds; round += 1) {
      await Promise.all(writers.map((as, index) => addTodo(as, `Round ${round}, writer ${index}`)));
    }
    const perUser = rounds * 2;
    await until(
      () => receiver.processed('/alice').length === perUser && receiver.processed('/bob').length === perUser,
      'every event',
      60_000,
    );
    // Nothing is left to send: every delivery is recorded as delivered, so no later arrival can come.
    await until(
      async () =>
        [...(await deliveriesOf(alice)), ...(await deliveriesOf(bob))].every(
          (delivery) => delivery.status === 'DELIVERED' && delivery.attempts.length === 1,
        ),
      'the log to say every delivery arrived at the first attempt',
    );
    const counts = assertOnlySameEventResends(receiver);
    assert.equal(counts.size, perUser * 2);
    assert.equal(receiver.arrivals.length, perUser * 2, 'no event arrived twice');
    const delivered = (server: TestServer) =>
      server.logLines.filter((line) => line.msg === 'webhook attempt' && line.delivered === true).length;
    assert.equal(delivered(first) + delivered(second), perUser * 2);
    assert.ok(delivered(first) > 0 && delivered(second) > 0, 'both instances delivered');
  });
});
