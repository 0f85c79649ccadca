/** The benchmark's database: todo-graphql's schema, migrated, with the workload's 100 todos in the anonymous Inbox. */
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { ANONYMOUS_OWNER } from '../src/db/tables.js';
import { generateNKeysBetween } from 'fractional-indexing';
import { seedTodos } from './workload.js';

export async function seedTemplate(file: string): Promise<void> {
  const database = openDatabase({ dialect: 'sqlite', file });
  await migrateToLatest(database);
  // Into the anonymous space's Inbox, where the workload's anonymous requests look.
  const inbox = await database.db
    .selectFrom('lists')
    .select('id')
    .where('owner_id', '=', ANONYMOUS_OWNER)
    .where('is_inbox', '=', 1)
    .executeTakeFirstOrThrow();
  const now = new Date().toISOString();
  const todos = seedTodos();
  const positions = generateNKeysBetween(null, null, todos.length);
  await database.db
    .insertInto('todos')
    .values(
      todos.map((todo, i) => ({
        ...todo,
        list_id: inbox.id,
        position: positions[i] ?? '',
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
  await database.close();
}
