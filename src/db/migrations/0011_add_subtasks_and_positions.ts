import { sql, type Kysely } from 'kysely';
import { generateNKeysBetween } from 'fractional-indexing';
import type { Migration } from './index.js';

/** Rows renumbered per statement while existing todos get their first positions. */
const BATCH = 500;

/**
 * Subtasks and manual order. `parent_id` makes a todo a subtask of another in
 * the same list (deleting the parent deletes it). `position` is a fractional
 * index (rocicorp's fractional-indexing): a key that sorts a todo among its
 * siblings, so a move rewrites one row, never its neighbours. It must sort
 * byte by byte, hence the C collation on PostgreSQL (SQLite's default already does).
 *
 * Existing todos keep the order they had, creation, among the top-level
 * todos of their list.
 */
export const addSubtasksAndPositions: Migration = {
  async up(db, dialect) {
    await db.schema
      .alterTable('todos')
      .addColumn('parent_id', 'integer', (column) => column.references('todos.id').onDelete('cascade'))
      .execute();
    await db.schema
      .alterTable('todos')
      .addColumn('position', dialect === 'postgres' ? sql`text collate "C"` : 'text', (column) =>
        column.notNull().defaultTo(''),
      )
      .execute();
    await backfillPositions(db);
    await db.schema.createIndex('todos_by_position').on('todos').columns(['list_id', 'position', 'id']).execute();
    await db.schema.createIndex('todos_by_parent').on('todos').columns(['parent_id', 'position', 'id']).execute();
  },
};

async function backfillPositions(db: Kysely<unknown>): Promise<void> {
  const rows = await sql<{ id: number; list_id: number }>`select id, list_id from todos order by list_id, id`.execute(
    db,
  );
  const byList = new Map<number, number[]>();
  for (const row of rows.rows) byList.set(row.list_id, [...(byList.get(row.list_id) ?? []), row.id]);
  const assignments: [number, string][] = [];
  for (const ids of byList.values()) {
    const keys = generateNKeysBetween(null, null, ids.length);
    ids.forEach((id, i) => assignments.push([id, keys[i] ?? '']));
  }
  for (let start = 0; start < assignments.length; start += BATCH) {
    const batch = assignments.slice(start, start + BATCH);
    const cases = sql.join(
      batch.map(([id, key]) => sql`when ${id} then ${key}`),
      sql` `,
    );
    await sql`update todos set position = case id ${cases} end where id in (${sql.join(batch.map(([id]) => id))})`.execute(
      db,
    );
  }
}
