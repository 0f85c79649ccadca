/**
 * What a parent's change does to its subtasks, in the parent's transaction:
 * - moved to another list, its subtasks go with it (a subtask is always in its
 *   parent's list);
 * - completed, its open subtasks are completed too (reopening it reopens none);
 * - deleted, its subtasks are deleted.
 * Each subtask changed is a write of its own: version, history entry, sync rows.
 */
import { sql, type Kysely } from 'kysely';
import type { Tables } from '../db/tables.js';
import { todoEntry } from '../history/field-changes.js';
import { recordChanges } from '../history/history.repository.js';
import { todoColumns, type TodoRow } from '../todos/todos.repository.js';

type Executor = Kysely<Tables>;

/** The subtasks of `parents` that are not among them, locked until the transaction ends, in id order. */
export async function lockSubtasks(db: Executor, parents: readonly number[]): Promise<TodoRow[]> {
  if (parents.length === 0) return [];
  return db
    .selectFrom('todos')
    .select(todoColumns)
    .where('parent_id', 'in', parents)
    .where('id', 'not in', parents)
    .orderBy('id')
    .forUpdate()
    .execute();
}

/** What the parents' write did that their subtasks follow. */
export interface ParentChange {
  /** The list the parents moved to. */
  readonly listId?: number;
  /** The parents were completed. */
  readonly completed?: boolean;
}

/** Whether a subtask changes when its parent does `change`. */
const follows = (subtask: TodoRow, change: ParentChange): boolean =>
  (change.listId !== undefined && subtask.list_id !== change.listId) ||
  (change.completed === true && !subtask.completed);

/**
 * Applies `change` to the subtasks of `parents` and records it as `actor`'s;
 * answers each subtask changed, before and after.
 */
export async function followParents(
  db: Executor,
  actor: number,
  parents: readonly number[],
  change: ParentChange,
): Promise<{ before: TodoRow; after: TodoRow }[]> {
  if (change.listId === undefined && change.completed !== true) return [];
  const subtasks = (await lockSubtasks(db, parents)).filter((subtask) => follows(subtask, change));
  if (subtasks.length === 0) return [];
  const now = new Date().toISOString();
  const rows = await db
    .updateTable('todos')
    .set((eb) => ({
      ...(change.listId === undefined ? {} : { list_id: change.listId }),
      ...(change.completed === true
        ? { completed: sql<boolean>`true`, completed_at: eb.fn.coalesce('completed_at', sql<string>`${now}`) }
        : {}),
      updated_at: now,
      version: eb('version', '+', 1),
    }))
    .where(
      'id',
      'in',
      subtasks.map((subtask) => subtask.id),
    )
    .returning(todoColumns)
    .execute();
  const before = new Map(subtasks.map((subtask) => [subtask.id, subtask]));
  const changed = rows.flatMap((after) => {
    const was = before.get(after.id);
    return was ? [{ before: was, after }] : [];
  });
  await recordChanges(
    db,
    actor,
    changed.map(({ before: was, after }) => todoEntry(was, after)),
  );
  return changed;
}

/** Deletes the subtasks of `parents` (not among them), recorded as `actor`'s; answers each deleted. */
export async function deleteSubtasks(db: Executor, actor: number, parents: readonly number[]): Promise<TodoRow[]> {
  const subtasks = await lockSubtasks(db, parents);
  if (subtasks.length === 0) return [];
  await db
    .deleteFrom('todos')
    .where(
      'id',
      'in',
      subtasks.map((subtask) => subtask.id),
    )
    .execute();
  await recordChanges(
    db,
    actor,
    subtasks.map((subtask) => todoEntry(subtask, undefined)),
  );
  return subtasks;
}
