import { generatedId } from './columns.js';
import type { Migration } from './index.js';

/**
 * Labels: each user's own, with a name and a colour, and which todos carry
 * which labels. A label's name is unique per owner ignoring letter case
 * (`name_key`, the name lower-cased, carries the unique index, since
 * PostgreSQL and SQLite lower-case differently outside ASCII).
 *
 * `todo_labels` rows go with their todo and with their label (foreign keys,
 * cascading): a deleted todo or label leaves nothing pointing at it. The
 * second index serves the label's side: deleting a label, and filtering todos
 * by label.
 */
export const createLabels: Migration = {
  async up(db, dialect) {
    await db.schema
      .createTable('labels')
      .addColumn('id', 'integer', generatedId(dialect))
      .addColumn('owner_id', 'integer', (column) => column.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'text', (column) => column.notNull())
      .addColumn('name_key', 'text', (column) => column.notNull())
      // `#rrggbb`, lower-case.
      .addColumn('color', 'text', (column) => column.notNull())
      .addColumn('created_at', 'text', (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex('labels_one_name_per_owner')
      .on('labels')
      .columns(['owner_id', 'name_key'])
      .unique()
      .execute();

    await db.schema
      .createTable('todo_labels')
      .addColumn('todo_id', 'integer', (column) => column.notNull().references('todos.id').onDelete('cascade'))
      .addColumn('label_id', 'integer', (column) => column.notNull().references('labels.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('todo_labels_pk', ['todo_id', 'label_id'])
      .execute();
    await db.schema.createIndex('todo_labels_by_label').on('todo_labels').columns(['label_id', 'todo_id']).execute();
  },
};
