/**
 * The tutorial's operations, pasted unchanged, answer in the tutorial's shape,
 * with its exact error messages, on both databases.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { tutorial } from './helpers/tutorial.js';

for (const target of databaseTargets) {
  describe(`tutorial operations on ${target.name}`, { skip: target.skip }, () => {
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

    it('answers the tutorial walkthrough in order, in its shapes', async () => {
      // The tutorial creates its first todo from a Python prompt; here, through the API.
      assert.deepEqual(
        await server.data(
          `mutation { createTodo(description: "Run a marathon", dueDate: "22-10-2020") { success todo { id } } }`,
        ),
        { createTodo: { success: true, todo: { id: '1' } } },
      );

      assert.deepEqual(await server.data(tutorial.fetchAllTodos), {
        todos: { success: true, errors: null, todos: [{ description: 'Run a marathon', completed: false, id: '1' }] },
      });

      assert.deepEqual(await server.data(tutorial.fetchTodo), {
        todo: {
          success: true,
          errors: null,
          todo: { id: '1', completed: false, description: 'Run a marathon', dueDate: '22-10-2020' },
        },
      });

      // The tutorial prints exactly this answer.
      assert.deepEqual(await server.data(tutorial.newTodo), {
        createTodo: {
          errors: null,
          success: true,
          todo: { completed: false, description: 'Go to the dentist', id: '2' },
        },
      });

      assert.deepEqual(await server.data(tutorial.markDone), {
        markDone: {
          success: true,
          errors: null,
          todo: { id: '1', completed: true, description: 'Run a marathon', dueDate: '22-10-2020' },
        },
      });

      assert.deepEqual(await server.data(tutorial.deleteTodo), { deleteTodo: { success: true, errors: null } });

      assert.deepEqual(await server.data(tutorial.updateDueDate), { updateDueDate: { success: true, errors: null } });

      assert.deepEqual(await server.data(`{ todos { todos { id description completed dueDate } } }`), {
        todos: { todos: [{ id: '2', description: 'Go to the dentist', completed: false, dueDate: '25-10-2020' }] },
      });
    });

    it('answers the tutorial operations on a missing todo with its messages', async () => {
      assert.deepEqual(await server.data(tutorial.fetchTodo), {
        todo: { success: false, errors: ['Todo item matching id 1 not found'], todo: null },
      });
      assert.deepEqual(await server.data(tutorial.markDone), {
        markDone: { success: false, errors: ['Todo matching id 1 was not found'], todo: null },
      });
      assert.deepEqual(await server.data(tutorial.deleteTodo), {
        deleteTodo: { success: false, errors: ['Todo matching id 1 not found'] },
      });
      assert.deepEqual(
        await server.data(
          `mutation { updateDueDate(todoId: "1", newDate: "25-10-2020") { success errors todo { id } } }`,
        ),
        {
          updateDueDate: { success: false, errors: ['Todo matching id 1 not found'], todo: null },
        },
      );
      assert.deepEqual(await server.data(`mutation { updateDueDate(newDate: "25-10-2020") { success errors } }`), {
        updateDueDate: { success: false, errors: ['Todo matching id null not found'] },
      });
    });

    it('lists todos oldest first', async () => {
      const created: string[] = [];
      for (const description of ['first', 'second', 'third']) {
        const data = await server.data<{ createTodo: { todo: { id: string } } }>(
          `mutation($d: String!) { createTodo(description: $d, dueDate: "01-01-2030") { todo { id } } }`,
          { d: description },
        );
        created.push(data.createTodo.todo.id);
      }
      const { todos } = await server.data<{ todos: { todos: { id: string }[] } }>(`{ todos { todos { id } } }`);
      const ids = todos.todos.map((todo) => todo.id);
      assert.deepEqual(
        ids.filter((id) => created.includes(id)),
        created,
      );
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => Number(a) - Number(b)),
      );
    });

    it('refuses dates that are not real dd-mm-yyyy calendar dates', async () => {
      const badDate = 'Incorrect date format provided. Date should be in the format dd-mm-yyyy';
      const { createTodo } = await server.data<{ createTodo: { todo: { id: string } } }>(
        `mutation { createTodo(description: "dated", dueDate: "29-02-2028") { todo { id dueDate } } }`,
      );
      for (const date of [
        '31-02-2027',
        '29-02-2027',
        '2027-10-24',
        '24/10/2027',
        '1-1-2027',
        '00-01-2027',
        '32-01-2027',
        '15-13-2027',
        '01-01-0000',
        '',
        ' 24-10-2027',
        '24-10-2027\n',
      ]) {
        assert.deepEqual(
          await server.data(
            `mutation($d: String!) { createTodo(description: "x", dueDate: $d) { success errors todo { id } } }`,
            { d: date },
          ),
          { createTodo: { success: false, errors: [badDate], todo: null } },
          `createTodo with ${JSON.stringify(date)}`,
        );
        assert.deepEqual(
          await server.data(
            `mutation($id: String, $d: String!) { updateDueDate(todoId: $id, newDate: $d) { success errors todo { id } } }`,
            {
              id: createTodo.todo.id,
              d: date,
            },
          ),
          { updateDueDate: { success: false, errors: [badDate], todo: null } },
          `updateDueDate with ${JSON.stringify(date)}`,
        );
      }
      const { todo } = await server.data<{ todo: { todo: { dueDate: string } } }>(
        `query($id: ID!) { todo(todoId: $id) { todo { dueDate } } }`,
        { id: createTodo.todo.id },
      );
      assert.equal(todo.todo.dueDate, '29-02-2028', 'a refused update changes nothing');
    });

    it('answers every malformed id as not found', async () => {
      const ids = [
        'abc',
        '',
        '-1',
        '0',
        '1e9',
        '1.0',
        '01',
        ' 1',
        '0x1',
        '2147483648',
        '99999999999999999999',
        'x'.repeat(10_000),
        "1' or '1'='1",
      ];
      for (const id of ids) {
        const response = await server.graphql(
          `query($id: ID!) {
            todo(todoId: $id) { success errors todo { id } }
          }`,
          { id },
        );
        assert.equal(response.status, 200, JSON.stringify(response.body));
        assert.deepEqual(response.body, {
          data: { todo: { success: false, errors: [`Todo item matching id ${id} not found`], todo: null } },
        });
        assert.deepEqual(
          await server.data(
            `mutation($id: ID!, $sid: String!) {
              deleteTodo(todoId: $id) { success errors }
              markDone(todoId: $sid) { success errors }
              updateDueDate(todoId: $sid, newDate: "01-01-2030") { success errors }
            }`,
            { id, sid: id },
          ),
          {
            deleteTodo: { success: false, errors: [`Todo matching id ${id} not found`] },
            markDone: { success: false, errors: [`Todo matching id ${id} was not found`] },
            updateDueDate: { success: false, errors: [`Todo matching id ${id} not found`] },
          },
        );
      }
    });

    it('never hands out a deleted todo id again', async () => {
      const create = `mutation { createTodo(description: "temp", dueDate: "01-01-2030") { todo { id } } }`;
      const first = await server.data<{ createTodo: { todo: { id: string } } }>(create);
      await server.data(`mutation($id: ID!) { deleteTodo(todoId: $id) { success } }`, { id: first.createTodo.todo.id });
      const second = await server.data<{ createTodo: { todo: { id: string } } }>(create);
      assert.ok(Number(second.createTodo.todo.id) > Number(first.createTodo.todo.id));
    });
  });
}
