/**
 * The optional response cache: a repeated query is answered without the
 * database, yet no answer is stale after a mutation (the mutating user's, a list
 * member's, the anonymous space's) and no answer crosses from one caller to
 * another. In memory on both databases, and in Redis shared by two instances
 * on PostgreSQL, including while that Redis is down.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, register, type Credential } from './helpers/accounts.js';
import { databaseTargets, postgresTarget, type TestDatabase } from './helpers/databases.js';
import { PrivateRedis } from './helpers/redis.js';
import { redisConnections, startTestServer, type TestServer } from './helpers/server.js';
import { TcpProxy } from './helpers/tcp-proxy.js';
import { until } from './helpers/until.js';

const CACHE_ON = { RESPONSE_CACHE_TTL_SECONDS: '60' };
const LIST = `query ($list: ID!) { list(id: $list) { name todos(first: 50) { edges { node { description completed } } } } }`;
const MINE = '{ me { username } lists { name } todos { todos { description } } }';

/** A server whose SQL statements are counted, to tell a cached answer from a computed one. */
interface Instance {
  readonly server: TestServer;
  readonly statements: string[];
}

async function startInstance(db: TestDatabase, env: Record<string, string>): Promise<Instance> {
  const statements: string[] = [];
  const server = await startTestServer(db, env, { onStatement: (sqlText) => statements.push(sqlText) });
  return { server, statements };
}

