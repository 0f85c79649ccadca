import { sql } from 'kysely';
import { generatedId } from './columns.js';
import type { Migration } from './index.js';

/**
 * Users, their sessions, failed logins (the brute-force throttle) and settings;
 * every todo gets an owner. Times are ISO-8601 UTC text on both dialects, which
 * sorts and compares as time does.
 */
export const createAccounts: Migration = {
  async up(db, dialect) {
    const id = (table: string) => db.schema.createTable(table).addColumn('id', 'integer', generatedId(dialect));

    await id('users')
      .addColumn('username', 'text', (column) => column.notNull())
      // Lower-cased username: uniqueness and lookup ignore case, display keeps it.
      .addColumn('username_key', 'text', (column) => column.notNull().unique())
      .addColumn('password_hash', 'text', (column) => column.notNull())
      .addColumn('created_at', 'text', (column) => column.notNull())
      .execute();

    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('user_id', 'integer', (column) => column.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (column) => column.notNull())
      .addColumn('expires_at', 'text', (column) => column.notNull())
      .addColumn('revoked_at', 'text')
      .execute();

    await id('login_failures')
      .addColumn('username_key', 'text', (column) => column.notNull())
      .addColumn('failed_at', 'text', (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex('login_failures_by_username')
      .on('login_failures')
      .columns(['username_key', 'failed_at'])
      .execute();

    await db.schema
      .createTable('settings')
      .addColumn('key', 'text', (column) => column.primaryKey())
      .addColumn('value', 'text', (column) => column.notNull())
      .execute();

    // 0 is the anonymous space (ids start at 1). No foreign key: SQLite cannot add
    // one with a non-null default to an existing table, and both dialects should
    // hold the same rules.
    await db.schema
      .alterTable('todos')
      .addColumn('owner_id', 'integer', (column) => column.notNull().defaultTo(sql`0`))
      .execute();
  },
};
