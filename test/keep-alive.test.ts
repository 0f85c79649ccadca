/**
 * WebSocket keep-alive: the server pings every WEBSOCKET_KEEPALIVE_MS and cuts a
 * peer that has not answered the previous ping, so a vanished client (a phone
 * that lost its network, a laptop put to sleep) frees its subscriptions without
 * ever sending a close frame. A client that answers stays connected.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { register } from './helpers/accounts.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { afterSubscriptions, startTestServer, type TestServer } from './helpers/server.js';
import { subscribeRaw } from './helpers/raw-subscriber.js';
import { until } from './helpers/until.js';

const KEEPALIVE_MS = 200;
const SUBSCRIPTION = 'subscription { changes { kind todoId } }';

for (const target of databaseTargets) {
  describe(`WebSocket keep-alive on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;
    const wsUrl = () => server.graphqlUrl.replace(/^http/, 'ws');

    before(async () => {
      db = await target.create();
      server = await startTestServer(db, {
        WEBSOCKET_KEEPALIVE_MS: String(KEEPALIVE_MS),
        MAX_SUBSCRIPTIONS_PER_USER: '1',
      });
    });
    after(async () => {
      await server.close();
      await db.drop();
    });

    it('cuts a peer that stops answering pings, which frees its subscriptions', async () => {
      const { token } = await register(server, 'vanishing');
      const silent = await subscribeRaw(wsUrl(), SUBSCRIPTION, { token, answerPings: false });
      // The user's one subscription is taken: a second is refused while the silent peer holds it.
      const refused = await subscribeRaw(wsUrl(), SUBSCRIPTION, { token });
      await until(() => JSON.stringify(refused.messages).includes('TOO_MANY_SUBSCRIPTIONS'), 'the refusal');
      refused.socket.close();

      await until(() => silent.closed() !== undefined, 'the silent peer to be cut', 20 * KEEPALIVE_MS);
      assert.ok(silent.pings() >= 1, 'the server pinged before cutting');
      // Terminated, not closed politely: a dead peer would not read a close frame.
      assert.equal(silent.closed()?.code, 1006);

      // Started at all, the place under the cap was freed.
      const successor = await afterSubscriptions(server, 'started', 1, () =>
        subscribeRaw(wsUrl(), SUBSCRIPTION, { token }),
      );
      await server.graphql('mutation { addTodo(input: { description: "Heard" }) { status } }', undefined, {
        authorization: `Bearer ${token}`,
      });
      await until(() => successor.messages.some((message) => message.type === 'next'), 'the new subscriber to hear');
      successor.socket.close();
    });

    it('keeps a peer that answers pings connected', async () => {
      const { token } = await register(server, 'present');
      const present = await subscribeRaw(wsUrl(), SUBSCRIPTION, { token });
      await until(() => present.pings() >= 4, 'four pings', 20 * KEEPALIVE_MS);
      assert.equal(present.closed(), undefined);
      await server.graphql('mutation { addTodo(input: { description: "Still here" }) { status } }', undefined, {
        authorization: `Bearer ${token}`,
      });
      await until(() => present.messages.some((message) => message.type === 'next'), 'the event');
      present.socket.close();
    });
  });
}
