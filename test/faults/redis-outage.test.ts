/**
 * Redis killed and restarted under load, with everything that uses it switched
 * on: two instances on one PostgreSQL share the response cache, the rate limits
 * and the change relay through a Redis of the test's own. Clients write through
 * one instance and read back through the other, so a cached answer a lost
 * invalidation should have hidden would show. Throughout, every request must be
 * answered 200 and read its own writes; once Redis is back, live updates must
 * cross between the instances again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { postgresTarget, type TestDatabase } from '../helpers/databases.js';
import { subscribeRaw } from '../helpers/raw-subscriber.js';
import { PrivateRedis } from '../helpers/redis.js';
import { call } from '../helpers/accounts.js';
import { redisConnections, startTestServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';
import { CREATE, readiness } from './outage-load.js';

/** How long Redis stays down: long enough for every connection to fail and retry. */
const OUTAGE_MS = 1500;
/** Every connection an instance holds to Redis, by the role it logs. */
const REDIS_ROLES = ['publisher', 'subscriber', 'response cache', 'rate limits'];
const MARK_DONE = 'mutation ($id: String!) { markDone(todoId: $id) { success } }';
const READ = 'query ($id: ID!) { todo(todoId: $id) { success todo { description completed } } }';

describe('Redis killed and restarted under load', { skip: postgresTarget.skip, timeout: 180_000 }, () => {
  let db: TestDatabase;
  let redis: PrivateRedis;
  let writer: TestServer;
  let reader: TestServer;

  before(async () => {
    db = await postgresTarget.create();
    redis = await PrivateRedis.start();
    const env = {
      REDIS_URL: redis.url,
      RESPONSE_CACHE_TTL_SECONDS: '300',
      // On, and far above this load: counted in Redis, then in memory while it is gone.
      RATE_LIMIT_PER_ADDRESS: '1000000',
      RATE_LIMIT_PER_USER: '1000000',
    };
    writer = await startTestServer(db, env);
    reader = await startTestServer(db, env);
  });
  after(async () => {
    await Promise.all([writer.close(), reader.close()]);
    await redis.kill();
    await db.drop();
  });

  it('answers every request and reads every write through the outage, then relays changes again', async (t) => {
    const subscriber = await subscribeRaw(
      reader.graphqlUrl.replace(/^http/, 'ws'),
      'subscription { changes { kind todoId } }',
    );
    const heardIds = () =>
      new Set(
        subscriber.messages.flatMap((message) => {
          const change = (message.payload as { data?: { changes?: { todoId?: string } } } | undefined)?.data?.changes;
          return message.type === 'next' && change?.todoId ? [change.todoId] : [];
        }),
      );
    /** Creates todos through the writer until the reader's subscriber hears one. */
    const relayed = (deadlineMs: number) =>
      until(
        async () => {
          const created = await call(writer, CREATE, { d: 'relay probe' });
          const id = (created.body.data as { createTodo: { todo: { id: string } } }).createTodo.todo.id;
          await new Promise((resolve) => setTimeout(resolve, 200));
          return heardIds().has(id);
        },
        'a change relayed from the writer to the reader',
        deadlineMs,
      );
    await relayed(10_000);

    let redisUp = true;
    let stop = false;
    const problems: string[] = [];
    const done: string[] = [];
    let cyclesWithoutRedis = 0;
    const expect = (ok: boolean, what: string, answer: unknown) => {
      if (!ok && problems.length < 20) problems.push(`${what}: ${JSON.stringify(answer)}`);
      return ok;
    };
    // Each cycle writes through one instance and reads back through the other,
    // before and after a change, so the second read would hit a cached answer.
    const worker = async (n: number) => {
      for (let i = 0; !stop; i += 1) {
        const withoutRedis = !redisUp;
        const description = `load ${n}-${i}`;
        const created = await call(writer, CREATE, { d: description });
        const id = (created.body.data as { createTodo?: { todo?: { id: string } } } | undefined)?.createTodo?.todo?.id;
        if (!expect(created.status === 200 && id !== undefined, 'createTodo', created)) continue;
        const before = await call(reader, READ, { id });
        const open = { todo: { success: true, todo: { description, completed: false } } };
        expect(before.status === 200 && JSON.stringify(before.body.data) === JSON.stringify(open), 'read', before);
        const marked = await call(writer, MARK_DONE, { id });
        if (!expect(marked.status === 200 && !marked.body.errors, 'markDone', marked)) continue;
        done.push(id ?? '');
        const afterwards = await call(reader, READ, { id });
        const closed = { todo: { success: true, todo: { description, completed: true } } };
        expect(
          afterwards.status === 200 && JSON.stringify(afterwards.body.data) === JSON.stringify(closed),
          'read after markDone',
          afterwards,
        );
        if (withoutRedis && !redisUp) cyclesWithoutRedis += 1;
      }
    };
    const load = Promise.all([1, 2, 3, 4].map(worker));
    try {
      await until(() => done.length > 0, 'the load to get going');

      await redis.kill();
      redisUp = false;
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      // Redis is an accelerator, not a dependency: the instances stay ready.
      assert.deepEqual([await readiness(writer), await readiness(reader)], [200, 200]);

      const connectedBefore = (server: TestServer) => REDIS_ROLES.map((role) => redisConnections(server, role));
      const before = [connectedBefore(writer), connectedBefore(reader)];
      await redis.restart();
      redisUp = true;
      // The connections come back one after another: the load stays on until all have.
      await until(
        () =>
          [writer, reader].every((server, i) =>
            REDIS_ROLES.every((role, j) => redisConnections(server, role) > (before[i]?.[j] ?? 0)),
          ),
        'every connection to Redis to be back',
      );
      await relayed(20_000);
    } finally {
      // However the test ends, the clients stop, so it fails with its own error, not a timeout.
      stop = true;
    }
    await load;

    assert.deepEqual(problems, [], 'every request answered 200, and every read saw the writes before it');
    assert.ok(cyclesWithoutRedis > 0, 'the load went on while Redis was down');
    t.diagnostic(
      `${done.length} todos created, read, marked done and read again through two instances; ` +
        `${cyclesWithoutRedis} of those cycles with Redis down`,
    );
    subscriber.socket.close();
  });
});
