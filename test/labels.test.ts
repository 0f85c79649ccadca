/**
 * Labels on both databases: a user's own labels (made, renamed, recoloured,
 * deleted, validated, unique per user ignoring case, capped), attached to and
 * taken off todos in bulk, all or none, as writes to the todo (version and
 * history); `Todo.labels` read once per page; `TodoFilter.labels` with keyset
 * paging. Sharing, sync, live events, the response cache and races are in
 * labels-sharing.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, signedIn } from './helpers/accounts.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import {
  LABEL,
  CREATE,
  UPDATE,
  DELETE,
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
  type BulkPayload,
  type Connection,
} from './helpers/labels.js';
import { startTestServer, type TestServer } from './helpers/server.js';

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
  });
}
