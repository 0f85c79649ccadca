/**
 * Incremental sync on both databases: `changesSince` answers everything the
 * caller may see that changed after a cursor (deletions and lost access too),
 * a page at a time, each object once per page. A client that keeps a copy,
 * syncing whenever a live event pokes it while three users make 1,000 mixed
 * changes (concurrently, through two instances on PostgreSQL), and whose
 * subscription is dropped a third of the way, ends with exactly the server's state.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { call, signedIn, type Caller } from './helpers/accounts.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const TODO = 'id description completed priority dueOn notes list { id }';
const SYNC = `query Sync($cursor: String, $first: Int) {
  changesSince(cursor: $cursor, first: $first) {
    changes { todo { ${TODO} } list { id name } removedType removedId }
    cursor hasMore
  }
}`;

interface TodoState {
  id: string;
  description: string;
  completed: boolean;
  priority: string;
  dueOn: string;
  notes: string | null;
  list: { id: string };
}
interface SyncPage {
  changes: {
    todo: TodoState | null;
    list: { id: string; name: string } | null;
    removedType: string | null;
    removedId: string | null;
  }[];
  cursor: string;
  hasMore: boolean;
}

/** A client's own copy of what it may see, kept by sync alone. */
class Replica {
  readonly lists = new Map<string, string>();
  readonly todos = new Map<string, TodoState>();
  cursor = '';
  pages = 0;

  constructor(private readonly as: () => Caller) {}

  /** Takes the cursor of now, then reads everything: a change in between is read twice, never missed. */
  async start(): Promise<void> {
    this.cursor = (await this.as()<{ changesSince: SyncPage }>(SYNC, { first: 1 })).changesSince.cursor;
    const state = await serverState(this.as());
    for (const [id, name] of state.lists) this.lists.set(id, name);
    for (const [id, todo] of state.todos) this.todos.set(id, todo);
  }

  /** Pages through every change after the cursor. */
  async sync(first = 17): Promise<void> {
    for (;;) {
      const { changesSince: page } = await this.as()<{ changesSince: SyncPage }>(SYNC, { cursor: this.cursor, first });
      this.pages += 1;
      const keys = page.changes.map((change) => change.todo?.id ?? change.list?.id ?? change.removedId);
      assert.equal(new Set(keys).size, keys.length, 'no object twice in one page');
      for (const change of page.changes) {
        if (change.todo) this.todos.set(change.todo.id, change.todo);
        else if (change.list) this.lists.set(change.list.id, change.list.name);
        else if (change.removedType === 'Todo') this.todos.delete(change.removedId ?? '');
        else {
          this.lists.delete(change.removedId ?? '');
          for (const [id, todo] of this.todos) if (todo.list.id === change.removedId) this.todos.delete(id);
        }
      }
      this.cursor = page.cursor;
      if (!page.hasMore) return;
    }
  }
}

