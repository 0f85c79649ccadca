/**
 * Whose todos are whose, black-box on both databases: users and the anonymous
 * space cannot read or change each other's todos, and ALLOW_ANONYMOUS=false
 * closes the anonymous space.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { call, register, type Credential } from './helpers/accounts.js';
import { startTestServer, type TestServer } from './helpers/server.js';

for (const target of databaseTargets) {
  describe(`ownership on ${target.name}`, { skip: target.skip }, () => {
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

    it("keeps each user's todos and the anonymous space apart", async () => {
      const alice = await register(server, 'alice');
      const bob = await register(server, 'bob');
      const callers: Record<string, Credential> = { alice, bob: { cookie: bob.cookie }, anonymous: undefined };
      const ids: Record<string, string> = {};
      for (const [name, credential] of Object.entries(callers)) {
        const answer = await call(
          server,
          'mutation ($d: String!) { createTodo(description: $d, dueDate: "01-02-2030") { todo { id } } }',
          { d: `${name}'s todo` },
          credential,
        );
        ids[name] = (answer.body.data?.createTodo as { todo: { id: string } }).todo.id;
      }
      const own = async (credential: Credential) =>
        (await call(server, '{ todos { todos { id description completed dueDate } } }', undefined, credential)).body
          .data;

      for (const [name, credential] of Object.entries(callers)) {
        const before = await own(credential);
        assert.deepEqual(before, {
          todos: { todos: [{ id: ids[name], description: `${name}'s todo`, completed: false, dueDate: '01-02-2030' }] },
        });
        for (const [otherName, otherId] of Object.entries(ids)) {
          if (otherName === name) continue;
          const tries = await call(
            server,
            `query { todo(todoId: "${otherId}") { success errors todo { id } } }`,
            undefined,
            credential,
          );
          assert.deepEqual(tries.body.data, {
            todo: { success: false, errors: [`Todo item matching id ${otherId} not found`], todo: null },
          });
          const changes = await call(
            server,
            `mutation {
              markDone(todoId: "${otherId}") { success errors }
              updateDueDate(todoId: "${otherId}", newDate: "31-12-2031") { success errors }
              deleteTodo(todoId: "${otherId}") { success errors }
            }`,
            undefined,
            credential,
          );
          assert.deepEqual(changes.body.data, {
            markDone: { success: false, errors: [`Todo matching id ${otherId} was not found`] },
            updateDueDate: { success: false, errors: [`Todo matching id ${otherId} not found`] },
            deleteTodo: { success: false, errors: [`Todo matching id ${otherId} not found`] },
          });
        }
      }
      for (const [name, credential] of Object.entries(callers)) {
        assert.deepEqual(
          await own(credential),
          {
            todos: {
              todos: [{ id: ids[name], description: `${name}'s todo`, completed: false, dueDate: '01-02-2030' }],
            },
          },
          `${name}'s todo is unchanged`,
        );
      }
    });

    it('answers "Authentication required" to anonymous callers when ALLOW_ANONYMOUS=false', async () => {
      const closedDb = await target.create();
      const closed = await startTestServer(closedDb, { ALLOW_ANONYMOUS: 'false' });
      try {
        const anonymous = await call(
          closed,
          `query { todos { success errors todos { id } } todo(todoId: "1") { success errors todo { id } } }`,
        );
        assert.deepEqual(anonymous.body.data, {
          todos: { success: false, errors: ['Authentication required'], todos: null },
          todo: { success: false, errors: ['Authentication required'], todo: null },
        });
        const mutations = await call(
          closed,
          `mutation {
            createTodo(description: "x", dueDate: "01-01-2030") { success errors }
            markDone(todoId: "1") { success errors }
            updateDueDate(todoId: "1", newDate: "01-01-2030") { success errors }
            deleteTodo(todoId: "1") { success errors }
          }`,
        );
        for (const answer of Object.values(mutations.body.data ?? {})) {
          assert.deepEqual(answer, { success: false, errors: ['Authentication required'] });
        }
        const { token } = await register(closed, 'insider');
        const created = await call(
          closed,
          'mutation { createTodo(description: "mine", dueDate: "01-01-2030") { success } }',
          undefined,
          { token },
        );
        assert.deepEqual(created.body.data, { createTodo: { success: true } });
      } finally {
        await closed.close();
        await closedDb.drop();
      }
    });
  });
}
