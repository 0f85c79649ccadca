/**
 * Browsers on other origins: the ones listed in CORS_ORIGINS may call the API
 * with the session cookie (preflight included); every other origin gets no
 * CORS headers, and its cookie counts neither over HTTP (403) nor on a
 * WebSocket upgrade (close 4403). WebSocket frames are held to the body limit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { call, register, WHO } from './helpers/accounts.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/until.js';

const APP = 'http://app.example.test:5173';
const EVIL = 'https://evil.example';
const BODY_LIMIT = 16 * 1024;

interface Socket {
  readonly messages: { type: string }[];
  closed(): { code: number; reason: string } | undefined;
  readonly socket: WebSocket;
}

/** Opens a graphql-transport-ws connection as a browser on `origin` would, and sends connection_init. */
async function connectAs(server: TestServer, headers: Record<string, string>, payload?: unknown): Promise<Socket> {
  const socket = new WebSocket(server.graphqlUrl.replace('http', 'ws'), 'graphql-transport-ws', { headers });
  const messages: { type: string }[] = [];
  let closed: { code: number; reason: string } | undefined;
  socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as { type: string }));
  socket.on('close', (code, reason) => (closed = { code, reason: reason.toString() }));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', payload }));
  return { socket, messages, closed: () => closed };
}

const acknowledged = (socket: Socket) =>
  until(() => socket.messages.some((message) => message.type === 'connection_ack'), 'connection_ack');

for (const target of databaseTargets) {
  describe(`cross-origin requests on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;
    let user: { token: string; cookie: string };
    const sockets: Socket[] = [];

    before(async () => {
      db = await target.create();
      server = await startTestServer(db, {
        CORS_ORIGINS: `${APP}, https://other.example`,
        BODY_LIMIT_BYTES: String(BODY_LIMIT),
      });
      user = await register(server, 'browser-user');
    });
    after(async () => {
      for (const { socket } of sockets) socket.terminate();
      await server.close();
      await db.drop();
    });

    const preflight = (origin: string) =>
      fetch(server.graphqlUrl, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, authorization',
        },
      });

    it('answers a listed origin’s preflight, credentials allowed', async () => {
      const response = await preflight(APP);
      assert.equal(response.status, 204);
      assert.equal(response.headers.get('access-control-allow-origin'), APP);
      assert.equal(response.headers.get('access-control-allow-credentials'), 'true');
      assert.match(response.headers.get('access-control-allow-methods') ?? '', /POST/);
      assert.match(response.headers.get('access-control-allow-headers') ?? '', /authorization/);
      assert.match(response.headers.get('vary') ?? '', /Origin/i);
    });

    it('gives any other origin no CORS headers at all', async () => {
      const response = await preflight(EVIL);
      assert.equal(response.headers.get('access-control-allow-origin'), null);
      assert.equal(response.headers.get('access-control-allow-credentials'), null);
      const post = await call(server, WHO, undefined, { token: user.token }, { origin: EVIL });
      assert.equal(post.headers.get('access-control-allow-origin'), null);
    });

    it('lets a listed origin use the session cookie, and refuses it from any other', async () => {
      const listed = await call(
        server,
        WHO,
        undefined,
        { cookie: user.cookie },
        { origin: APP, 'sec-fetch-site': 'same-site' },
      );
      assert.equal(listed.status, 200);
      assert.equal(listed.headers.get('access-control-allow-origin'), APP);
      assert.equal(listed.headers.get('access-control-allow-credentials'), 'true');
      assert.equal((listed.body.data?.me as { username: string }).username, 'browser-user');

      const foreign = await call(
        server,
        WHO,
        undefined,
        { cookie: user.cookie },
        { origin: EVIL, 'sec-fetch-site': 'cross-site' },
      );
      assert.equal(foreign.status, 403);
      assert.equal(foreign.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
      // A sibling subdomain is the same site, so SameSite lets the cookie through: Origin still says it is not listed.
      const sibling = await call(
        server,
        WHO,
        undefined,
        { cookie: user.cookie },
        { origin: 'http://evil.example.test:5173' },
      );
      assert.equal(sibling.status, 403);

      // The server's own pages (GraphiQL) use the cookie, as does a request without Origin.
      const own = await call(server, WHO, undefined, { cookie: user.cookie }, { origin: server.url });
      assert.equal(own.status, 200);
      // A bearer token is no ambient credential: it works from anywhere.
      const token = await call(server, WHO, undefined, { token: user.token }, { origin: EVIL });
      assert.equal(token.body.data?.isAuthenticated, true);
    });

    it('closes a WebSocket upgrade carrying the cookie from another origin with 4403', async () => {
      const evil = await connectAs(server, { cookie: user.cookie, origin: EVIL });
      sockets.push(evil);
      await until(() => evil.closed() !== undefined, 'the socket closes');
      assert.equal(evil.closed()?.code, 4403);
      assert.ok(!evil.messages.some((message) => message.type === 'connection_ack'));

      for (const origin of [APP, server.url]) {
        const allowed = await connectAs(server, { cookie: user.cookie, origin });
        sockets.push(allowed);
        await acknowledged(allowed);
      }
      // A token in connection_init is the app's own doing, whatever page it runs on.
      const withToken = await connectAs(server, { origin: EVIL }, { token: user.token });
      sockets.push(withToken);
      await acknowledged(withToken);
    });

    it('closes a WebSocket that sends a frame over BODY_LIMIT_BYTES with 1009', async () => {
      const client = await connectAs(server, {}, { token: user.token });
      sockets.push(client);
      await acknowledged(client);
      client.socket.send(
        JSON.stringify({ id: '1', type: 'subscribe', payload: { query: ' '.repeat(BODY_LIMIT * 2) } }),
      );
      await until(() => client.closed() !== undefined, 'the socket closes');
      assert.equal(client.closed()?.code, 1009);
      // And the server goes on.
      assert.equal((await call(server, WHO, undefined, { token: user.token })).status, 200);
    });
  });
}

describe('without CORS_ORIGINS', () => {
  it('answers no origin’s preflight with CORS headers', async () => {
    const [sqlite] = databaseTargets;
    assert.ok(sqlite);
    const db = await sqlite.create();
    const server = await startTestServer(db);
    try {
      const response = await fetch(server.graphqlUrl, {
        method: 'OPTIONS',
        headers: { origin: APP, 'access-control-request-method': 'POST' },
      });
      assert.equal(response.headers.get('access-control-allow-origin'), null);
    } finally {
      await server.close();
      await db.drop();
    }
  });
});
