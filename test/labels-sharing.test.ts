/**
 * Labels as other callers meet them, on both databases: members of a shared
 * list see the labels on its todos, viewers cannot attach, strangers see
 * nothing, only owners rename; the anonymous space, open and closed; sync, live
 * subscribers and the response cache hear of every change; and on PostgreSQL,
 * racing attaches, detaches and a deletion leave one consistent set and one
 * version step per write.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, signedIn, type Caller } from './helpers/accounts.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import {
  LABEL,
  CREATE,
  UPDATE,
  DELETE,
  SYNC,
  createLabel,
  attach,
  detach,
  addTodo,
  createList,
  readTodo,
  labelChanges,
  names,
  codes,
  type Label,
  type PayloadError,
  type LabelPayload,
} from './helpers/labels.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { subscribe } from './helpers/subscribers.js';

for (const target of databaseTargets) {
  describe(`labels shared, synced and raced on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;

    before(async () => {
      db = await target.create();
      server = await startTestServer(db);
    });
    after(async () => {
      await server.close();
      await db.drop();
    });

    it('serves the anonymous space when it is open, and asks for a sign-in when it is closed', async () => {
      const anonymous = await call(server, CREATE, { input: { name: 'shared-space' } });
      const made = (anonymous.body.data as unknown as { createLabel: LabelPayload }).createLabel;
      assert.ok(made.label, JSON.stringify(anonymous.body));
      assert.deepEqual([made.label.name, made.label.owner], ['shared-space', null]);

      const closedDb = await target.create();
      const closed = await startTestServer(closedDb, { ALLOW_ANONYMOUS: 'false' });
      try {
        const answer = await call(
          closed,
          `mutation {
            createLabel(input: { name: "x" }) { status errors { code field } }
            updateLabel(label: "TGFiZWw6MQ", input: { name: "y" }) { status errors { code field } }
            deleteLabel(label: "TGFiZWw6MQ") { status errors { code field } }
            labelTodos(todos: ["1"], labels: ["TGFiZWw6MQ"]) { status errors { code field } }
            unlabelTodos(todos: ["1"], labels: ["TGFiZWw6MQ"]) { status errors { code field } }
          }`,
        );
        const refused = { status: false, errors: [{ code: 'UNAUTHENTICATED', field: null }] };
        assert.deepEqual(answer.body.data, {
          createLabel: refused,
          updateLabel: refused,
          deleteLabel: refused,
          labelTodos: refused,
          unlabelTodos: refused,
        });
        assert.deepEqual((await call(closed, '{ labels { id } }')).body.data, { labels: [] });
      } finally {
        await closed.close();
        await closedDb.drop();
      }
    });

    it('with the response cache on, a rename, recolour or deletion reaches every reader at once', async () => {
      const cachedDb = await target.create();
      const cached = await startTestServer(cachedDb, { RESPONSE_CACHE_TTL_SECONDS: '60' });
      try {
        const ann = await signedIn(cached, 'label-cache-ann');
        const bob = await signedIn(cached, 'label-cache-bob');
        const list = await createList(ann, 'Cached');
        const todo = await addTodo(ann, 'Cached todo', list);
        await ann(`mutation { shareList(list: "${list}", username: "label-cache-bob", role: VIEWER) { status } }`);
        const label = await createLabel(ann, 'before', '#111111');
        await attach(ann, [todo], [label.id]);
        const seen = async (as: Caller) =>
          (await readTodo(as, todo))?.labels.map(({ name, color }) => `${name} ${color}`);
        for (const reader of [ann, bob]) assert.deepEqual(await seen(reader), ['before #111111']);
        assert.deepEqual((await ann<{ labels: Label[] }>('{ labels { name } }')).labels, [{ name: 'before' }]);

        // On no todo: only the owner's own answers change.
        const lonely = await createLabel(ann, 'lonely');
        assert.deepEqual((await ann<{ labels: Label[] }>('{ labels { name } }')).labels, [
          { name: 'before' },
          { name: 'lonely' },
        ]);
        await ann(UPDATE, { label: lonely.id, input: { name: 'alone' } });
        assert.deepEqual((await ann<{ labels: Label[] }>('{ labels { name } }')).labels, [
          { name: 'alone' },
          { name: 'before' },
        ]);
        await ann(DELETE, { label: lonely.id });
        assert.deepEqual((await ann<{ labels: Label[] }>('{ labels { name } }')).labels, [{ name: 'before' }]);

        await ann(UPDATE, { label: label.id, input: { name: 'after', color: '#222222' } });
        for (const reader of [ann, bob]) assert.deepEqual(await seen(reader), ['after #222222']);
        await ann(DELETE, { label: label.id });
        for (const reader of [ann, bob]) assert.deepEqual(await seen(reader), []);
        assert.deepEqual((await ann<{ labels: Label[] }>('{ labels { name } }')).labels, []);
      } finally {
        await cached.close();
        await cachedDb.drop();
      }
    });

    it('shows labels to members of a shared list; viewers and strangers cannot attach, only owners rename', async () => {
      const ann = await signedIn(server, 'label-ann');
      const bob = await signedIn(server, 'label-bob');
      const eve = await signedIn(server, 'label-eve');
      const list = await createList(ann, 'Shared');
      const todo = await addTodo(ann, 'Plan the trip', list);
      const trip = await createLabel(ann, 'trip', '#ff8800');
      await attach(ann, [todo], [trip.id]);
      await ann(`mutation { shareList(list: "${list}", username: "label-bob", role: VIEWER) { status } }`);

      assert.deepEqual((await readTodo(bob, todo))?.labels, [trip]);
      const seen = await bob<{ node: Label | null }>(
        `query ($id: ID!) { node(id: $id) { ... on Label { ${LABEL} } } }`,
        {
          id: trip.id,
        },
      );
      assert.deepEqual(seen.node, trip);
      assert.deepEqual((await bob<{ labels: Label[] }>('{ labels { id } }')).labels, []);
      const bobs = await createLabel(bob, 'bob-only');
      assert.deepEqual(codes((await attach(bob, [todo], [bobs.id])).errors), ['NOT_FOUND:todos']);
      assert.deepEqual(codes((await detach(bob, [todo], [trip.id])).errors), ['NOT_FOUND:todos']);
      const rename = (await bob<{ updateLabel: LabelPayload }>(UPDATE, { label: trip.id, input: { name: 'mine' } }))
        .updateLabel;
      assert.deepEqual(codes(rename.errors), ['NOT_FOUND:label']);
      const remove = (await bob<{ deleteLabel: { errors: PayloadError[] } }>(DELETE, { label: trip.id })).deleteLabel;
      assert.deepEqual(codes(remove.errors), ['NOT_FOUND:label']);

      // As an editor, Bob attaches his own label (Ann sees it), never Ann's to his own todo.
      await ann(`mutation { shareList(list: "${list}", username: "label-bob", role: EDITOR) { status } }`);
      assert.equal((await attach(bob, [todo], [bobs.id])).status, true);
      assert.deepEqual(names(await readTodo(ann, todo)), ['bob-only', 'trip']);
      const bobsTodo = await addTodo(bob, 'Bob alone');
      assert.deepEqual(codes((await attach(bob, [bobsTodo], [trip.id])).errors), ['NOT_FOUND:labels']);

      // A stranger sees neither the label nor the todo, and cannot use either.
      const eves = await createLabel(eve, 'eve');
      const hidden = await eve<{ node: unknown }>(`query ($id: ID!) { node(id: $id) { id } }`, { id: trip.id });
      assert.equal(hidden.node, null);
      assert.deepEqual(codes((await attach(eve, [todo], [eves.id])).errors), ['NOT_FOUND:todos']);
      const evesTodo = await addTodo(eve, 'Eve alone');
      assert.deepEqual(codes((await attach(eve, [evesTodo], [trip.id])).errors), ['NOT_FOUND:labels']);
      assert.deepEqual(codes((await detach(eve, [evesTodo], [trip.id])).errors), ['NOT_FOUND:labels']);
      const filtered = await eve<{ allTodos: { totalCount: number } }>(
        `query ($labels: [ID!]) { allTodos(first: 5, filter: { labels: $labels }) { totalCount } }`,
        { labels: [trip.id] },
      );
      assert.equal(filtered.allTodos.totalCount, 0);

      // An editor may take anyone's label off the list's todos.
      assert.equal((await detach(bob, [todo], [trip.id])).status, true);
      assert.deepEqual(names(await readTodo(ann, todo)), ['bob-only']);
    });

    it('tells sync and live subscribers of label changes; a rename resends todos without moving versions', async () => {
      const ann = await signedIn(server, 'label-sync-ann');
      const bob = await signedIn(server, 'label-sync-bob');
      const list = await createList(ann, 'Synced');
      const todo = await addTodo(ann, 'Synced todo', list);
      await ann(`mutation { shareList(list: "${list}", username: "label-sync-bob", role: VIEWER) { status } }`);
      type Page = {
        changesSince: {
          changes: { todo: { id: string; version: number; labels: { name: string; color: string }[] } | null }[];
          cursor: string;
        };
      };
      let cursor = (await bob<Page>(SYNC, { first: 10 })).changesSince.cursor;
      const watcher = subscribe(server.graphqlUrl, bob.token, list);
      try {
        // Until the server has registered the subscription, a write may go unheard: repeat until one is.
        for (let attempt = 1; ; attempt += 1) {
          await ann(`mutation { updateTodo(todo: "${todo}", input: { notes: "ready ${attempt}" }) { status } }`);
          try {
            await watcher.all.next((change) => change.todoId === todo, 250);
            break;
          } catch (error) {
            if (attempt === 40) throw error;
          }
        }
        cursor = (await bob<Page>(SYNC, { cursor, first: 10 })).changesSince.cursor;
        const version = (await readTodo(ann, todo))?.version ?? 0;

        const label = await createLabel(ann, 'sync-me', '#000000');
        await attach(ann, [todo], [label.id]);
        const event = await watcher.all.next((change) => change.todoId === todo);
        assert.equal(event.kind, 'UPDATED');
        const attached = (await bob<Page>(SYNC, { cursor, first: 10 })).changesSince;
        assert.deepEqual(
          attached.changes.map((change) => change.todo),
          [{ id: todo, version: version + 1, labels: [{ name: 'sync-me', color: '#000000' }] }],
        );

        await ann(UPDATE, { label: label.id, input: { name: 'renamed', color: '#ffffff' } });
        await watcher.all.next((change) => change.todoId === todo);
        const renamed = (await bob<Page>(SYNC, { cursor: attached.cursor, first: 10 })).changesSince;
        assert.deepEqual(
          renamed.changes.map((change) => change.todo),
          [{ id: todo, version: version + 1, labels: [{ name: 'renamed', color: '#ffffff' }] }],
        );
        assert.equal((await labelChanges(ann, todo)).length, 1, 'a rename writes no history');

        await ann(DELETE, { label: label.id });
        await watcher.all.next((change) => change.todoId === todo);
        const deleted = (await bob<Page>(SYNC, { cursor: renamed.cursor, first: 10 })).changesSince;
        assert.deepEqual(
          deleted.changes.map((change) => change.todo),
          [{ id: todo, version: version + 2, labels: [] }],
        );
      } finally {
        await watcher.client.dispose();
      }
    });

    if (target.name === 'postgres') {
      it('keeps one consistent set and one version step per write under racing attaches, detaches and a deletion', async () => {
        const as = await signedIn(server, 'label-racer');
        const todo = await addTodo(as, 'Contended');
        const other = await addTodo(as, 'Also contended');
        const labels: Label[] = [];
        for (let index = 0; index < 8; index += 1) labels.push(await createLabel(as, `race ${index}`));
        const doomed = labels[7];
        assert.ok(doomed);
        await attach(as, [todo, other], [doomed.id]);
        const writes = Array.from({ length: 30 }, (_, index) => {
          const label = labels[index % 7]?.id ?? '';
          const todos = index % 3 === 0 ? [other, todo] : [todo];
          if (index === 15)
            return as<{ deleteLabel: { status: boolean } }>(DELETE, { label: doomed.id }).then(
              (r) => r.deleteLabel.status,
            );
          return (index % 2 === 0 ? attach(as, todos, [label]) : detach(as, todos, [label])).then((r) => r.status);
        });
        const results = await Promise.all(writes);
        assert.ok(results.every(Boolean), 'every write succeeds: none deadlocks or is lost');

        const final = await readTodo(as, todo);
        // Made (1), the first attach (2), then one step for each of the 30 writes (each touches the todo).
        assert.equal(final?.version, 32);
        const chain = (await labelChanges(as, todo)).reverse();
        for (let index = 1; index < chain.length; index += 1) {
          assert.equal(chain[index]?.oldValue, chain[index - 1]?.newValue, `entry ${index} follows the one before`);
        }
        assert.equal(chain.at(-1)?.newValue ?? null, final.labels.length === 0 ? null : JSON.stringify(names(final)));
        assert.ok(!names(final)?.includes('race 7'), 'the deleted label is on no todo');
      });
    }
  });
}
