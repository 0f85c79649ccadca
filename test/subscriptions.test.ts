/**
 * Subscriptions over WebSocket (graphql-transport-ws) with the real graphql-ws
 * client, on both databases: changes reach those who may read them and nobody
 * else, sharing and unsharing move the line at once, a bad token closes the
 * socket with 4401, and logout ends the session's subscriptions.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, type Client } from 'graphql-ws';
import type { ReadableStreamDefaultReader } from 'node:stream/web';
import WebSocket from 'ws';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { afterSubscriptions, startTestServer, type TestServer } from './helpers/server.js';

interface ChangePayload {
  kind: string;
  todoId: string | null;
  listId: string;
  todo: { description: string } | null;
  list: { name: string } | null;
}

const CHANGES = `subscription ($list: ID) {
  changes(list: $list) { kind todoId listId todo { description } list { name } }
}`;

/** A subscription's events, one at a time, with a deadline so a missing event fails rather than hangs. */
function subscribe(client: Client, variables: Record<string, unknown> = {}) {
  const iterator = client.iterate<{ changes: ChangePayload }>({ query: CHANGES, variables });
  return {
    async next(): Promise<ChangePayload> {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no event within 5 s')), 5000);
      });
      try {
        const result = await Promise.race([iterator.next(), deadline]);
        if (result.done) throw new Error('the subscription ended');
        const change = result.value.data?.changes;
        assert.ok(change, JSON.stringify(result.value));
        return change;
      } finally {
        clearTimeout(timer);
      }
    },
    stop: () => iterator.return?.(),
  };
}

