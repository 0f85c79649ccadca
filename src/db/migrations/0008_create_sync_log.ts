import { sql } from 'kysely';
import { generatedId } from './columns.js';
import type { Migration } from './index.js';

/**
 * The log `changesSince` reads: one row per change and per user who could see
 * it (or just lost sight of it), written in the change's transaction. Rows are
 * numbered in the order their transactions commit (see sync-log.repository.ts),
 * so a cursor is a position nothing can later be inserted before.
 */
export const createSyncLog: Migration = {
  async up(db, dialect) {
    await db.schema
      .createTable('sync_log')
      // 64 bits on PostgreSQL: one row per reader per change runs through 2^31 soon
      // enough. (SQLite's integer is 64 bits already.)
      .addColumn('seq', dialect === 'postgres' ? 'bigint' : 'integer', generatedId(dialect))
      .addColumn('user_id', 'integer', (column) => column.notNull())
      // "Todo" or "TodoList".
      .addColumn('type', 'text', (column) => column.notNull())
      .addColumn('object_id', 'integer', (column) => column.notNull())
      .addColumn('at', 'text', (column) => column.notNull())
      .execute();
    await db.schema.createIndex('sync_log_by_user').on('sync_log').columns(['user_id', 'seq']).execute();
    await db.schema.createIndex('sync_log_by_time').on('sync_log').column('at').execute();
    // The row every writer to the log locks first: on PostgreSQL, it makes the
    // log's numbering follow commit order.
    await sql`insert into settings (key, value) values ('sync_log_writer', '')`.execute(db);
    // The last position retention has deleted: a cursor before it may have missed rows.
    await sql`insert into settings (key, value) values ('sync_log_pruned_through', '0')`.execute(db);
  },
};
