import type { Migration } from './index.js';

export const createTodos: Migration = {
  async up(db, dialect) {
    await db.schema
      .createTable('todos')
      .addColumn('id', 'integer', (column) =>
        // AUTOINCREMENT (SQLite) and identity columns (PostgreSQL) never hand out a
        // deleted todo's id again, so a client cache keyed by id cannot mix two items.
        dialect === 'postgres'
          ? column.primaryKey().generatedByDefaultAsIdentity()
          : column.primaryKey().autoIncrement(),
      )
      .addColumn('description', 'text', (column) => column.notNull())
      .addColumn('completed', 'boolean', (column) => column.notNull().defaultTo(false))
      .addColumn('due_date', dialect === 'postgres' ? 'date' : 'text', (column) => column.notNull())
      .execute();
  },
};
