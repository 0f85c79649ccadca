/**
 * Labels on both databases: a user's own labels (made, renamed, recoloured,
 * deleted, validated, unique per user ignoring case, capped), attached to and
 * taken off todos in bulk, all or none, as writes to the todo (version,
 * history, sync log, live events); `Todo.labels` read once per page;
 * `TodoFilter.labels` with keyset paging; members of a shared list see the
 * labels on its todos, viewers cannot attach, strangers see nothing; and on
 * PostgreSQL, racing attaches, detaches and a deletion leave one consistent
 * set and one version step per write.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, signedIn, type Caller } from './helpers/accounts.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { subscribe } from './helpers/subscribers.js';

interface Label {
  id: string;
  name: string;
  color: string;
  owner: { username: string } | null;
}
interface PayloadError {
  code: string;
  field: string | null;
}
interface LabelPayload {
  status: boolean;
  errors: PayloadError[];
  label: Label | null;
}
interface LabelledTodo {
  id: string;
  version: number;
  labels: Label[];
}
interface BulkPayload {
  status: boolean;
  errors: PayloadError[];
  todos: LabelledTodo[];
}

const LABEL = 'id name color owner { username }';
const CREATE = `mutation ($input: LabelInput!) { createLabel(input: $input) { status errors { code field } label { ${LABEL} } } }`;
const UPDATE = `mutation ($label: ID!, $input: LabelInput!) {
  updateLabel(label: $label, input: $input) { status errors { code field } label { ${LABEL} } }
}`;
const DELETE = `mutation ($label: ID!) { deleteLabel(label: $label) { status errors { code field } deletedId } }`;
const TODO = `id version labels { ${LABEL} }`;
const ATTACH = `mutation ($todos: [ID!]!, $labels: [ID!]!) {
  labelTodos(todos: $todos, labels: $labels) { status errors { code field } todos { ${TODO} } }
}`;
const DETACH = `mutation ($todos: [ID!]!, $labels: [ID!]!) {
  unlabelTodos(todos: $todos, labels: $labels) { status errors { code field } todos { ${TODO} } }
}`;
const HISTORY = `query ($id: ID!) { todo(todoId: $id) { todo { history(first: 50) {
  edges { node { action actor { username } changes { field oldValue newValue } } } } } } }`;
const SYNC = `query ($cursor: String, $first: Int) {
  changesSince(cursor: $cursor, first: $first) { changes { todo { id version labels { name color } } removedId } cursor hasMore }
}`;

async function createLabel(as: Caller, name: string, color?: string): Promise<Label> {
  const { createLabel: payload } = await as<{ createLabel: LabelPayload }>(CREATE, { input: { name, color } });
  assert.ok(payload.label, JSON.stringify(payload.errors));
  return payload.label;
}

const attach = async (as: Caller, todos: string[], labels: string[]) =>
  (await as<{ labelTodos: BulkPayload }>(ATTACH, { todos, labels })).labelTodos;
const detach = async (as: Caller, todos: string[], labels: string[]) =>
  (await as<{ unlabelTodos: BulkPayload }>(DETACH, { todos, labels })).unlabelTodos;

async function addTodo(as: Caller, description: string, list?: string): Promise<string> {
  const data = await as<{ addTodo: { todo: { id: string } } }>(
    'mutation ($input: TodoInput!) { addTodo(input: $input) { todo { id } } }',
    { input: { description, list } },
  );
  return data.addTodo.todo.id;
}

async function createList(as: Caller, name: string): Promise<string> {
  const data = await as<{ createList: { list: { id: string } } }>(
    'mutation ($name: String) { createList(input: { name: $name }) { list { id } } }',
    { name },
  );
  return data.createList.list.id;
}

const readTodo = async (as: Caller, id: string) =>
  (
    await as<{ todo: { todo: LabelledTodo | null } }>(`query ($id: ID!) { todo(todoId: $id) { todo { ${TODO} } } }`, {
      id,
    })
  ).todo.todo;

const labelChanges = async (as: Caller, id: string) =>
  (
    await as<{
      todo: {
        todo: {
          history: {
            edges: { node: { changes: { field: string; oldValue: string | null; newValue: string | null }[] } }[];
          };
        };
      };
    }>(HISTORY, { id })
  ).todo.todo.history.edges.flatMap(({ node }) => node.changes.filter((change) => change.field === 'labels'));

interface Connection {
  totalCount: number;
  edges: { node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string };
}

const names = (todo: LabelledTodo | null) => todo?.labels.map((label) => label.name);
const codes = (errors: PayloadError[] | null) => (errors ?? []).map(({ code, field }) => `${code}:${field}`);

for (const target of databaseTargets) {
  describe(`labels on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;
    let statements: string[] = [];

    before(async () => {
      db = await target.create();
      server = await startTestServer(db, {}, { onStatement: (sqlText) => statements.push(sqlText) });
    });
    after(async () => {
      await server.close();
      await db.drop();
    });

    it('makes, lists by name, renames, recolours and deletes a user’s own labels', async () => {
      const as = await signedIn(server, 'label-maker');
      const home = await createLabel(as, '  home ', '#1E90FF');
      assert.deepEqual(
        { ...home, id: undefined },
        {
          id: undefined,
          name: 'home',
          color: '#1e90ff',
          owner: { username: 'label-maker' },
        },
      );
      const errands = await createLabel(as, 'Errands');
      assert.equal(errands.color, '#808080');
      const { labels } = await as<{ labels: Label[] }>(`{ labels { ${LABEL} } }`);
      assert.deepEqual(
        labels.map((label) => label.name),
        ['Errands', 'home'],
      );
      const { node } = await as<{ node: Label | null }>(
        `query ($id: ID!) { node(id: $id) { ... on Label { ${LABEL} } } }`,
        {
          id: home.id,
        },
      );
      assert.deepEqual(node, home);

      const renamed = (await as<{ updateLabel: LabelPayload }>(UPDATE, { label: home.id, input: { name: 'Home' } }))
        .updateLabel;
      assert.deepEqual(renamed.label, { ...home, name: 'Home' });
      const recoloured = (
        await as<{ updateLabel: LabelPayload }>(UPDATE, { label: home.id, input: { color: '#00aa00' } })
      ).updateLabel;
      assert.deepEqual(recoloured.label, { ...home, name: 'Home', color: '#00aa00' });

      const deleted = (await as<{ deleteLabel: { status: boolean; deletedId: string } }>(DELETE, { label: errands.id }))
        .deleteLabel;
      assert.deepEqual(deleted, { status: true, deletedId: errands.id, errors: [] });
      const after = await as<{ labels: Label[] }>('{ labels { name } }');
      assert.deepEqual(after.labels, [{ name: 'Home' }]);
      const again = (
        await as<{ deleteLabel: { status: boolean; errors: PayloadError[] } }>(DELETE, { label: errands.id })
      ).deleteLabel;
      assert.deepEqual(codes(again.errors), ['NOT_FOUND:label']);
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

    it('refuses bad names and colours, a name taken in any case, and more labels than the cap', async () => {
      const as = await signedIn(server, 'label-strict');
      const refusals: [Record<string, unknown>, string[]][] = [
        [{}, ['REQUIRED:name']],
        [{ name: '   ' }, ['INVALID_NAME:name']],
        [{ name: 'x'.repeat(51) }, ['INVALID_NAME:name']],
        [{ name: 'ok', color: 'red' }, ['INVALID_COLOR:color']],
        [{ name: 'ok', color: '#12345' }, ['INVALID_COLOR:color']],
        [{ name: 'ok', color: '#12345g' }, ['INVALID_COLOR:color']],
        [{ name: 'ok', color: null }, ['INVALID_VALUE:color']],
      ];
      for (const [input, expected] of refusals) {
        const { createLabel: payload } = await as<{ createLabel: LabelPayload }>(CREATE, { input });
        assert.equal(payload.status, false);
        assert.deepEqual(codes(payload.errors), expected, JSON.stringify(input));
      }
      const work = await createLabel(as, 'Work');
      const other = await createLabel(as, 'Other');
      const taken = (await as<{ createLabel: LabelPayload }>(CREATE, { input: { name: 'WORK' } })).createLabel;
      assert.deepEqual(codes(taken.errors), ['NAME_TAKEN:name']);
      const renamedOnto = (
        await as<{ updateLabel: LabelPayload }>(UPDATE, { label: other.id, input: { name: 'work' } })
      ).updateLabel;
      assert.deepEqual(codes(renamedOnto.errors), ['NAME_TAKEN:name']);
      const empty = (await as<{ updateLabel: LabelPayload }>(UPDATE, { label: work.id, input: {} })).updateLabel;
      assert.deepEqual(codes(empty.errors), ['REQUIRED:null']);
      // Another user may use the same name.
      const someoneElse = await signedIn(server, 'label-strict-2');
      assert.equal((await createLabel(someoneElse, 'work')).name, 'work');

      for (let index = 2; index < 200; index += 1) await createLabel(as, `label ${index}`);
      const over = (await as<{ createLabel: LabelPayload }>(CREATE, { input: { name: 'one too many' } })).createLabel;
      assert.deepEqual(codes(over.errors), ['TOO_MANY:null']);
      assert.equal((await as<{ labels: Label[] }>('{ labels { id } }')).labels.length, 200);
    });

    it('attaches and detaches in bulk, all or none, each a write with its history entry', async () => {
      const as = await signedIn(server, 'label-bulk');
      const [a, b] = [await addTodo(as, 'Paint the fence'), await addTodo(as, 'Fix the gate')];
      const garden = await createLabel(as, 'garden');
      const weekend = await createLabel(as, 'Weekend');
      const both = await attach(as, [a, b], [weekend.id, garden.id]);
      assert.equal(both.status, true);
      assert.deepEqual(
        both.todos.map((todo) => [todo.id, todo.version, names(todo)]),
        [
          [a, 2, ['garden', 'Weekend']],
          [b, 2, ['garden', 'Weekend']],
        ],
      );
      // Attaching again keeps one of each, and is still a write.
      const again = await attach(as, [a], [garden.id]);
      assert.deepEqual(
        again.todos.map((todo) => [todo.version, names(todo)]),
        [[3, ['garden', 'Weekend']]],
      );
      const off = await detach(as, [a], [weekend.id]);
      assert.deepEqual(
        off.todos.map((todo) => [todo.version, names(todo)]),
        [[4, ['garden']]],
      );
      assert.deepEqual(await labelChanges(as, a), [
        { field: 'labels', oldValue: '["garden","Weekend"]', newValue: '["garden"]' },
        { field: 'labels', oldValue: null, newValue: '["garden","Weekend"]' },
      ]);

      // One todo out of reach, or one unknown label: nothing changes.
      const refusals: [BulkPayload, string[]][] = [
        [await attach(as, [a, '999999'], [weekend.id]), ['NOT_FOUND:todos']],
        [await attach(as, [a], [weekend.id, 'TGFiZWw6OTk5OTk5']), ['NOT_FOUND:labels']],
        [await attach(as, [a], ['not-an-id']), ['NOT_FOUND:labels']],
        [await attach(as, [a], []), ['REQUIRED:labels']],
        [await detach(as, [a, '999999'], [garden.id]), ['NOT_FOUND:todos']],
      ];
      for (const [payload, expected] of refusals) {
        assert.equal(payload.status, false);
        assert.deepEqual(payload.todos, []);
        assert.deepEqual(codes(payload.errors), expected);
      }
      assert.deepEqual([(await readTodo(as, a))?.version, names(await readTodo(as, a))], [4, ['garden']]);
      // No todos: nothing to write, once the labels are checked.
      assert.deepEqual(await attach(as, [], [garden.id]), { status: true, errors: [], todos: [] });
      assert.deepEqual(codes((await attach(as, [], ['TGFiZWw6OTk5OTk5'])).errors), ['NOT_FOUND:labels']);

      // At most 20 labels on a todo: the 21st refuses the whole call.
      const many: string[] = [];
      for (let index = 0; index < 20; index += 1) many.push((await createLabel(as, `tag ${index}`)).id);
      const tooMany = await attach(as, [b, a], many);
      assert.deepEqual(codes(tooMany.errors), ['TOO_MANY:labels']);
      assert.deepEqual(names(await readTodo(as, a)), ['garden']);
      const tooManyIds = await attach(as, [a], [...many, garden.id]);
      assert.deepEqual(codes(tooManyIds.errors), ['TOO_MANY:labels']);
    });

    it('deleting a label takes it off every todo, as a write to each', async () => {
      const as = await signedIn(server, 'label-deleter');
      const [a, b, c] = [await addTodo(as, 'one'), await addTodo(as, 'two'), await addTodo(as, 'three')];
      const gone = await createLabel(as, 'gone');
      const kept = await createLabel(as, 'kept');
      await attach(as, [a, b], [gone.id, kept.id]);
      await as(DELETE, { label: gone.id });
      for (const id of [a, b]) {
        const todo = await readTodo(as, id);
        assert.deepEqual([todo?.version, names(todo)], [3, ['kept']]);
        assert.deepEqual((await labelChanges(as, id))[0], {
          field: 'labels',
          oldValue: '["gone","kept"]',
          newValue: '["kept"]',
        });
      }
      assert.equal((await readTodo(as, c))?.version, 1);
      const { node } = await as<{ node: unknown }>(`query ($id: ID!) { node(id: $id) { id } }`, { id: gone.id });
      assert.equal(node, null);
    });

    it('filters pages by label (any of those named), across pages and in a list', async () => {
      const as = await signedIn(server, 'label-filter');
      const list = await createList(as, 'Filtered');
      const red = await createLabel(as, 'red');
      const blue = await createLabel(as, 'blue');
      const ids: string[] = [];
      for (let index = 0; index < 9; index += 1)
        ids.push(await addTodo(as, `todo ${index}`, index < 6 ? list : undefined));
      const redOnes = [ids[0], ids[2], ids[4], ids[6], ids[8]].map(String);
      await attach(as, redOnes, [red.id]);
      await attach(as, [String(ids[1]), String(ids[2])], [blue.id]);

      const page = `query ($filter: TodoFilter, $after: String) {
        allTodos(first: 2, after: $after, filter: $filter) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } }
      }`;
      const walk = async (filter: Record<string, unknown>) => {
        const seen: string[] = [];
        let after: string | null = null;
        for (;;) {
          const { allTodos }: { allTodos: Connection } = await as<{ allTodos: Connection }>(page, { filter, after });
          seen.push(...allTodos.edges.map(({ node }) => node.id));
          if (!allTodos.pageInfo.hasNextPage) return { seen, total: allTodos.totalCount };
          after = allTodos.pageInfo.endCursor;
        }
      };
      assert.deepEqual(await walk({ labels: [red.id] }), { seen: redOnes, total: 5 });
      assert.deepEqual(await walk({ labels: [red.id, blue.id] }), {
        seen: [0, 1, 2, 4, 6, 8].map((index) => String(ids[index])),
        total: 6,
      });
      assert.deepEqual(await walk({ labels: [blue.id], completed: false }), {
        seen: [String(ids[1]), String(ids[2])],
        total: 2,
      });
      assert.deepEqual(await walk({ labels: ['nonsense'] }), { seen: [], total: 0 });

      const inList = await as<{ list: { todos: { edges: { node: { id: string } }[] } } }>(
        `query ($list: ID!, $labels: [ID!]) { list(id: $list) { todos(first: 10, filter: { labels: $labels }) { edges { node { id } } } } }`,
        { list, labels: [red.id] },
      );
      assert.deepEqual(
        inList.list.todos.edges.map(({ node }) => node.id),
        [0, 2, 4].map((index) => String(ids[index])),
      );
      const tooMany = await call(
        server,
        page,
        { filter: { labels: Array.from({ length: 21 }, () => red.id) } },
        { token: as.token },
      );
      assert.equal(tooMany.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    });

    it("reads a whole page's labels in one statement", async () => {
      const as = await signedIn(server, 'label-batch');
      const list = await createList(as, 'Batch');
      const label = await createLabel(as, 'batched');
      const ids: string[] = [];
      for (let index = 0; index < 12; index += 1) ids.push(await addTodo(as, `item ${index}`, list));
      await attach(as, ids, [label.id]);
      const query = `query ($first: Int!) { list(id: "${list}") { todos(first: $first) { edges { node { labels { name color } } } } } }`;
      const counts: number[] = [];
      for (const first of [1, 4, 12]) {
        statements = [];
        const data = await as<{ list: { todos: { edges: { node: { labels: { name: string }[] } }[] } } }>(query, {
          first,
        });
        assert.equal(data.list.todos.edges.length, first);
        assert.ok(data.list.todos.edges.every(({ node }) => node.labels[0]?.name === 'batched'));
        counts.push(statements.filter((text) => /\btodo_labels\b/.test(text)).length);
      }
      assert.deepEqual(counts, [1, 1, 1], `statements reading labels per page: ${counts.join(', ')}`);
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