for (const target of databaseTargets) {
  describe(`subscriptions on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;
    const clients: Client[] = [];
    const tokens: Record<string, string> = {};

    const wsUrl = () => server.graphqlUrl.replace(/^http/, 'ws');
    function client(connectionParams?: Record<string, unknown>, onClose?: (code: number) => void): Client {
      const made = createClient({
        url: wsUrl(),
        webSocketImpl: WebSocket,
        connectionParams,
        retryAttempts: 0,
        lazy: false,
        on: { closed: (event) => onClose?.((event as { code: number }).code) },
        onNonLazyError: () => undefined,
      });
      clients.push(made);
      return made;
    }
    async function as<T = Record<string, unknown>>(name: string, query: string): Promise<T> {
      const response = await server.graphql(query, undefined, { authorization: `Bearer ${tokens[name] ?? ''}` });
      assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
      return response.body.data as T;
    }
    const addTodo = async (name: string, description: string, list?: string) =>
      (
        await as<{ addTodo: { todo: { id: string } } }>(
          name,
          `mutation { addTodo(input: { description: "${description}"${list ? `, list: "${list}"` : ''} }) { todo { id } } }`,
        )
      ).addTodo.todo.id;

    before(async () => {
      db = await target.create();
      server = await startTestServer(db);
      for (const name of ['alice', 'bob']) {
        const answer = await server.graphql(
          'mutation ($u: String!) { register(input: { username: $u, password: "correct-horse-battery" }) { token } }',
          { u: name },
        );
        tokens[name] = (answer.body.data?.register as { token: string }).token;
      }
    });
    after(async () => {
      for (const made of clients) void made.dispose();
      await server.close();
      await db.drop();
    });

    const inboxOf = async (name: string) =>
      (await as<{ lists: { id: string; isInbox: boolean }[] }>(name, '{ lists { id isInbox } }')).lists.find(
        (list) => list.isInbox,
      )?.id ?? '';
    /** Runs `open`, then waits until the server has started `count` more subscriptions, so none misses a change. */
    const opening = <T>(count: number, open: () => T) => afterSubscriptions(server, 'started', count, open);

    it('delivers a change to those who may read it, and to nobody else', async () => {
      const [alice, bob, anonymous] = await opening(3, () => [
        subscribe(client({ token: tokens.alice })),
        subscribe(client({ token: tokens.bob })),
        subscribe(client()),
      ]);

      const id = await addTodo('alice', 'Alice only');
      assert.deepEqual(await alice.next(), {
        kind: 'CREATED',
        todoId: id,
        listId: await inboxOf('alice'),
        todo: { description: 'Alice only' },
        list: { name: 'Inbox' },
      });
      // Bob's and the anonymous caller's next events are their own, not Alice's.
      await addTodo('bob', 'Bob only');
      assert.equal((await bob.next()).todo?.description, 'Bob only');
      await server.graphql('mutation { createTodo(description: "Anyone", dueDate: "01-01-2030") { success } }');
      assert.equal((await anonymous.next()).todo?.description, 'Anyone');

      await as('alice', `mutation { deleteTodos(todos: ["${id}"]) { status } }`);
      assert.deepEqual(await alice.next(), {
        kind: 'DELETED',
        todoId: id,
        listId: await inboxOf('alice'),
        todo: null,
        list: { name: 'Inbox' },
      });
      await Promise.all([alice.stop(), bob.stop(), anonymous.stop()]);
    });

    it('follows sharing: a member hears a shared list until it is unshared, and can narrow to one list', async () => {
      const list = (
        await as<{ createList: { list: { id: string } } }>(
          'alice',
          'mutation { createList(input: { name: "Family" }) { list { id } } }',
        )
      ).createList.list.id;
      const [bob, bobOnList] = await opening(2, () => [
        subscribe(client({ token: tokens.bob })),
        subscribe(client({ token: tokens.bob }), { list }),
      ]);

      await as('alice', `mutation { shareList(list: "${list}", username: "bob", role: VIEWER) { status } }`);
      assert.deepEqual(await bob.next(), {
        kind: 'SHARED',
        todoId: null,
        listId: list,
        todo: null,
        list: { name: 'Family' },
      });
      await addTodo('alice', 'Milk', list);
      assert.equal((await bob.next()).todo?.description, 'Milk');
      assert.equal((await bobOnList.next()).kind, 'SHARED');
      assert.equal((await bobOnList.next()).todo?.description, 'Milk');

      await as('alice', `mutation { unshareList(list: "${list}", username: "bob") { status } }`);
      const unshared = await bob.next();
      assert.deepEqual({ kind: unshared.kind, listId: unshared.listId }, { kind: 'UNSHARED', listId: list });
      await addTodo('alice', 'Secret', list);
      await addTodo('bob', 'Bob again');
      assert.equal((await bob.next()).todo?.description, 'Bob again', 'nothing about the list once unshared');
      await Promise.all([bob.stop(), bobOnList.stop()]);
    });

    /** Asks `url` for the changes as an event stream, with `token` as the bearer. */
    const openStream = (url: string, token: string, signal?: AbortSignal) =>
      fetch(url, {
        method: 'POST',
        headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: CHANGES }),
        signal,
      });

    it('streams the same changes as Server-Sent Events to a client that asks for text/event-stream', async () => {
      const controller = new AbortController();
      const response = await opening(1, () => openStream(server.graphqlUrl, tokens.alice ?? '', controller.signal));
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
      // So that nginx, the production layout's load balancer, passes events on unbuffered.
      assert.equal(response.headers.get('x-accel-buffering'), 'no');
      const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
      assert.ok(reader);
      await addTodo('alice', 'Over SSE');
      let text = '';
      const decoder = new TextDecoder();
      while (!/event: next\ndata: (.+)\n/.test(text)) {
        const { value, done } = await reader.read();
        assert.ok(!done, 'the stream ended early');
        text += decoder.decode(value);
      }
      const data = /event: next\ndata: (.+)\n/.exec(text)?.[1] ?? '{}';
      const payload = JSON.parse(data) as { data: { changes: ChangePayload } };
      assert.equal(payload.data.changes.todo?.description, 'Over SSE');
      controller.abort();

      const refused = await openStream(server.graphqlUrl, 'nope');
      assert.equal(refused.status, 401);
    });

    /** The whole text of an event stream for `token`, once the server ends it. */
    const streamUntilEnded = async (url: string, token: string): Promise<string> => {
      // A stream the server fails to end fails the test rather than hanging it.
      const response = await openStream(url, token, AbortSignal.timeout(15_000));
      assert.equal(response.status, 200);
      return response.text();
    };
    const SESSION_ENDED = /event: next\ndata: .*"code":"UNAUTHENTICATED".*\n\nevent: complete/;

    it('closes the socket with 4401 for a bad token, and ends socket and event stream when the session logs out', async () => {
      const closedWith = (connectionParams: Record<string, unknown>) =>
        new Promise<number>((resolve) => {
          const made = client(connectionParams, resolve);
          subscribe(made)
            .next()
            .catch(() => undefined);
        });
      assert.equal(await closedWith({ token: 'not-a-token' }), 4401);

      const login = await server.graphql(
        'mutation { login(username: "alice", password: "correct-horse-battery") { token } }',
      );
      const token = (login.body.data?.login as { token: string }).token;
      // An event stream of the same session ends too, saying why.
      const [closed, streamed] = await opening(2, () => [
        closedWith({ token }),
        streamUntilEnded(server.graphqlUrl, token),
      ]);
      await server.graphql('mutation { logout { status } }', undefined, { authorization: `Bearer ${token}` });
      assert.equal(await closed, 4401);
      const text = await streamed;
      assert.match(text, SESSION_ENDED);
      assert.match(text, /The session has ended\./);
    });

    it('closes the socket with 4401 and ends the event stream when the session expires', async () => {
      const shortDb = await target.create();
      // Long enough for both connections to open under a loaded CI, short enough to wait out.
      const short = await startTestServer(shortDb, { SESSION_TTL_SECONDS: '2' });
      try {
        const registered = await short.graphql(
          'mutation { register(input: { username: "brief", password: "correct-horse-battery" }) { token } }',
        );
        const token = (registered.body.data?.register as { token: string }).token;
        const streamed = streamUntilEnded(short.graphqlUrl, token);
        let connected = false;
        const closed = new Promise<number>((resolve) => {
          const made = createClient({
            url: short.graphqlUrl.replace(/^http/, 'ws'),
            webSocketImpl: WebSocket,
            connectionParams: { token },
            retryAttempts: 0,
            lazy: false,
            on: {
              connected: () => (connected = true),
              closed: (event) => resolve((event as { code: number }).code),
            },
            onNonLazyError: () => undefined,
          });
          clients.push(made);
        });
        // Both at once, so that a stream refused at the start fails the test at once too.
        const [code, text] = await Promise.all([closed, streamed]);
        assert.ok(connected, 'the session was live when the socket opened');
        assert.equal(code, 4401);
        assert.match(text, SESSION_ENDED);
        assert.match(text, /The session has expired\./);
      } finally {
        await short.close();
        await shortDb.drop();
      }
    });
  });
}
