import { generatedId } from './columns.js';
import type { Migration } from './index.js';

/**
 * Recurring todos (issue 18): a todo's rule, and the occurrences completed.
 *
 * Both hang off the todo by foreign key and go with it (and so with its list):
 * a rule or a completion of a todo that no longer exists means nothing, while
 * history keeps what happened. Every writer of these rows holds the todo's row
 * lock first (lockTodos), so the key's own lock on the todo never waits.
 */
export const addRecurrence: Migration = {
  async up(db, dialect) {
    await db.schema
      .createTable('todo_recurrences')
      .addColumn('todo_id', 'integer', (column) => column.primaryKey().references('todos.id').onDelete('cascade'))
      // RFC 5545 RRULE text as given, without DTSTART: the todo's due date is its start.
      .addColumn('rule', 'text', (column) => column.notNull())
      // IANA zone, for an UNTIL given as a UTC time.
      .addColumn('time_zone', 'text', (column) => column.notNull())
      // Occurrences left under COUNT, the current due date included; null without COUNT.
      .addColumn('remaining', 'integer')
      .execute();
    await db.schema
      .createTable('todo_completions')
      .addColumn('id', 'integer', generatedId(dialect))
      .addColumn('todo_id', 'integer', (column) => column.notNull().references('todos.id').onDelete('cascade'))
      // The due date that was completed, YYYY-MM-DD.
      .addColumn('occurrence_on', 'text', (column) => column.notNull())
      .addColumn('completed_at', 'text', (column) => column.notNull())
      // Who completed it: a user, or ANONYMOUS_OWNER.
      .addColumn('completed_by', 'integer', (column) => column.notNull())
      .execute();
    await db.schema.createIndex('todo_completions_by_todo').on('todo_completions').columns(['todo_id', 'id']).execute();
  },
};
