/**
 * The limits that keep subscriptions from hurting anyone else, on both databases
 * and both transports: caps per connection and per user (WebSocket and SSE count
 * together), and a slow consumer, one that stops reading, is dropped while a
 * healthy subscriber on the same server gets every change.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { register } from './helpers/accounts.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { afterSubscriptions, startTestServer, type TestServer } from './helpers/server.js';
import { subscribeRaw } from './helpers/raw-subscriber.js';
import { until } from './helpers/until.js';

const SMALL = 'subscription { changes { kind todoId } }';
/** Each change as about 150 kB (15 copies of 10,000-character notes, as many aliases as MAX_QUERY_ALIASES allows), to fill socket buffers quickly. */
const FAT = `subscription { changes { kind todo { ${Array.from({ length: 15 }, (_, i) => `n${i}: notes`).join(' ')} } } }`;
const TODOS = 100;
const ROUNDS = 8;

/** Opens an SSE subscription with node:http, whose response is left unread until `resume`. */
function openEventStream(url: string, query: string, token?: string) {
  const chunks: string[] = [];
  let ended: 'ended' | 'aborted' | undefined;
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST',
      headers: {
        accept: 'text/event-stream',
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
    request.on('response', (res) => {
      res.setEncoding('utf8');
      res.on('aborted', () => (ended = 'aborted'));
      res.on('error', () => (ended ??= 'aborted'));
      res.on('end', () => (ended ??= 'ended'));
      res.on('close', () => (ended ??= res.complete ? 'ended' : 'aborted'));
      resolve(res);
    });
    request.on('error', reject);
    request.end(JSON.stringify({ query }));
  });
  return {
    response,
    text: () => chunks.join(''),
    ended: () => ended,
    async resume() {
      (await response).on('data', (chunk: string) => chunks.push(chunk));
    },
    async close() {
      (await response).destroy();
    },
  };
}

/** Subscribes and answers 'open' once the server has started it, or the error code the server refuses it with. */
async function subscribeOnce(server: TestServer, made: Client) {
  const started = server.subscriptionCounts().started;
  const iterator = made.iterate({ query: SMALL });
  const refusal = iterator.next().then(
    (result) => {
      const code: unknown = result.done ? 'ended' : result.value.errors?.[0]?.extensions?.code;
      return typeof code === 'string' ? code : 'event';
    },
    (errors: unknown) => (errors as { extensions?: { code?: string } }[])[0]?.extensions?.code ?? 'error',
  );
  let refused = false;
  void refusal.then(() => (refused = true));
  // Stops polling once refused, so a refusal leaves no wait behind to time out.
  const open = until(() => refused || server.subscriptionCounts().started > started, 'the subscription to start');
  return { outcome: await Promise.race([refusal, open.then(() => 'open')]), stop: () => iterator.return?.() };
}

