/**
 * The database layer on real SQLite and PostgreSQL: prepared queries never run
 * inside someone else's open transaction, and an existing database upgrades
 * to the current schema without losing a todo.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type Database } from '../src/db/database.js';
import { migrateToLatest, migrateUpTo } from '../src/db/migrate.js';
import { findUsers } from '../src/accounts/accounts.repository.js';
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
      // Watched from the start: the outside write may wait for it (on SQLite, and
      // on PostgreSQL for the sync log's writer lock), and it rolls back meanwhile.
      const rolledBack = assert.rejects(transaction, /roll back/);
      await sleep(20);
      // On SQLite this must wait for the transaction instead of joining it.
      const outside = await insertTodo(database.db, ANONYMOUS_OWNER, { description: 'outside', dueOn: '2030-01-01' });
      await rolledBack;

      assert.equal((await findTodo(database.db, ANONYMOUS_OWNER, outside.id))?.description, 'outside');
      assert.deepEqual(
        (await listTodos(database.db, ANONYMOUS_OWNER, 10)).map((todo) => todo.description),
        ['outside'],
      );
    });
  });
}

for (const target of databaseTargets) {
  describe(`upgrading an existing database on ${target.name}`, { skip: target.skip }, () => {
    it('moves every todo written before lists existed into its owner’s Inbox, losing nothing', async () => {
      const testDb = await target.create();
      const database = openDatabase(testDb.location);
      try {
        await migrateUpTo(database, '0002_create_accounts');
        // Rows as the schema of migration 0002 held them, written without the later columns.
        const before = database.db as unknown as Kysely<{
          users: { id: number; username: string; username_key: string; password_hash: string; created_at: string };
          todos: { description: string; due_date: string; completed: boolean | number; owner_id: number };
        }>;
        const user = await before
          .insertInto('users')
          .values({
            id: 7,
            username: 'old',
            username_key: 'old',
            password_hash: 'x',
            created_at: '2026-01-01T00:00:00.000Z',
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const done = target.name === 'sqlite' ? 1 : true;
        await before
          .insertInto('todos')
          .values([
            {
              description: 'anonymous, open',
              due_date: '2027-01-01',
              completed: target.name === 'sqlite' ? 0 : false,
              owner_id: 0,
            },
            { description: 'anonymous, done', due_date: '2027-01-02', completed: done, owner_id: 0 },
            { description: 'the user’s', due_date: '2027-01-03', completed: done, owner_id: user.id },
          ])
          .execute();

        await migrateToLatest(database);

        const rows = await database.db
          .selectFrom('todos')
          .innerJoin('lists', 'lists.id', 'todos.list_id')
          .select([
            'todos.description',
            'todos.priority',
            'todos.completed_at',
            'todos.created_at',
            'lists.owner_id',
            'lists.name',
            'lists.is_inbox',
          ])
          .orderBy('todos.id')
          .execute();
        assert.deepEqual(
          rows.map((row) => [
            row.description,
            row.owner_id,
            row.name,
            Boolean(row.is_inbox),
            row.priority,
            row.completed_at !== null,
          ]),
          [
            ['anonymous, open', 0, 'Inbox', true, 1, false],
            ['anonymous, done', 0, 'Inbox', true, 1, true],
            ['the user’s', 7, 'Inbox', true, 1, true],
          ],
        );
        assert.ok(rows.every((row) => row.created_at.endsWith('Z')));
        const inboxes = await database.db
          .selectFrom('lists')
          .select('owner_id')
          .where('is_inbox', '=', sql<boolean>`true`)
          .execute();
        assert.deepEqual(inboxes.map((row) => row.owner_id).sort(), [0, 7]);
      } finally {
        await database.close();
        await testDb.drop();
      }
    });
  });
}

for (const target of databaseTargets) {
  describe(`foreign keys on ${target.name} (migration 0004)`, { skip: target.skip }, () => {
    it('removes rows that point nowhere, then keeps any from pointing nowhere, handing out no deleted id again', async () => {
      const testDb = await target.create();
      const database = openDatabase(testDb.location);
      const run = <Row>(statement: RawBuilder<Row>) => statement.execute(database.db);
      try {
        await migrateUpTo(database, '0003_create_lists');
        const now = '2026-01-01T00:00:00.000Z';
        await run(sql`insert into users (id, username, username_key, password_hash, created_at)
          values (7, 'old', 'old', 'x', ${now})`);
        const { rows: lists } = await run(sql<{ id: number }>`insert into lists (owner_id, name, is_inbox, created_at)
          values (7, 'Kept', ${sql.lit(false)}, ${now}) returning id`);
        const kept = lists[0]?.id ?? assert.fail();
        await run(
          sql`insert into list_members (list_id, user_id, role, created_at) values (${kept}, 7, 'VIEWER', ${now})`,
        );
        const todo = async (list: number) => {
          const { rows } = await run(sql<{ id: number }>`insert into todos
            (description, due_date, owner_id, list_id, created_at, updated_at)
            values ('old todo', '2030-01-01', 7, ${list}, ${now}, ${now}) returning id`);
          return rows[0]?.id ?? assert.fail();
        };
        const stays = await todo(kept);
        // Left behind by a list deleted while a todo was being added to it.
        await todo(kept + 1000);
        // The highest id yet, deleted: it must never be handed out again.
        const highest = await todo(kept);
        await run(sql`delete from todos where id = ${highest}`);

        await migrateToLatest(database);

        const left = await database.db.selectFrom('todos').select(['id', 'list_id']).orderBy('id').execute();
        assert.deepEqual(left, [{ id: stays, list_id: kept }]);
        await assert.rejects(
          run(sql`insert into todos (description, due_date, owner_id, list_id, created_at, updated_at)
            values ('nowhere', '2030-01-01', 7, ${kept + 1000}, ${now}, ${now})`),
          /foreign key|FOREIGN KEY/,
        );
        await assert.rejects(
          run(sql`insert into lists (owner_id, name, is_inbox, created_at)
            values (12345, 'Nobody', ${sql.lit(false)}, ${now})`),
          /foreign key|FOREIGN KEY/,
        );
        const fresh = await insertTodoInto(database, kept);
        assert.ok(fresh > highest, `id ${fresh} was handed out again`);
        // Deleting a list takes its todos and memberships with it.
        await database.db.deleteFrom('lists').where('id', '=', kept).execute();
        assert.deepEqual(await database.db.selectFrom('todos').select('id').execute(), []);
        assert.deepEqual(await database.db.selectFrom('list_members').select('list_id').execute(), []);
        // The anonymous space is an owner like any other, and no user anyone can find.
        assert.equal((await findUsers(database.db, [ANONYMOUS_OWNER])).length, 0);
        assert.equal((await database.db.selectFrom('users').select('id').where('id', '=', 0).execute()).length, 1);
      } finally {
        await database.close();
        await testDb.drop();
      }
    });
  });
}

async function insertTodoInto(database: Database, list: number): Promise<number> {
  const now = new Date().toISOString();
  const row = await database.db
    .insertInto('todos')
    .values({
      description: 'new',
      due_date: '2030-01-01',
      owner_id: 7,
      list_id: list,
      // Any valid key: these todos are never placed before or after another.
      position: 'a0',
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