/** The data of `query`, asked as `who`, and whether answering it touched anything but the session. */
async function ask(instance: Instance, who: Credential, query: string, variables?: Record<string, unknown>) {
  const before = instance.statements.length;
  const answer = await call(instance.server, query, variables, who);
  assert.equal(answer.status, 200);
  assert.equal(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
  const queried = instance.statements.slice(before).filter((sqlText) => !/\bsessions\b/.test(sqlText));
  return { data: answer.body.data, cached: queried.length === 0 };
}

/** Waits until `instance` answers a repeated query from the cache. */
async function cacheServing(instance: Instance, who: Credential): Promise<void> {
  await until(
    async () => {
      await ask(instance, who, MINE);
      return (await ask(instance, who, MINE)).cached;
    },
    'the cache to serve',
    20_000,
    100,
  );
}

/** Registers `username` and answers its bearer token. */
async function signUp(instance: Instance, username: string): Promise<{ token: string }> {
  return { token: (await register(instance.server, username)).token };
}

async function mutate(instance: Instance, who: Credential, query: string, variables?: Record<string, unknown>) {
  const answer = await call(instance.server, query, variables, who);
  assert.equal(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
  const payload = Object.values(answer.body.data ?? {})[0] as {
    status?: boolean;
    success?: boolean;
    list?: { id: string };
  };
  assert.ok(payload.status ?? payload.success, JSON.stringify(answer.body.data));
  return payload;
}

const descriptions = (data: unknown) =>
  (
    data as { list: { todos: { edges: { node: { description: string; completed: boolean } }[] } } | null }
  ).list?.todos.edges.map(({ node }) => `${node.description}${node.completed ? ' (done)' : ''}`) ?? null;

/**
 * The behaviour every store must have. `reader` answers the reads and `writer`
 * takes the mutations: the same instance, or two instances sharing the store.
 */
function cacheContract(instances: () => { reader: Instance; writer: Instance }) {
  it('answers a repeated query from the cache, and only to the same caller', async () => {
    const { reader, writer } = instances();
    const ada = await signUp(reader, `ada-${Date.now()}`);
    const bob = await signUp(reader, `bob-${Date.now()}`);
    await mutate(writer, ada, 'mutation { addTodo(input: { description: "Ada\'s secret" }) { status } }');

    const first = await ask(reader, ada, MINE);
    const again = await ask(reader, ada, MINE);
    assert.equal(first.cached, false);
    assert.equal(again.cached, true, 'the repeated query sent no SQL beyond the session check');
    assert.deepEqual(again.data, first.data);

    const bobs = await ask(reader, bob, MINE);
    assert.equal(bobs.cached, false, "bob's first ask is computed for bob");
    assert.match(JSON.stringify(bobs.data), /"username":"bob-/);
    assert.doesNotMatch(JSON.stringify(bobs.data), /secret/);
    const anonymous = await ask(reader, undefined, '{ todos { todos { description } } }');
    assert.doesNotMatch(JSON.stringify(anonymous.data), /secret/);
  });

  it("never answers stale after a mutation: the author's, a member's, or the anonymous space's", async () => {
    const { reader, writer } = instances();
    const owner = await signUp(reader, `owner-${Date.now()}`);
    const memberName = `member-${Date.now()}`;
    const member = await signUp(reader, memberName);
    const created = await mutate(
      writer,
      owner,
      'mutation { createList(input: { name: "Shared" }) { status list { id } } }',
    );
    const list = created.list?.id ?? '';
    const share =
      'mutation ($list: ID!, $u: String!) { shareList(list: $list, username: $u, role: EDITOR) { status } }';
    await mutate(writer, owner, share, { list, u: memberName });

    const read = async (who: Credential) => descriptions((await ask(reader, who, LIST, { list })).data);
    assert.deepEqual(await read(member), []);
    assert.equal((await ask(reader, member, LIST, { list })).cached, true);

    const added = await mutate(
      writer,
      owner,
      'mutation ($list: ID!) { addTodo(input: { description: "Milk", list: $list }) { status todo { id } } }',
      { list },
    );
    assert.deepEqual(await read(owner), ['Milk']);
    assert.deepEqual(await read(member), ['Milk'], "the member's cached answer went with the owner's change");

    const todo = (added as { todo?: { id: string } }).todo?.id;
    await mutate(writer, member, 'mutation ($t: [ID!]!) { completeTodos(todos: $t) { status } }', { t: [todo] });
    assert.deepEqual(await read(owner), ['Milk (done)'], "the owner's cached answer went with the member's change");

    const unshare = 'mutation ($list: ID!, $u: String!) { unshareList(list: $list, username: $u) { status } }';
    await mutate(writer, owner, unshare, { list, u: memberName });
    assert.equal(await read(member), null, 'access revoked reads as not found at once');

    const tutorial = '{ todos { todos { description completed } } }';
    const anonymous = async () => JSON.stringify((await ask(reader, undefined, tutorial)).data);
    const before = await anonymous();
    const made = await mutate(
      writer,
      undefined,
      'mutation { createTodo(description: "Tutorial", dueDate: "01-01-2031") { success todo { id } } }',
    );
    assert.notEqual(await anonymous(), before);
    const id = (made as { todo?: { id: string } }).todo?.id;
    await mutate(writer, undefined, 'mutation ($id: String!) { markDone(todoId: $id) { success } }', { id });
    assert.match(await anonymous(), /"description":"Tutorial","completed":true/);
  });
}

for (const target of databaseTargets) {
  describe(`response cache in memory on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let instance: Instance;
    before(async () => {
      db = await target.create();
      instance = await startInstance(db, CACHE_ON);
    });
    after(async () => {
      await instance.server.close();
      await db.drop();
    });

    cacheContract(() => ({ reader: instance, writer: instance }));

    it('is bounded by bytes: an answer over 1 MiB is never kept, and new answers push out the oldest', async () => {
      const small = await startInstance(db, { ...CACHE_ON, RESPONSE_CACHE_MAX_BYTES: String(1024 * 1024) });
      try {
        const who = await signUp(small, 'hoarder');
        const { db: kysely } = small.server.database;
        const inbox = await kysely
          .selectFrom('lists')
          .innerJoin('users', 'users.id', 'lists.owner_id')
          .select('lists.id')
          .where('users.username', '=', 'hoarder')
          .executeTakeFirstOrThrow();
        const now = new Date().toISOString();
        const todo = {
          due_date: '2030-01-01',
          owner_id: 0,
          list_id: inbox.id,
          position: 'a0',
          created_at: now,
          updated_at: now,
        };
        const owner = await kysely
          .selectFrom('users')
          .select('id')
          .where('username', '=', 'hoarder')
          .executeTakeFirstOrThrow();
        await kysely
          .insertInto('todos')
          .values(
            Array.from({ length: 100 }, (_, i) => ({
              ...todo,
              owner_id: owner.id,
              description: `Heavy ${i}`,
              notes: 'n'.repeat(10_000),
            })),
          )
          .execute();

        // About 2 MB of notes: answered every time, kept never.
        const huge =
          '{ a: allTodos(first: 100) { edges { node { notes } } } b: allTodos(last: 100) { edges { node { notes } } } }';
        await ask(small, who, huge);
        assert.equal((await ask(small, who, huge)).cached, false);

        // About 100 kB each (twice that in memory): a few fit, and the first goes as others come.
        const tenth = (name: string) => `query ${name} { allTodos(first: 10) { edges { node { notes } } } }`;
        await ask(small, who, tenth('First'));
        assert.equal((await ask(small, who, tenth('First'))).cached, true);
        for (let i = 0; i < 6; i += 1) await ask(small, who, tenth(`Other${i}`));
        assert.equal((await ask(small, who, tenth('First'))).cached, false, 'a cache bounded by bytes forgot it');
      } finally {
        await small.server.close();
      }
    });

    it('is off unless RESPONSE_CACHE_TTL_SECONDS is set', async () => {
      const plain = await startInstance(db, {});
      try {
        await ask(plain, undefined, '{ todos { todos { description } } }');
        assert.equal((await ask(plain, undefined, '{ todos { todos { description } } }')).cached, false);
      } finally {
        await plain.server.close();
      }
    });
  });
}

describe('response cache in Redis, shared by two instances on PostgreSQL', { skip: postgresTarget.skip }, () => {
  let db: TestDatabase;
  let redis: PrivateRedis;
  let first: Instance;
  let second: Instance;
  before(async () => {
    db = await postgresTarget.create();
    redis = await PrivateRedis.start();
    const env = { ...CACHE_ON, REDIS_URL: redis.url };
    first = await startInstance(db, env);
    second = await startInstance(db, env);
    // Each instance reads the cache only once the grace after connecting to Redis has passed.
    await Promise.all([first, second].map((instance) => cacheServing(instance, undefined)));
  });
  after(async () => {
    await first.server.close();
    await second.server.close();
    await redis.kill();
    await db.drop();
  });

  cacheContract(() => ({ reader: second, writer: first }));

  it('answers without the cache while Redis is down, and caches again when it returns', async () => {
    const who = await signUp(first, `outage-${Date.now()}`);
    await ask(second, who, MINE);
    assert.equal((await ask(second, who, MINE)).cached, true);

    await redis.kill();
    await mutate(first, who, 'mutation { addTodo(input: { description: "During the outage" }) { status } }');
    const during = await ask(second, who, MINE);
    assert.equal(during.cached, false);
    assert.match(JSON.stringify(during.data), /During the outage/);

    await redis.restart();
    // Every answer meanwhile is fresh; the cache serves again once Redis is back.
    await until(
      async () => {
        const answer = await ask(second, who, MINE);
        assert.match(JSON.stringify(answer.data), /During the outage/);
        return answer.cached;
      },
      'the cache to serve again once Redis is back',
      20_000,
      100,
    );
  });

  it('reads no cache for a grace period after reconnecting, while another instance may still hold an invalidation', async () => {
    const who = await signUp(first, `grace-${Date.now()}`);
    // The writer reaches Redis through a proxy, so it can stay cut off after the reader is back.
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: redis.port });
    const writer = await startInstance(db, { ...CACHE_ON, REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    try {
      await cacheServing(writer, who);
      const connectedBefore = redisConnections(second.server, 'response cache');

      await proxy.cut();
      await redis.kill();
      await redis.restart();
      await until(
        () => redisConnections(second.server, 'response cache') > connectedBefore,
        'the reader to reconnect to Redis',
      );

      // The reader caches an answer; the writer, still cut off, changes it and keeps the invalidation.
      await ask(second, who, MINE);
      await mutate(writer, who, 'mutation { addTodo(input: { description: "Kept back" }) { status } }');
      const after = await ask(second, who, MINE);
      assert.equal(after.cached, false);
      assert.match(JSON.stringify(after.data), /Kept back/);

      // Back in reach, the writer delivers the invalidation, and the cache serves again.
      await proxy.restore();
      await cacheServing(second, who);
      assert.match(JSON.stringify((await ask(second, who, MINE)).data), /Kept back/);
    } finally {
      await writer.server.close();
      await proxy.cut();
    }
  });
});
