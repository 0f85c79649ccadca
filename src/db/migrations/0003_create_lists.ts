import { sql } from 'kysely';
import { generatedId } from './columns.js';
import type { Migration } from './index.js';

/**
 * Named lists, shared with members, and the richer todo: every todo moves into
 * a list (its owner's Inbox), and gains notes, a priority and timestamps.
 */
export const createLists: Migration = {
  async up(db, dialect) {
    const now = new Date().toISOString();
    await db.schema
      .createTable('lists')
      .addColumn('id', 'integer', generatedId(dialect))
      .addColumn('owner_id', 'integer', (column) => column.notNull())
      .addColumn('name', 'text', (column) => column.notNull())
      .addColumn('is_inbox', 'boolean', (column) => column.notNull().defaultTo(false))
      .addColumn('created_at', 'text', (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex('lists_one_inbox_per_owner')
      .on('lists')
      .column('owner_id')
      .unique()
      .where(sql.ref('is_inbox'), '=', sql`true`)
      .execute();
    await db.schema.createIndex('lists_by_owner').on('lists').columns(['owner_id', 'id']).execute();

    await db.schema
      .createTable('list_members')
      .addColumn('list_id', 'integer', (column) => column.notNull().references('lists.id').onDelete('cascade'))
      .addColumn('user_id', 'integer', (column) => column.notNull().references('users.id').onDelete('cascade'))
      .addColumn('role', 'text', (column) => column.notNull())
      .addColumn('created_at', 'text', (column) => column.notNull())
      .addPrimaryKeyConstraint('list_members_pk', ['list_id', 'user_id'])
      .execute();
    await db.schema.createIndex('list_members_by_user').on('list_members').columns(['user_id', 'list_id']).execute();

    await db.schema.alterTable('todos').addColumn('list_id', 'integer').execute();
    await db.schema.alterTable('todos').addColumn('notes', 'text').execute();
    await db.schema
      .alterTable('todos')
      // A rank (0 LOW … 3 URGENT), so ordering by priority is ordering by the column, and indexable.
      .addColumn('priority', 'integer', (column) => column.notNull().defaultTo(1))
      .execute();
    for (const name of ['created_at', 'updated_at']) {
      await db.schema
        .alterTable('todos')
        .addColumn(name, 'text', (column) => column.notNull().defaultTo(now))
        .execute();
    }
    await db.schema.alterTable('todos').addColumn('completed_at', 'text').execute();
    // When a todo was done before this column existed is unknown; now is the best bound.
    await sql`update todos set completed_at = ${now} where completed = ${sql.lit(true)}`.execute(db);

    // An Inbox for the anonymous space and for every user, and every todo into its owner's.
    await sql`insert into lists (owner_id, name, is_inbox, created_at)
      select owner_id, 'Inbox', ${sql.lit(true)}, ${now}
      from (select 0 as owner_id union select id from users union select owner_id from todos) as owners`.execute(db);
    await sql`update todos set list_id = (
      select lists.id from lists where lists.owner_id = todos.owner_id and lists.is_inbox = ${sql.lit(true)}
    )`.execute(db);
    await db.schema.createIndex('todos_by_list').on('todos').columns(['list_id', 'id']).execute();
    // One index per order a page can ask for, within a list, each ending in the
    // id that breaks ties: a page is an index seek to its cursor, however deep.
    for (const column of ['due_date', 'priority', 'created_at'] as const) {
      await db.schema
        .createIndex(`todos_by_list_and_${column}`)
        .on('todos')
        .columns(['list_id', column, 'id'])
        .execute();
    }
    await db.schema
      .createIndex('todos_by_list_and_completed_at')
      .on('todos')
      .expression(sql`list_id, coalesce(completed_at, ''), id`)
      .execute();
  },
};
