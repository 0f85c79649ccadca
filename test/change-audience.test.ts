/**
 * Who hears which change, black-box on both databases: the list's owner, an
 * EDITOR, a VIEWER, a stranger and an anonymous caller each subscribe to every
 * change and narrowed to one shared list ("team"), and every mutation that
 * publishes is made in turn, on "team", on the owner's Inbox and on "side"
 * (shared with the viewer only). Absence is proven by order, not by waiting: after
 * each action every caller adds a sentinel todo to their own Inbox, and what a
 * subscription received before its sentinel must be exactly what was expected.
 * Both subscriptions of a caller share one socket, which carries the narrowed
 * one's events before the sentinel. The stranger's narrowed subscription is
 * silent until the list is shared with them, and its first event is that.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { register } from './helpers/accounts.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { subscribe, type Change, type Recording, type Subscriber } from './helpers/subscribers.js';

const PEOPLE = ['owner', 'editor', 'viewer', 'stranger', 'anonymous'] as const;
type Person = (typeof PEOPLE)[number];
/** What each caller's `all` subscription receives; its narrowed one gets those @team. Unnamed callers: nothing. */
type Expected = Partial<Record<Person, readonly string[]>>;
interface Heard {
  readonly all: Change[];
  readonly narrow: Change[];
}
/** What the `all` subscription heard, and the narrowed one, to read once its expected events are in. */
interface Pending {
  readonly all: Change[];
  readonly narrow: Recording;
}
interface Payload {
  readonly status?: boolean;
  readonly success?: boolean;
  readonly todo?: { readonly id: string };
  readonly list?: { readonly id: string };
}

// Two documents: the server takes an input field given an absent variable as an explicit null.
const ADD = 'mutation ($d: String!, $l: ID!) { addTodo(input: { description: $d, list: $l }) { status todo { id } } }';
const ADD_TO_INBOX = 'mutation ($d: String!) { addTodo(input: { description: $d }) { status todo { id } } }';
const NEW_LIST = 'mutation ($n: String!) { createList(input: { name: $n }) { status list { id } } }';
const SHARE =
  'mutation ($l: ID!, $u: String!, $r: ListRole!) { shareList(list: $l, username: $u, role: $r) { status } }';
const UNSHARE = 'mutation ($l: ID!, $u: String!) { unshareList(list: $l, username: $u) { status } }';
const RENAME = 'mutation ($l: ID!, $n: String!) { updateList(list: $l, input: { name: $n }) { status } }';
const UPDATE = 'mutation ($t: ID!, $d: String) { updateTodo(todo: $t, input: { description: $d }) { status } }';
const bulk = (field: string) => `mutation ($t: [ID!]!) { ${field}(todos: $t) { status } }`;
const MOVE = 'mutation ($t: [ID!]!, $l: ID!) { moveTodos(todos: $t, list: $l) { status } }';