for (const target of databaseTargets) {
  describe(`subscription limits on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;
    const clients: Client[] = [];
    const wsUrl = () => server.graphqlUrl.replace(/^http/, 'ws');
    const connect = (token?: string) => {
      const made = createClient({
        url: wsUrl(),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: token ? { token } : undefined,
      });
      clients.push(made);
      return made;
    };

    before(async () => {
      db = await target.create();
      server = await startTestServer(db, {
        MAX_SUBSCRIPTIONS_PER_CONNECTION: '2',
        MAX_SUBSCRIPTIONS_PER_USER: '3',
        MAX_QUEUED_CHANGES: '300',
      });
    });
    after(async () => {
      for (const made of clients) void made.dispose();
      await server.close();
      await db.drop();
    });

    it('caps subscriptions per connection and per user, counting WebSocket and SSE together', async () => {
      const { token } = await register(server, 'capped');
      const attempt = (made: Client) => subscribeOnce(server, made);
      const first = connect(token);
      const second = connect(token);
      const outcomes = async (made: Client, count: number) => {
        const results = [];
        for (let i = 0; i < count; i += 1) results.push(await attempt(made));
        return results;
      };
      const onFirst = await outcomes(first, 3);
      assert.deepEqual(
        onFirst.map((made) => made.outcome),
        ['open', 'open', 'TOO_MANY_SUBSCRIPTIONS'],
      );
      const onSecond = await outcomes(second, 2);
      assert.deepEqual(
        onSecond.map((made) => made.outcome),
        ['open', 'TOO_MANY_SUBSCRIPTIONS'],
      );

      const refused = openEventStream(server.graphqlUrl, SMALL, token);
      await refused.resume();
      await until(() => refused.ended() !== undefined, 'the refused stream to end');
      assert.match(refused.text(), /TOO_MANY_SUBSCRIPTIONS/);

      // Completing one subscription frees a place, which an SSE stream can take.
      await afterSubscriptions(server, 'ended', 1, () => onSecond[0]?.stop());
      const admitted = await afterSubscriptions(server, 'started', 1, () =>
        openEventStream(server.graphqlUrl, SMALL, token),
      );
      await admitted.resume();
      await server.graphql('mutation { addTodo(input: { description: "Heard" }) { status } }', undefined, {
        authorization: `Bearer ${token}`,
      });
      await until(() => admitted.text().includes('"CREATED"'), 'the admitted stream to hear the change');
      // Closing the stream frees its place in turn.
      await afterSubscriptions(server, 'ended', 1, () => admitted.close());
      assert.equal((await attempt(second)).outcome, 'open');
    });

    /** Completes and reopens `ids` ROUNDS times, and waits until a subscriber that reads has heard every change. */
    async function churnBesideHealthySubscriber(ids: string[]): Promise<void> {
      let heard = 0;
      const unsubscribe = await afterSubscriptions(server, 'started', 1, () =>
        connect().subscribe(
          { query: SMALL },
          { next: () => (heard += 1), error: () => undefined, complete: () => undefined },
        ),
      );
      for (let round = 0; round < ROUNDS; round += 1) {
        const name = round % 2 === 0 ? 'completeTodos' : 'reopenTodos';
        await server.data(`mutation ($ids: [ID!]!) { ${name}(todos: $ids) { status } }`, { ids });
      }
      await until(() => heard === TODOS * ROUNDS, `the healthy subscriber to hear all ${TODOS * ROUNDS} changes`);
      unsubscribe();
    }

    it('drops a WebSocket subscriber that stops reading, without delaying a healthy one', async () => {
      const ids = await bulkyTodos();

      const stalled = await afterSubscriptions(server, 'started', 1, () => subscribeRaw(wsUrl(), FAT));
      stalled.socket.pause();

      await churnBesideHealthySubscriber(ids);

      stalled.socket.resume();
      await until(() => stalled.closed() !== undefined, 'the stalled socket to be closed');
      assert.equal(stalled.closed()?.code, 1008);
      const delivered = stalled.messages.filter((message) => message.type === 'next').length;
      assert.ok(delivered < TODOS * ROUNDS, `the stalled subscriber was cut off (it got ${delivered} changes)`);
    });

    it('drops an SSE subscriber that stops reading, without delaying a healthy one', async () => {
      const ids = await bulkyTodos();
      const stalled = await afterSubscriptions(server, 'started', 1, () => openEventStream(server.graphqlUrl, FAT));
      await stalled.response;

      await churnBesideHealthySubscriber(ids);

      await stalled.resume();
      await until(() => stalled.ended() !== undefined, 'the stalled stream to be cut');
      assert.equal(stalled.ended(), 'aborted');
      const delivered = stalled.text().split('event: next').length - 1;
      assert.ok(delivered < TODOS * ROUNDS, `the stalled subscriber was cut off (it got ${delivered} changes)`);
    });

    let bulky: string[] | undefined;
    /** The anonymous space's TODOS todos with long notes, made once for both transports. */
    async function bulkyTodos(): Promise<string[]> {
      if (bulky) return bulky;
      const ids: string[] = (bulky = []);
      for (let i = 0; i < TODOS; i += 1) {
        const added = await server.data<{ addTodo: { todo: { id: string } } }>(
          'mutation ($notes: String) { addTodo(input: { description: "Bulky", notes: $notes }) { todo { id } } }',
          { notes: 'n'.repeat(10_000) },
        );
        ids.push(added.addTodo.todo.id);
      }
      return ids;
    }
  });
}

describe('subscriptions per client address', () => {
  const [sqlite] = databaseTargets;
  let db: TestDatabase;
  let server: TestServer;
  const clients: Client[] = [];
  /** A WebSocket client whose proxy (TRUST_PROXY) says it comes from `address`. */
  const connectFrom = (address: string) => {
    class FromAddress extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { 'x-forwarded-for': address } });
      }
    }
    const made = createClient({
      url: server.graphqlUrl.replace(/^http/, 'ws'),
      webSocketImpl: FromAddress,
      retryAttempts: 0,
    });
    clients.push(made);
    return made;
  };

  before(async () => {
    db = await (sqlite ?? assert.fail('no SQLite target')).create();
    server = await startTestServer(db, {
      TRUST_PROXY: 'true',
      MAX_SUBSCRIPTIONS_PER_ADDRESS: '3',
      MAX_SUBSCRIPTIONS_PER_USER: '3',
    });
  });
  after(async () => {
    for (const made of clients) void made.dispose();
    await server.close();
    await db.drop();
  });

  it('keeps one anonymous client from taking every place in the shared anonymous space', async () => {
    const greedy = [connectFrom('203.0.113.1'), connectFrom('203.0.113.1')];
    const outcomes = [];
    for (let i = 0; i < 5; i += 1) outcomes.push((await subscribeOnce(server, greedy[i % 2] ?? assert.fail())).outcome);
    assert.deepEqual(outcomes, ['open', 'open', 'open', 'TOO_MANY_SUBSCRIPTIONS', 'TOO_MANY_SUBSCRIPTIONS']);
    const stream = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.1' },
      body: JSON.stringify({ query: SMALL }),
    });
    assert.match(await stream.text(), /TOO_MANY_SUBSCRIPTIONS/);

    // Everyone else, anonymous too, still subscribes: the anonymous space has no cap of its own.
    const others = [connectFrom('198.51.100.7'), connectFrom('198.51.100.8')];
    for (const other of others) assert.equal((await subscribeOnce(server, other)).outcome, 'open');
  });
});
