/**
 * The database layer on real SQLite and PostgreSQL: prepared queries never run
 * inside someone else's open transaction.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type Database } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { ANONYMOUS_OWNER } from '../src/db/tables.js';
import { findTodo, insertTodo, listTodos } from '../src/todos/todos.repository.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';

for (const target of databaseTargets) {
  describe(`database layer on ${target.name}`, { skip: target.skip }, () => {
    let testDb: TestDatabase;
    let database: Database;
    before(async () => {
      testDb = await target.create();
      database = openDatabase(testDb.location);
      await migrateToLatest(database);
    });
    after(async () => {
      await database.close();
      await testDb.drop();
    });

    it('keeps a write made while a transaction is open out of that transaction', async () => {
      const transaction = database.db.transaction().execute(async (trx) => {
        await insertTodo(trx, ANONYMOUS_OWNER, { description: 'inside', dueOn: '2030-01-01' });
        await sleep(100);
        throw new Error('roll back');
      });
      await sleep(20);
      // On SQLite this must wait for the transaction instead of joining it.
      const outside = await insertTodo(database.db, ANONYMOUS_OWNER, { description: 'outside', dueOn: '2030-01-01' });
      await assert.rejects(transaction, /roll back/);

      assert.equal((await findTodo(database.db, ANONYMOUS_OWNER, outside.id))?.description, 'outside');
      assert.deepEqual(
        (await listTodos(database.db, ANONYMOUS_OWNER)).map((todo) => todo.description),
        ['outside'],
      );
    });
  });
}