for (const target of databaseTargets) {
  describe(`who hears which change, on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;
    const tokens = new Map<Person, string>();
    const subscribers = new Map<Person, Subscriber>();
    /** Readable names for list ids, and each todo's description, for the summaries. */
    const labels = new Map<string, string>();
    const descriptions = new Map<string, string>();
    const ids: Record<string, string> = {};
    let round = 0;

    async function send(person: Person, query: string, variables: Record<string, unknown> = {}) {
      const token = tokens.get(person);
      const response = await server.graphql(query, variables, token ? { authorization: `Bearer ${token}` } : {});
      assert.equal(response.body.errors, undefined, JSON.stringify(response.body));
      return Object.values(response.body.data ?? {});
    }
    /** Runs a mutation that must succeed, and returns its payload. */
    async function as(person: Person, query: string, variables: Record<string, unknown> = {}): Promise<Payload> {
      const [payload] = (await send(person, query, variables)) as (Payload | undefined)[];
      assert.ok(payload && (payload.status ?? payload.success), `${person}: ${query} ${JSON.stringify(payload)}`);
      return payload;
    }
    async function add(person: Person, description: string, list?: string): Promise<string> {
      const payload = await as(person, list ? ADD : ADD_TO_INBOX, { d: description, l: list });
      const id = payload.todo?.id ?? '';
      descriptions.set(id, description);
      return id;
    }
    const subscriber = (person: Person) => subscribers.get(person) ?? assert.fail(`no subscriber ${person}`);

    /** `KIND description @list` for a todo (the description in brackets once deleted), `KIND list @list "name"` for a list. */
    function summary(change: Change): string {
      const where = `@${labels.get(change.listId) ?? `list ${change.listId}`}`;
      if (change.todoId === null)
        return `${change.kind} list ${where} ${change.list ? `"${change.list.name}"` : '(hidden)'}`;
      const what = change.todo?.description ?? `(${descriptions.get(change.todoId) ?? change.todoId})`;
      return `${change.kind} ${what} ${where}${change.list ? '' : ' (list hidden)'}`;
    }

    /** Every caller adds `mark` to their own Inbox, and each `all` subscription waits for its own. */
    async function sentinel(mark: string, ms?: number): Promise<Map<Person, Pending>> {
      await Promise.all(PEOPLE.map((person) => add(person, mark)));
      const received = new Map<Person, Pending>();
      for (const person of PEOPLE) {
        const { all, narrow } = subscriber(person);
        const heard = await all.through((change) => change.todo?.description === mark, ms);
        received.set(person, { all: heard.slice(0, -1), narrow });
      }
      return received;
    }

    /**
     * Checks what every subscription heard since the last check: first with `inspect`, then against `expected`.
     * A narrowed subscription hears the lines @team, and `leftTeam`: changes moving a todo out of it.
     */
    async function heard(
      expected: Expected,
      inspect?: (received: Map<Person, Heard>) => void,
      leftTeam: readonly string[] = [],
    ) {
      const received = await sentinel(`sentinel ${++round}`);
      const line = (person: Person, which: string, changes: readonly string[]) =>
        `${person}, ${which}: ${changes.length === 0 ? 'nothing' : changes.join(' | ')}`;
      const actual: string[] = [];
      const wanted: string[] = [];
      const narrowedOf = new Map<Person, Change[]>();
      for (const person of PEOPLE) {
        const lines = expected[person] ?? [];
        const narrowed = lines.filter((text) => text.includes('@team') || leftTeam.includes(text));
        const { all = [], narrow: recording } = received.get(person) ?? {};
        const narrow = (await recording?.takeAtLeast(narrowed.length)) ?? [];
        narrowedOf.set(person, narrow);
        actual.push(line(person, 'all', all.map(summary)), line(person, 'narrowed', narrow.map(summary)));
        wanted.push(line(person, 'all', lines), line(person, 'narrowed', narrowed));
        const { all: open, narrow: narrowOpen } = subscriber(person);
        assert.deepEqual([...open.problems, ...narrowOpen.problems], [], `${person}: no errors, still open`);
      }
      inspect?.(
        new Map(
          PEOPLE.map((person) => [
            person,
            { all: received.get(person)?.all ?? [], narrow: narrowedOf.get(person) ?? [] },
          ]),
        ),
      );
      assert.deepEqual(actual, wanted);
    }

    before(async () => {
      db = await target.create();
      server = await startTestServer(db);
      for (const person of PEOPLE) {
        if (person !== 'anonymous') tokens.set(person, (await register(server, person)).token);
        const [lists] = (await send(person, '{ lists { id } }')) as { id: string }[][];
        const inbox = lists?.[0]?.id ?? '';
        labels.set(inbox, `inbox:${person}`);
        if (person === 'owner') ids.inbox = inbox;
      }
      for (const name of ['team', 'side']) {
        ids[name] = (await as('owner', NEW_LIST, { n: name === 'team' ? 'Team' : 'Side' })).list?.id ?? '';
        labels.set(ids[name], name);
      }
      await as('owner', SHARE, { l: ids.team, u: 'editor', r: 'EDITOR' });
      await as('owner', SHARE, { l: ids.team, u: 'viewer', r: 'VIEWER' });
      await as('owner', SHARE, { l: ids.side, u: 'viewer', r: 'VIEWER' });
      for (const person of PEOPLE)
        subscribers.set(person, subscribe(server.graphqlUrl, tokens.get(person), ids.team ?? ''));
      // Until the server has registered every subscription, a sentinel may go unheard: repeat until all hear one.
      for (let attempt = 1; ; attempt++) {
        try {
          await sentinel(`warm-up ${attempt}`, 250);
          break;
        } catch (error) {
          if (attempt === 20) throw error;
        }
      }
      for (const person of PEOPLE) subscriber(person).narrow.take();
    });
    after(async () => {
      for (const { client } of subscribers.values()) void client.dispose();
      await server.close();
      await db.drop();
    });

    it('addTodo into the shared list: its owner and members, nobody else', async () => {
      ids.milk = await add('editor', 'Milk', ids.team);
      ids.eggs = await add('owner', 'Eggs', ids.team);
      const lines = ['CREATED Milk @team', 'CREATED Eggs @team'];
      await heard({ owner: lines, editor: lines, viewer: lines });
    });

    it('createTodo, addTodo and createList where only some may read: only those', async () => {
      const created = await as(
        'owner',
        'mutation { createTodo(description: "Dentist", dueDate: "01-01-2030") { success todo { id } } }',
      );
      ids.dentist = created.todo?.id ?? '';
      descriptions.set(ids.dentist, 'Dentist');
      ids.bread = await add('owner', 'Bread', ids.side);
      await add('stranger', 'Hobby');
      await add('anonymous', 'Anything');
      labels.set((await as('owner', NEW_LIST, { n: 'Later' })).list?.id ?? '', 'later');
      await heard({
        owner: ['CREATED Dentist @inbox:owner', 'CREATED Bread @side', 'CREATED list @later "Later"'],
        viewer: ['CREATED Bread @side'],
        stranger: ['CREATED Hobby @inbox:stranger'],
        anonymous: ['CREATED Anything @inbox:anonymous'],
      });
    });

    it('updateTodo and markDone in the shared list: its owner and members', async () => {
      await as('editor', UPDATE, { t: ids.milk, d: 'Oat milk' });
      await as('editor', `mutation { markDone(todoId: "${ids.eggs ?? ''}") { success } }`);
      const lines = ['UPDATED Oat milk @team', 'UPDATED Eggs @team'];
      await heard({ owner: lines, editor: lines, viewer: lines });
    });

    for (const field of ['completeTodos', 'reopenTodos']) {
      it(`${field} across two lists: each todo only to those who may read it`, async () => {
        await as('owner', bulk(field), { t: [ids.milk, ids.dentist] });
        const team = ['UPDATED Oat milk @team'];
        await heard({ owner: [...team, 'UPDATED Dentist @inbox:owner'], editor: team, viewer: team });
      });
    }

    it('moveTodos into the shared list: its owner and members', async () => {
      await as('owner', MOVE, { t: [ids.dentist], l: ids.team });
      const lines = ['UPDATED Dentist @team'];
      await heard({ owner: lines, editor: lines, viewer: lines });
    });

    it('moveTodos out of two lists: the readers of each todo’s old list hear of it, and nobody else', async () => {
      // Readers of the old list hear the todo leave, seeing neither it nor the list it went
      // to; a subscription narrowed to the old list hears it too.
      await as('owner', MOVE, { t: [ids.dentist, ids.bread], l: ids.inbox });
      const left = '(Dentist) @inbox:owner (list hidden)';
      await heard(
        {
          owner: ['UPDATED Dentist @inbox:owner', 'UPDATED Bread @inbox:owner'],
          editor: [`UPDATED ${left}`],
          viewer: [`UPDATED ${left}`, 'UPDATED (Bread) @inbox:owner (list hidden)'],
        },
        undefined,
        ['UPDATED Dentist @inbox:owner', `UPDATED ${left}`],
      );
    });

    it('deleteTodos across two lists: each deletion only to those who could read it', async () => {
      await as('owner', bulk('deleteTodos'), { t: [ids.eggs, ids.bread] });
      const team = ['DELETED (Eggs) @team'];
      await heard({ owner: [...team, 'DELETED (Bread) @inbox:owner'], editor: team, viewer: team });
    });

    it('updateList: the list’s owner and members', async () => {
      await as('owner', RENAME, { l: ids.team, n: 'Crew' });
      const lines = ['UPDATED list @team "Crew"'];
      await heard({ owner: lines, editor: lines, viewer: lines });
    });

    it('shareList, then a new role: the new member hears both, first of all on their narrowed subscription', async () => {
      await as('owner', SHARE, { l: ids.team, u: 'stranger', r: 'VIEWER' });
      await as('owner', SHARE, { l: ids.team, u: 'stranger', r: 'EDITOR' });
      const lines = ['SHARED list @team "Crew"', 'SHARED list @team "Crew"'];
      await heard({ owner: lines, editor: lines, viewer: lines, stranger: lines });
    });

    it('unshareList: the removed member hears UNSHARED, without the list they may no longer read', async () => {
      await as('owner', UNSHARE, { l: ids.team, u: 'viewer' });
      const lines = ['UNSHARED list @team "Crew"'];
      await heard(
        { owner: lines, editor: lines, viewer: ['UNSHARED list @team (hidden)'], stranger: lines },
        (received) => {
          const removed = received.get('viewer');
          for (const change of [...(removed?.all ?? []), ...(removed?.narrow ?? [])]) {
            assert.deepEqual(
              change.list?.todos.edges ?? [],
              [],
              'the UNSHARED event shows the removed member no todos',
            );
          }
        },
      );
    });

    it('after unshareList: nothing more about the list reaches the removed member', async () => {
      ids.secret = await add('editor', 'Secret plan', ids.team);
      await as('owner', UPDATE, { t: ids.milk, d: 'Secret milk' });
      await as('owner', RENAME, { l: ids.team, n: 'Secret crew' });
      const lines = ['CREATED Secret plan @team', 'UPDATED Secret milk @team', 'UPDATED list @team "Secret crew"'];
      await heard({ owner: lines, editor: lines, stranger: lines });
    });

    it('after unshareList: a move from a list the removed member still reads shows them nothing of the other', async () => {
      ids.boxes = await add('owner', 'Boxes', ids.side);
      await as('owner', MOVE, { t: [ids.boxes], l: ids.team });
      const moved = ['UPDATED Boxes @team'];
      const expected = {
        owner: ['CREATED Boxes @side', ...moved],
        editor: moved,
        viewer: ['CREATED Boxes @side', 'UPDATED (Boxes) @team (list hidden)'],
        stranger: moved,
      };
      await heard(expected, (received) => {
        const viewer = JSON.stringify(received.get('viewer'));
        assert.doesNotMatch(viewer, /Secret/, `the removed member reads nothing of the list: ${viewer}`);
      });
    });

    it('deleteList: its owner and remaining members, with the list gone', async () => {
      await as('owner', `mutation { deleteList(list: "${ids.team ?? ''}") { status } }`);
      const lines = ['DELETED list @team (hidden)'];
      await heard({ owner: lines, editor: lines, stranger: lines });
    });

    it('after deleteList: nothing further, and every subscription is still open', async () => {
      const [refused] = (await send('editor', ADD, { d: 'Too late', l: ids.team })) as Payload[];
      assert.equal(refused?.status, false);
      await heard({});
    });
  });
}
