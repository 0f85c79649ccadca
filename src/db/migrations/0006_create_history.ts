import { generatedId } from './columns.js';
import type { Migration } from './index.js';

/**
 * The history of every todo and list: one row per change, written in the same
 * transaction as the change itself, so there is never a change without its
 * entry nor an entry without its change.
 *
 * An entry belongs to the list the change happened in and is deleted with it
 * (by deleteList: no one can read that list's activity any more). It outlives
 * its todo: a deleted todo's entries stay in the list's activity. A move is one
 * entry in the list the todo went to, naming the list it left
 * (`previous_list_id`), so both lists' activity shows it.
 *
 * No foreign keys: a log keeps ids as facts, and a key's check would lock the
 * list row from every todo write, against deleteList, which locks the list and
 * then the todos (a deadlock PostgreSQL would break after a second's stall).
 */
export const createHistory: Migration = {
  async up(db, dialect) {
    await db.schema
      .createTable('history')
      .addColumn('id', 'integer', generatedId(dialect))
      .addColumn('list_id', 'integer', (column) => column.notNull())
      .addColumn('previous_list_id', 'integer')
      .addColumn('todo_id', 'integer')
      .addColumn('actor_id', 'integer', (column) => column.notNull())
      .addColumn('member_id', 'integer')
      .addColumn('action', 'text', (column) => column.notNull())
      // JSON: [[field, old, new], …], each value as its GraphQL field serializes it.
      .addColumn('changes', 'text', (column) => column.notNull())
      .addColumn('at', 'text', (column) => column.notNull())
      .execute();
    await db.schema.createIndex('history_by_list').on('history').columns(['list_id', 'id']).execute();
    await db.schema.createIndex('history_by_previous_list').on('history').columns(['previous_list_id', 'id']).execute();
    await db.schema.createIndex('history_by_todo').on('history').columns(['todo_id', 'id']).execute();
    // Retention deletes by age.
    await db.schema.createIndex('history_by_time').on('history').column('at').execute();
  },
};
