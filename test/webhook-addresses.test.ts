/**
 * Where webhooks may go, on both databases: loopback, private and link-local
 * addresses are refused when an endpoint is registered (by address and by
 * name), and again when a delivery is attempted, so an endpoint that became
 * private is never called.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { signedIn } from './helpers/accounts.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer } from './helpers/server.js';
import { until } from './helpers/until.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/hook-receiver.js';
import {
  addTodo,
  callerAt,
  CREATE_ENDPOINT,
  deliveriesOf,
  FAST_WEBHOOKS,
  registerEndpoint,
} from './helpers/webhooks.js';

type Errors = { code: string; field: string | null }[];

for (const target of databaseTargets) {
  describe(`webhook addresses on ${target.name}`, { skip: target.skip }, () => {
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

    it('refuses endpoints on loopback, private and link-local addresses, by name too', async () => {
      const server = await startTestServer(db);
      try {
        const as = await signedIn(server, 'hook-ssrf');
        const port = new URL(receiver.url('/')).port;
        for (const url of [
          `http://127.0.0.1:${port}/hook`,
          'http://localhost/hook',
          'http://api.localhost/hook',
          'http://[::1]/hook',
          'http://[::ffff:127.0.0.1]/hook',
          'http://0.0.0.0/hook',
          'http://10.1.2.3/hook',
          'http://192.168.0.10/hook',
          'http://169.254.169.254/latest/meta-data',
          'http://[fe80::1]/hook',
          // A name that resolves to a private address (the machine's own name does here).
          `http://${hostname()}:${port}/hook`,
        ]) {
          const { createWebhookEndpoint } = await as<{ createWebhookEndpoint: { status: boolean; errors: Errors } }>(
            CREATE_ENDPOINT,
            { input: { url, events: ['TODO_CREATED'] } },
          );
          assert.deepEqual(
            [createWebhookEndpoint.status, createWebhookEndpoint.errors[0]?.code],
            [false, 'INVALID_URL'],
            url,
          );
        }
      } finally {
        await server.close();
      }
    });

    it('checks the address again at delivery: an endpoint that became private is never called', async () => {
      // Registered while private addresses were allowed; delivered by a server where they are not.
      const allowing = await startTestServer(db, FAST_WEBHOOKS);
      const as = await signedIn(allowing, 'hook-rebound');
      await registerEndpoint(as, receiver, '/rebound');
      // And by name: the check is on the addresses the connection would use.
      const byName = receiver.url('/rebound-by-name').replace('127.0.0.1', hostname());
      await as(CREATE_ENDPOINT, { input: { url: byName, events: ['TODO_CREATED'] } });
      await allowing.close();
      const strict = await startTestServer(db, {
        ...FAST_WEBHOOKS,
        WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'false',
        WEBHOOK_MAX_ATTEMPTS: '1',
      });
      try {
        const again = callerAt(strict.graphqlUrl, as.token);
        await addTodo(again, 'Sent nowhere');
        const failed = async () => (await deliveriesOf(again)).filter((one) => one.status === 'FAILED');
        await until(async () => (await failed()).length === 2, 'both deliveries to fail');
        for (const delivery of await failed()) assert.match(delivery.attempts[0]?.error ?? '', /private|loopback/);
        assert.equal(receiver.arrivals.length, 0);
      } finally {
        await strict.close();
      }
    });
  });
}
