import type { Migration } from './index.js';

/**
 * A version on every todo and list, counting the writes to its row: 1 when
 * made, one more for each change. A client that sends the version it read
 * with an update (`ifVersion`) has it refused with CONFLICT when someone else
 * wrote in between, instead of silently undoing their change.
 */
export const addVersions: Migration = {
  async up(db) {
    for (const table of ['todos', 'lists']) {
      await db.schema
        .alterTable(table)
        .addColumn('version', 'integer', (column) => column.notNull().defaultTo(1))
        .execute();
    }
  },
};