/** Everything the caller may see, read the ordinary way. */
async function serverState(as: Caller) {
  const { lists } = await as<{ lists: { id: string; name: string }[] }>('{ lists { id name } }');
  const todos = new Map<string, TodoState>();
  let after: string | null = null;
  for (;;) {
    const page: { allTodos: { edges: { node: TodoState }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } } =
      await as(
        `query ($after: String) { allTodos(first: 100, after: $after) {
          edges { node { ${TODO} } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
    for (const { node } of page.allTodos.edges) todos.set(node.id, node);
    if (!page.allTodos.pageInfo.hasNextPage) break;
    after = page.allTodos.pageInfo.endCursor;
  }
  return { lists: new Map(lists.map((list) => [list.id, list.name])), todos };
}

/** A small seeded generator: the same run every time, so a failure can be replayed. */
function random(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(next() * items.length)];
  return { next, pick };
}

interface ModelList {
  owner: string;
  inbox: boolean;
  members: Map<string, 'VIEWER' | 'EDITOR'>;
}

/**
 * Three users making `count` changes of every kind, `concurrency` at a time,
 * each through the server `serverFor` gives. Their model of the data follows
 * the answers; a change that another one made impossible just fails.
 */
async function makeChanges(
  users: Record<string, Caller>,
  inboxes: Record<string, string>,
  count: number,
  concurrency: number,
  afterEach: (done: number) => Promise<void>,
) {
  const { next, pick } = random(18);
  const names = Object.keys(users);
  const lists = new Map<string, ModelList>(
    names.map((name) => [inboxes[name] ?? '', { owner: name, inbox: true, members: new Map() }]),
  );
  const todos = new Map<string, string>();
  const writable = (user: string) =>
    [...lists].filter(([, list]) => list.owner === user || list.members.get(user) === 'EDITOR').map(([id]) => id);
  const todosOf = (user: string) => {
    const can = new Set(writable(user));
    return [...todos].filter(([, list]) => can.has(list)).map(([id]) => id);
  };

  async function change(user: string): Promise<void> {
    const as = users[user];
    if (!as) return;
    const roll = next();
    const todo = pick(todosOf(user));
    const list = pick(writable(user));
    const owned = [...lists].filter(([, l]) => l.owner === user && !l.inbox).map(([id]) => id);
    if (roll < 0.25 || !todo) {
      const input = { description: `todo ${Math.floor(next() * 1e6)}`, list, priority: pick(['LOW', 'HIGH']) };
      const { addTodo } = await as<{ addTodo: { todo: TodoState | null } }>(
        `mutation ($input: TodoInput!) { addTodo(input: $input) { todo { ${TODO} } } }`,
        { input },
      );
      if (addTodo.todo) todos.set(addTodo.todo.id, addTodo.todo.list.id);
    } else if (roll < 0.45) {
      const input = pick([
        { description: `edited ${Math.floor(next() * 1e6)}` },
        { notes: next() < 0.5 ? null : 'a note' },
        { dueOn: `2027-0${1 + Math.floor(next() * 9)}-1${Math.floor(next() * 9)}` },
        { priority: pick(['LOW', 'NORMAL', 'HIGH', 'URGENT']) },
      ]);
      await as(`mutation ($id: ID!, $input: TodoInput!) { updateTodo(todo: $id, input: $input) { status } }`, {
        id: todo,
        input,
      });
    } else if (roll < 0.55) {
      await as(
        `mutation ($ids: [ID!]!) { ${next() < 0.5 ? 'completeTodos' : 'reopenTodos'}(todos: $ids) { status } }`,
        {
          ids: [todo],
        },
      );
    } else if (roll < 0.65 && list) {
      const { moveTodos } = await as<{ moveTodos: { status: boolean } }>(
        `mutation ($ids: [ID!]!, $list: ID!) { moveTodos(todos: $ids, list: $list) { status } }`,
        { ids: [todo], list },
      );
      if (moveTodos.status) todos.set(todo, list);
    } else if (roll < 0.73) {
      await as(`mutation ($ids: [ID!]!) { deleteTodos(todos: $ids) { status } }`, { ids: [todo] });
      todos.delete(todo);
    } else if (roll < 0.78 && owned.length < 4) {
      const { createList } = await as<{ createList: { list: { id: string } | null } }>(
        `mutation ($name: String) { createList(input: { name: $name }) { list { id } } }`,
        { name: `list ${Math.floor(next() * 1e6)}` },
      );
      if (createList.list) lists.set(createList.list.id, { owner: user, inbox: false, members: new Map() });
    } else if (roll < 0.83 && owned[0]) {
      await as(`mutation ($id: ID!, $name: String) { updateList(list: $id, input: { name: $name }) { status } }`, {
        id: pick(owned),
        name: `renamed ${Math.floor(next() * 1e6)}`,
      });
    } else if (roll < 0.91 && owned[0]) {
      const id = pick(owned) ?? '';
      const member = pick(names.filter((name) => name !== user)) ?? '';
      const role = next() < 0.5 ? 'VIEWER' : 'EDITOR';
      const { shareList } = await as<{ shareList: { status: boolean } }>(
        `mutation ($id: ID!, $who: String!, $role: ListRole!) { shareList(list: $id, username: $who, role: $role) { status } }`,
        { id, who: `replica-${member}`, role },
      );
      if (shareList.status) lists.get(id)?.members.set(member, role);
    } else if (roll < 0.96 && owned[0]) {
      const id = pick(owned) ?? '';
      const member = pick([...(lists.get(id)?.members.keys() ?? [])]);
      if (member) {
        await as(`mutation ($id: ID!, $who: String!) { unshareList(list: $id, username: $who) { status } }`, {
          id,
          who: `replica-${member}`,
        });
        lists.get(id)?.members.delete(member);
      }
    } else if (owned[0]) {
      const id = pick(owned) ?? '';
      await as(`mutation ($id: ID!) { deleteList(list: $id) { status } }`, { id });
      lists.delete(id);
      for (const [todoId, listId] of todos) if (listId === id) todos.delete(todoId);
    }
  }

  for (let done = 0; done < count; done += concurrency) {
    await Promise.all(Array.from({ length: concurrency }, () => change(pick(names) ?? '')));
    await afterEach(done + concurrency);
  }
}

for (const target of databaseTargets) {
  describe(`incremental sync on ${target.name}`, { skip: target.skip, timeout: 300_000 }, () => {
    let db: TestDatabase;
    let servers: TestServer[];

    before(async () => {
      db = await target.create();
      // Two instances on one PostgreSQL; SQLite is one process's file.
      servers = [await startTestServer(db)];
      if (target.name === 'postgres') servers.push(await startTestServer(db));
    });
    after(async () => {
      for (const server of servers) await server.close();
      await db.drop();
    });

    it('tells of deletions and lost access, and refuses bad cursors', async () => {
      const [server] = servers;
      assert.ok(server);
      const ann = await signedIn(server, 'sync-ann');
      const bob = await signedIn(server, 'sync-bob');
      const { createList } = await ann<{ createList: { list: { id: string } } }>(
        'mutation { createList(input: { name: "Shared" }) { list { id } } }',
      );
      const shared = createList.list.id;
      const start = (await bob<{ changesSince: SyncPage }>(SYNC, { first: 10 })).changesSince;
      assert.deepEqual(start.changes, []);
      await ann(`mutation { shareList(list: "${shared}", username: "sync-bob", role: VIEWER) { status } }`);
      const { addTodo } = await ann<{ addTodo: { todo: { id: string } } }>(
        `mutation { addTodo(input: { description: "Seen", list: "${shared}" }) { todo { id } } }`,
      );
      const seen = (await bob<{ changesSince: SyncPage }>(SYNC, { cursor: start.cursor, first: 10 })).changesSince;
      assert.deepEqual(
        seen.changes.map((change) => change.list?.id ?? change.todo?.id),
        [shared, addTodo.todo.id],
      );
      // Moved out of Bob's reach: gone for Bob. Then the list is unshared: gone with what was left in it.
      const { lists } = await ann<{ lists: { id: string }[] }>('{ lists { id } }');
      await ann(`mutation { moveTodos(todos: ["${addTodo.todo.id}"], list: "${lists[0]?.id ?? ''}") { status } }`);
      await ann(`mutation { unshareList(list: "${shared}", username: "sync-bob") { status } }`);
      const gone = (await bob<{ changesSince: SyncPage }>(SYNC, { cursor: seen.cursor, first: 10 })).changesSince;
      assert.deepEqual(
        gone.changes.map(({ removedType, removedId }) => [removedType, removedId]),
        [
          ['Todo', addTodo.todo.id],
          ['TodoList', shared],
        ],
      );
      const quiet = (await bob<{ changesSince: SyncPage }>(SYNC, { cursor: gone.cursor, first: 10 })).changesSince;
      assert.deepEqual(quiet, { changes: [], cursor: quiet.cursor, hasMore: false });

      const refusals: [unknown, string][] = [
        [{ cursor: 'not-a-cursor', first: 5 }, 'BAD_USER_INPUT'],
        [{ cursor: Buffer.from('["sync",1e300]').toString('base64url'), first: 5 }, 'BAD_USER_INPUT'],
        [{ cursor: gone.cursor, first: 0 }, 'BAD_USER_INPUT'],
        [{ cursor: gone.cursor }, 'BAD_USER_INPUT'],
      ];
      for (const [variables, code] of refusals) {
        const answer = await call(server, SYNC, variables as Record<string, unknown>, { token: bob.token });
        assert.equal(answer.body.errors?.[0]?.extensions?.code, code, JSON.stringify(variables));
      }

      // Retention: the log is made to look a year old, and an instance starting deletes it.
      await sql`update sync_log set at = ${'2000-01-01T00:00:00.000Z'}`.execute(server.database.db);
      await server.close();
      const restarted = await startTestServer(db);
      servers[0] = restarted;
      const expired = await call(restarted, SYNC, { cursor: seen.cursor, first: 5 }, { token: bob.token });
      assert.equal(expired.body.errors?.[0]?.extensions?.code, 'CURSOR_EXPIRED', 'a cursor before deleted changes');
      const fresh = await call(restarted, SYNC, { first: 5 }, { token: bob.token });
      const cursor = (fresh.body.data as unknown as { changesSince: SyncPage }).changesSince.cursor;
      const current = await call(restarted, SYNC, { cursor, first: 5 }, { token: bob.token });
      assert.deepEqual(current.body.data, { changesSince: { changes: [], cursor, hasMore: false } });
    });

    it('keeps a copy exact through 1,000 mixed changes and a dropped subscription', async () => {
      const users: Record<string, Caller & { token: string }> = {};
      const inboxes: Record<string, string> = {};
      // Each user writes through one instance, in turn; Ben's replica reads through the last.
      for (const [index, name] of ['ann', 'cat', 'ben'].entries()) {
        const server = servers[index % servers.length] ?? servers[0];
        assert.ok(server);
        const as = await signedIn(server, `replica-${name}`);
        users[name] = as;
        inboxes[name] = (await as<{ lists: { id: string }[] }>('{ lists { id } }')).lists[0]?.id ?? '';
      }
      const ben = users.ben;
      const readerServer = servers.at(-1);
      assert.ok(ben && readerServer);
      const replica = new Replica(() => ben);
      await replica.start();

      // Live events only poke the replica to sync; it runs one sync at a time.
      let syncing: Promise<void> = Promise.resolve();
      let poked = 0;
      const live = createClient({
        url: readerServer.graphqlUrl.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${ben.token}` },
        retryAttempts: 0,
      });
      live.subscribe(
        { query: 'subscription { changes { kind } }' },
        {
          next: () => {
            poked += 1;
            syncing = syncing.then(() => replica.sync());
          },
          error: () => undefined,
          complete: () => undefined,
        },
      );
      await new Promise((resolve) => setTimeout(resolve, 200));

      await makeChanges(users, inboxes, 1000, 4, (done) => {
        // The connection drops: every change from here on is missed live.
        if (done === 332) live.terminate();
        return Promise.resolve();
      });
      await syncing;
      assert.ok(poked > 0, `live events poked the replica (${poked})`);
      // Back online: one sync catches up.
      await replica.sync();
      const state = await serverState(ben);
      assert.deepEqual([...replica.lists].sort(), [...state.lists].sort(), 'the lists Ben sees, with their names');
      const sorted = (todos: Map<string, TodoState>) => [...todos.values()].sort((a, b) => Number(a.id) - Number(b.id));
      assert.deepEqual(sorted(replica.todos), sorted(state.todos), 'every todo Ben sees, field by field');
      assert.ok(state.todos.size > 20, `a meaningful state (${state.todos.size} todos)`);
    });
  });
}
