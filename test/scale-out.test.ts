/**
 * Many instances: two server processes on one PostgreSQL database and one Redis
 * (a redis-server this test starts, so it can kill it). A change made through
 * one instance reaches a subscriber on the other; with Redis gone, queries and
 * mutations go on; when Redis returns, so do live updates.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { postgresTarget, type TestDatabase } from './helpers/databases.js';
import { postGraphQL } from './helpers/graphql-client.js';
import { startServerProcess, type ServerProcess } from './helpers/process.js';
import { subscribeRaw } from './helpers/raw-subscriber.js';
import { PrivateRedis } from './helpers/redis.js';
import { afterSubscriptions } from './helpers/server.js';
import { until } from './helpers/until.js';

describe('two instances on one PostgreSQL and one Redis', { skip: postgresTarget.skip, timeout: 60_000 }, () => {
  let db: TestDatabase;
  let redis: PrivateRedis;
  let first: ServerProcess;
  let second: ServerProcess;
  let client: Client;
  let token = '';

  const graphql = (server: ServerProcess, query: string, bearer = token) =>
    postGraphQL(`${server.url}/graphql`, { query }, { credential: { token: bearer } });

  before(async () => {
    db = await postgresTarget.create();
    redis = await PrivateRedis.start();
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      AUTH_SECRET: 'a-secret-both-instances-share-and-is-long-enough',
      SESSION_RECHECK_SECONDS: '1',
    };
    first = await startServerProcess(env);
    second = await startServerProcess(env);
    const registered = await fetch(`${first.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation { register(input: { username: "everywhere", password: "correct-horse-battery" }) { token } }',
      }),
    });
    token = ((await registered.json()) as { data: { register: { token: string } } }).data.register.token;
    client = createClient({
      url: `${first.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { token },
      retryAttempts: 0,
    });
  });
  after(async () => {
    await client.dispose();
    await Promise.all([first.stop(), second.stop()]);
    await redis.kill();
    await db.drop();
  });

  it('relays changes between instances, and survives Redis going away and coming back', async () => {
    const events = client.iterate<{ changes: { todo: { description: string } | null } }>({
      query: 'subscription { changes { todo { description } } }',
    });
    /** Adds todos through the second instance until the first one's subscriber hears one. */
    async function heardThroughOtherInstance(description: string, deadlineMs: number): Promise<string> {
      const heard = events.next();
      const deadline = Date.now() + deadlineMs;
      for (let attempt = 0; Date.now() < deadline; attempt++) {
        const added = await graphql(
          second,
          `mutation { addTodo(input: { description: "${description} ${attempt}" }) { status } }`,
        );
        assert.deepEqual(added.body.data, { addTodo: { status: true } });
        const result = await Promise.race([
          heard,
          new Promise<null>((resolve) => setTimeout(() => resolve(null), 500)),
        ]);
        if (result) {
          assert.ok(!result.done);
          return result.value.data?.changes.todo?.description ?? '';
        }
      }
      throw new Error(`no change relayed within ${deadlineMs} ms`);
    }

    assert.match(await heardThroughOtherInstance('relayed', 10_000), /^relayed/);
    // A change made where the subscriber is arrives once: the copy Redis brings back is skipped.
    await graphql(first, 'mutation { addTodo(input: { description: "local once" }) { status } }');
    const local = await events.next();
    assert.equal(local.done ? undefined : local.value.data?.changes.todo?.description, 'local once');
    assert.match(await heardThroughOtherInstance('after the local one', 10_000), /^after the local one/);

    await redis.kill();
    for (const instance of [first, second]) {
      const added = await graphql(instance, 'mutation { addTodo(input: { description: "without redis" }) { status } }');
      assert.equal(added.status, 200);
      assert.deepEqual(added.body.data, { addTodo: { status: true } });
      const read = await graphql(instance, '{ allTodos(first: 100) { totalCount } }');
      assert.equal(read.status, 200);
    }

    await redis.restart();
    assert.match(await heardThroughOtherInstance('after the outage', 20_000), /^after the outage|^without redis/);
    await events.return?.();
  });

  it('keeps live updates within each instance while Redis is down, and ends a session logged out meanwhile everywhere', async () => {
    const login = await graphql(
      first,
      'mutation { login(username: "everywhere", password: "correct-horse-battery") { token } }',
    );
    const brief = (login.body.data?.login as { token: string }).token;
    const query = 'subscription { changes { todo { description } } }';
    const subscribed = (server: ServerProcess) =>
      afterSubscriptions(server, 'started', 1, () =>
        subscribeRaw(`${server.url.replace(/^http/, 'ws')}/graphql`, query, { token: brief }),
      );
    const onFirst = await subscribed(first);
    const onSecond = await subscribed(second);

    await redis.kill();
    const added = await graphql(second, 'mutation { addTodo(input: { description: "heard locally" }) { status } }');
    assert.deepEqual(added.body.data, { addTodo: { status: true } });
    await until(
      () => JSON.stringify(onSecond.messages).includes('heard locally'),
      "the second instance's subscriber to hear its change without Redis",
    );

    // The logout cannot cross to the second instance; its periodic session check ends that socket.
    const logout = await graphql(first, 'mutation { logout { status } }', brief);
    assert.equal(logout.status, 200);
    await until(() => onFirst.closed() !== undefined, 'the socket on the logout instance to close');
    assert.equal(onFirst.closed()?.code, 4401);
    await until(() => onSecond.closed() !== undefined, 'the socket on the other instance to close');
    assert.equal(onSecond.closed()?.code, 4401);
    await redis.restart();
  });
});
