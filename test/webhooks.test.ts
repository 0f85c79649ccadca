/**
 * Webhooks on both databases: registering endpoints (and what is refused),
 * signed deliveries a `standardwebhooks` receiver accepts, retries with
 * backoff and the delivery log, who hears of what, and nothing sent for a
 * write that rolled back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, signedIn } from './helpers/accounts.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';
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
import { recordChanges } from '../src/history/history.repository.js';
import { writeTransaction } from '../src/db/transaction.js';
import { listEntry } from '../src/history/field-changes.js';

type Errors = { code: string; field: string | null }[];

for (const target of databaseTargets) {
  describe(`webhooks on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;
    let receiver: WebhookReceiver;

    before(async () => {
      db = await target.create();
      server = await startTestServer(db, FAST_WEBHOOKS);
      receiver = await startWebhookReceiver();
    });
    after(async () => {
      await server.close();
      await receiver.close();
      await db.drop();
    });

    it('registers endpoints for signed-in users only, shows the secret once, and refuses bad input', async () => {
      const anonymous = await call(server, CREATE_ENDPOINT, {
        input: { url: receiver.url('/anon'), events: ['TODO_CREATED'] },
      });
      const refused = anonymous.body.data?.createWebhookEndpoint as { status: boolean; errors: Errors };
      assert.deepEqual([refused.status, refused.errors[0]?.code], [false, 'UNAUTHENTICATED']);

      const as = await signedIn(server, 'hook-owner');
      const { id, secret } = await registerEndpoint(as, receiver, '/owner', ['TODO_CREATED']);
      assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      const listed = await as<{ webhookEndpoints: { id: string; events: string[]; active: boolean }[] }>(
        '{ webhookEndpoints { id events active } }',
      );
      assert.deepEqual(listed.webhookEndpoints, [{ id, events: ['TODO_CREATED'], active: true }]);

      const bad = async (url: string, events: string[]) => {
        const { createWebhookEndpoint } = await as<{ createWebhookEndpoint: { status: boolean; errors: Errors } }>(
          CREATE_ENDPOINT,
          { input: { url, events } },
        );
        assert.equal(createWebhookEndpoint.status, false);
        return createWebhookEndpoint.errors.map((error) => `${error.code}:${error.field}`);
      };
      assert.deepEqual(await bad('ftp://example.com/hook', ['TODO_CREATED']), ['INVALID_URL:url']);
      assert.deepEqual(await bad('not a url', ['TODO_CREATED']), ['INVALID_URL:url']);
      assert.deepEqual(await bad('https://user:pw@example.com/', ['TODO_CREATED']), ['INVALID_URL:url']);
      assert.deepEqual(await bad(receiver.url('/none'), []), ['REQUIRED:events']);

      await registerEndpoint(as, receiver, '/second', ['LIST_CREATED']);
      await registerEndpoint(as, receiver, '/third', ['LIST_CREATED']);
      assert.deepEqual(await bad(receiver.url('/fourth'), ['LIST_CREATED']), ['TOO_MANY:null']);

      // Another user's endpoint is not found, whatever they try.
      const stranger = await signedIn(server, 'hook-stranger');
      const { updateWebhookEndpoint } = await stranger<{ updateWebhookEndpoint: { errors: Errors } }>(
        'mutation ($id: ID!) { updateWebhookEndpoint(input: { id: $id, active: false }) { errors { code field } } }',
        { id },
      );
      assert.deepEqual(updateWebhookEndpoint.errors, [{ code: 'NOT_FOUND', field: 'id' }]);
      const { deleteWebhookEndpoint } = await stranger<{ deleteWebhookEndpoint: { status: boolean } }>(
        'mutation ($id: ID!) { deleteWebhookEndpoint(id: $id) { status } }',
        { id },
      );
      assert.equal(deleteWebhookEndpoint.status, false);
      assert.deepEqual(
        (await stranger<{ webhookEndpoints: unknown[] }>('{ webhookEndpoints { id } }')).webhookEndpoints,
        [],
      );
      assert.equal(
        (await as<{ webhookEndpoints: unknown[] }>('{ webhookEndpoints { id } }')).webhookEndpoints.length,
        3,
      );
    });

    it('signs each delivery so that standardwebhooks verifies it, with the event in the body', async () => {
      const as = await signedIn(server, 'hook-signed');
      await registerEndpoint(as, receiver, '/signed');
      const todoId = await addTodo(as, 'Water the plants');
      await until(() => receiver.processed('/signed').length === 1, 'the delivery');
      const [arrival] = receiver.arrivals.filter((one) => one.path === '/signed');
      assert.ok(arrival);
      assert.equal(arrival.valid, true);
      assert.match(String(arrival.headers['webhook-signature']), /^v1,/);
      const [event] = receiver.processed('/signed');
      assert.equal(event?.id, arrival.id);
      assert.equal(event.type, 'TODO_CREATED');
      assert.equal(event.data.todoId, todoId);
      assert.ok(
        event.data.changes.some((change) => change.field === 'description' && change.newValue === 'Water the plants'),
      );
      // A body changed in transit, or signed with another secret, is refused by the receiver.
      receiver.secret('/signed', 'whsec_' + Buffer.alloc(32, 1).toString('base64'));
      await addTodo(as, 'Feed the cat');
      await until(() => receiver.arrivals.filter((one) => one.path === '/signed').length >= 2, 'the second arrival');
      assert.equal(receiver.arrivals.filter((one) => one.path === '/signed')[1]?.valid, false);
    });

    it('retries a failing receiver with backoff until it answers 2xx, and logs every attempt', async () => {
      const as = await signedIn(server, 'hook-retried');
      await registerEndpoint(as, receiver, '/flaky');
      receiver.answer((arrival, count) => (arrival.path === '/flaky' && count <= 2 ? 503 : 204));
      await addTodo(as, 'Call the plumber');
      await until(() => receiver.processed('/flaky').length === 1, 'the third attempt');
      await until(async () => (await deliveriesOf(as))[0]?.status === 'DELIVERED', 'the log to say delivered');
      const [delivery] = await deliveriesOf(as);
      assert.deepEqual(
        delivery?.attempts.map((attempt) => [attempt.attempt, attempt.statusCode, attempt.delivered]),
        [
          [1, 503, false],
          [2, 503, false],
          [3, 204, true],
        ],
      );
      assert.equal(delivery.nextAttemptAt, null);
      assert.equal(receiver.arrivals.filter((one) => one.path === '/flaky').length, 3);
      receiver.answer(() => 204);
    });

    it('marks a delivery FAILED after WEBHOOK_MAX_ATTEMPTS, and sends it no more', async () => {
      const as = await signedIn(server, 'hook-failed');
      await registerEndpoint(as, receiver, '/down');
      receiver.answer((arrival) => (arrival.path === '/down' ? 500 : 204));
      await addTodo(as, 'Never heard of');
      await until(async () => (await deliveriesOf(as))[0]?.status === 'FAILED', 'the delivery to fail');
      const [delivery] = await deliveriesOf(as);
      assert.deepEqual(
        delivery?.attempts.map((attempt) => attempt.statusCode),
        [500, 500, 500, 500],
      );
      assert.equal(receiver.arrivals.filter((one) => one.path === '/down').length, 4);
      receiver.answer(() => 204);
    });

    it("tells members of a shared list, never a stranger, and hides a moved todo's private past", async () => {
      const owner = await signedIn(server, 'hook-sharer');
      const member = await signedIn(server, 'hook-member');
      const stranger = await signedIn(server, 'hook-outsider');
      await registerEndpoint(owner, receiver, '/sharer');
      await registerEndpoint(member, receiver, '/member', ['TODO_CREATED', 'TODO_UPDATED', 'LIST_SHARED']);
      await registerEndpoint(stranger, receiver, '/outsider', ['TODO_CREATED', 'TODO_UPDATED', 'LIST_SHARED']);
      const { createList } = await owner<{ createList: { list: { id: string } } }>(
        'mutation { createList(input: { name: "Household" }) { list { id } } }',
      );
      const shared = createList.list.id;
      await owner(`mutation { shareList(list: "${shared}", username: "hook-member", role: VIEWER) { status } }`);
      await addTodo(owner, 'Shared chore', shared);
      const secret = await addTodo(owner, 'Private detail');
      await owner(`mutation { moveTodos(todos: ["${secret}"], list: "${shared}") { status } }`);
      await until(() => receiver.processed('/member').length === 3, "the member's three events");
      // Deliveries run side by side: found by what they are, not by the order they came in.
      const ofType = (path: string, type: string) => receiver.processed(path).filter((event) => event.type === type);
      assert.equal(ofType('/member', 'LIST_SHARED').length, 1);
      assert.equal(ofType('/member', 'TODO_CREATED').length, 1);
      const [moved] = ofType('/member', 'TODO_UPDATED');
      assert.ok(moved);
      assert.equal(moved.data.todoId, secret);
      // The todo came from a list the member cannot read: no old values, no previous list.
      assert.equal(moved.data.previousListId, null);
      // Its place in the shared list (after the todo already there) is the member's to see; where it sat before is not.
      assert.deepEqual(moved.data.changes, [
        { field: 'list', oldValue: null, newValue: shared },
        { field: 'position', oldValue: null, newValue: 'a1' },
      ]);
      // The owner, who could read both lists, hears where it came from.
      await until(() => receiver.processed('/sharer').length === 3, "the owner's three todo events");
      const [ownersMove] = ofType('/sharer', 'TODO_UPDATED');
      assert.notEqual(ownersMove?.data.previousListId, null);
      assert.ok(ownersMove?.data.changes[0]?.oldValue);
      // The stranger's endpoint has no delivery at all: none was ever written for it.
      assert.deepEqual(await deliveriesOf(stranger), []);
      assert.equal(receiver.arrivals.filter((one) => one.path === '/outsider').length, 0);
    });

    it('writes nothing for a change whose transaction rolled back', async () => {
      const as = await signedIn(server, 'hook-rolled-back');
      await registerEndpoint(as, receiver, '/rolled', ['LIST_UPDATED', 'TODO_CREATED']);
      const { lists } = await as<{ lists: { id: string }[] }>('{ lists { id } }');
      const inbox = Buffer.from(lists[0]?.id ?? '', 'base64url')
        .toString()
        .split(':')[1];
      const actor = Number(Buffer.from(as.id, 'base64url').toString().split(':')[1]);
      await writeTransaction(server.database.db, async (trx, rollback) => {
        await recordChanges(trx, actor, [listEntry('UPDATED', Number(inbox), [['name', 'Inbox', 'Never']])]);
        return rollback(undefined);
      });
      await addTodo(as, 'After the rollback');
      await until(() => receiver.processed('/rolled').length === 1, 'the later event');
      assert.deepEqual(
        (await deliveriesOf(as)).map((delivery) => delivery.eventType),
        ['TODO_CREATED'],
      );
      assert.deepEqual(receiver.arrivals.filter((one) => one.path === '/rolled').length, 1);
    });

    it('sends nothing to a paused endpoint, and what follows once it is resumed', async () => {
      const as = await signedIn(server, 'hook-paused');
      const { id } = await registerEndpoint(as, receiver, '/paused');
      const SET_ACTIVE = `mutation ($id: ID!, $active: Boolean!) {
        updateWebhookEndpoint(input: { id: $id, active: $active }) { status endpoint { active } }
      }`;
      await as(SET_ACTIVE, { id, active: false });
      await addTodo(as, 'Unheard');
      assert.deepEqual(await deliveriesOf(as), [], 'a paused endpoint gets no delivery');
      await as(SET_ACTIVE, { id, active: true });
      const heard = await addTodo(as, 'Heard');
      await until(() => receiver.processed('/paused').length === 1, 'the delivery after resuming');
      assert.equal(receiver.processed('/paused')[0]?.data.todoId, heard);
    });

    it('tells a member who is removed, and then nothing more of the list', async () => {
      const owner = await signedIn(server, 'hook-remover');
      const member = await signedIn(server, 'hook-removed');
      await registerEndpoint(member, receiver, '/removed', ['TODO_CREATED', 'LIST_SHARED', 'LIST_UNSHARED']);
      const { createList } = await owner<{ createList: { list: { id: string } } }>(
        'mutation { createList(input: { name: "Club" }) { list { id } } }',
      );
      const list = createList.list.id;
      await owner(`mutation { shareList(list: "${list}", username: "hook-removed", role: EDITOR) { status } }`);
      await owner(`mutation { unshareList(list: "${list}", username: "hook-removed") { status } }`);
      await addTodo(owner, 'After they left', list);
      const types = async () => (await deliveriesOf(member)).map((delivery) => delivery.eventType).sort();
      assert.deepEqual(await types(), ['LIST_SHARED', 'LIST_UNSHARED']);
      await until(() => receiver.processed('/removed').length === 2, 'both events');
      const unshared = receiver.processed('/removed').find((event) => event.type === 'LIST_UNSHARED');
      assert.equal(unshared?.data.memberId, member.id);
    });

    it('keeps cached answers true with the response cache on: endpoints and the delivery log', async () => {
      // Its own database: an in-memory cache is for one instance, and this suite's server would deliver too.
      const own = await target.create();
      const cached = await startTestServer(own, { ...FAST_WEBHOOKS, RESPONSE_CACHE_TTL_SECONDS: '300' });
      try {
        const { token } = await signedIn(cached, 'hook-cached');
        const as = callerAt(cached.graphqlUrl, token);
        const count = async () =>
          (await as<{ webhookEndpoints: unknown[] }>('{ webhookEndpoints { id } }')).webhookEndpoints.length;
        assert.equal(await count(), 0);
        await registerEndpoint(as, receiver, '/cached');
        assert.equal(await count(), 1, 'the new endpoint, not the cached empty answer');
        assert.deepEqual(await deliveriesOf(as), []);
        await addTodo(as, 'Cached');
        await until(async () => (await deliveriesOf(as))[0]?.status === 'DELIVERED', 'the log to say delivered');
      } finally {
        await cached.close();
        await own.drop();
      }
    });
  });
}
