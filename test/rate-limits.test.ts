/**
 * Rate limits per client address and per user: past them an operation gets 429
 * with Retry-After over HTTP and a RATE_LIMITED error over WebSocket. With Redis
 * the count is shared by every instance; while Redis is down each instance
 * counts alone and keeps answering. Limits do not touch the database, so this
 * runs on SQLite.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { register } from './helpers/accounts.js';
import { PrivateRedis } from './helpers/redis.js';
import { redisConnections, startTestServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/until.js';

const [sqlite] = databaseTargets;
const ASK = '{ isAuthenticated }';

async function ask(server: TestServer, headers: Record<string, string> = {}) {
  const response = await server.graphql(ASK, undefined, headers);
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: response.body };
}

/** The statuses of `count` requests in turn. */
async function statuses(server: TestServer, count: number, headers: Record<string, string> = {}) {
  const seen: number[] = [];
  for (let i = 0; i < count; i += 1) seen.push((await ask(server, headers)).status);
  return seen;
}

describe('rate limits', { skip: sqlite?.skip }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await (sqlite ?? assert.fail('no SQLite target')).create();
  });
  after(async () => {
    await db.drop();
  });

  it('answers 429 with Retry-After past the per-address limit, and leaves health checks alone', async () => {
    const server = await startTestServer(db, { RATE_LIMIT_PER_ADDRESS: '5', RATE_LIMIT_WINDOW_SECONDS: '60' });
    try {
      assert.deepEqual(await statuses(server, 5), [200, 200, 200, 200, 200]);
      const refused = await ask(server);
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.retryAfter) >= 1 && Number(refused.retryAfter) <= 60, String(refused.retryAfter));
      assert.equal(refused.body.errors?.[0]?.extensions?.code, 'RATE_LIMITED');
      assert.match(JSON.stringify(refused.body), /try again in \d+ s/);
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    } finally {
      await server.close();
    }
  });

  it('counts each user apart, and believes X-Forwarded-For only with TRUST_PROXY', async () => {
    const server = await startTestServer(db, { RATE_LIMIT_PER_ADDRESS: '100', RATE_LIMIT_PER_USER: '3' });
    try {
      const ada = { authorization: `Bearer ${(await register(server, 'rate-ada')).token}` };
      const bob = { authorization: `Bearer ${(await register(server, 'rate-bob')).token}` };
      assert.deepEqual(await statuses(server, 4, ada), [200, 200, 200, 429]);
      assert.deepEqual(await statuses(server, 3, bob), [200, 200, 200]);
    } finally {
      await server.close();
    }
    for (const [trustProxy, expected] of [
      ['false', [200, 200, 429]],
      ['true', [200, 200, 200]],
    ] as const) {
      const proxied = await startTestServer(db, { RATE_LIMIT_PER_ADDRESS: '2', TRUST_PROXY: trustProxy });
      try {
        const seen = [];
        for (const client of ['203.0.113.1', '203.0.113.1', '203.0.113.2']) {
          seen.push((await ask(proxied, { 'x-forwarded-for': `198.51.100.9, ${client}` })).status);
        }
        assert.deepEqual(seen, expected, `TRUST_PROXY=${trustProxy}`);
      } finally {
        await proxied.close();
      }
    }
  });

  it('refuses WebSocket subscriptions past the limit with RATE_LIMITED', async () => {
    const server = await startTestServer(db, { RATE_LIMIT_PER_ADDRESS: '2' });
    const client = createClient({
      url: server.graphqlUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    try {
      // The connection counts once, the first subscription once: the second is over.
      const outcome = await new Promise<unknown>((resolve) => {
        client.subscribe(
          { query: 'subscription { changes { kind } }' },
          { next: resolve, error: resolve, complete: () => undefined },
        );
        client.subscribe(
          { query: 'subscription { changes { kind } }' },
          { next: resolve, error: resolve, complete: () => undefined },
        );
      });
      assert.match(JSON.stringify(outcome), /RATE_LIMITED/);
    } finally {
      await client.dispose();
      await server.close();
    }
  });

  describe('in Redis, shared by two instances', () => {
    let redis: PrivateRedis;
    let first: TestServer;
    let second: TestServer;
    before(async () => {
      redis = await PrivateRedis.start();
      const env = { RATE_LIMIT_PER_ADDRESS: '4', REDIS_URL: redis.url };
      first = await startTestServer(db, env);
      second = await startTestServer(db, env);
      // Until an instance's Redis connection is ready it counts alone: wait for both.
      await until(
        () => redisConnections(first, 'rate limits') > 0 && redisConnections(second, 'rate limits') > 0,
        'both instances to reach Redis',
      );
    });
    after(async () => {
      await first.close();
      await second.close();
      await redis.kill();
    });

    it('holds the limit across instances, and keeps answering while Redis is down', async () => {
      const seen = [...(await statuses(first, 2)), ...(await statuses(second, 2)), (await ask(first)).status];
      assert.deepEqual(seen, [200, 200, 200, 200, 429]);

      await redis.kill();
      // Each instance now counts alone, from nothing: answers, not errors or hangs.
      assert.deepEqual(await statuses(second, 4), [200, 200, 200, 200]);
      assert.equal((await ask(second)).status, 429);
    });
  });
});
