/**
 * What a parent's change does to its subtasks, in the parent's transaction:
 * - moved to another list, its subtasks go with it (a subtask is always in its
 *   parent's list);
 * - completed, its open subtasks are completed too (reopening it reopens none);
 * - completed while recurring, and so open again at its next occurrence, its
 *   completed subtasks reopen: each occurrence starts a fresh checklist;
 * - deleted, its subtasks are deleted.
 * Each subtask changed is a write of its own: version, history entry, sync rows.
 */
import { sql, type Kysely } from 'kysely';
import type { Tables } from '../db/tables.js';
import { todoEntry } from '../history/field-changes.js';
import type { ChangedField } from '../history/field-changes.js';
import { recordChanges } from '../history/history.repository.js';
import { applyRecurrence, withChanges } from '../recurrence/recurrence.repository.js';
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
  readonly listId?: number | undefined;
  /** Parents completed: their open subtasks complete. */
  readonly completed?: ReadonlySet<number>;
  /** Recurring parents completed and moved on to their next occurrence: their completed subtasks reopen. */
  readonly restarted?: ReadonlySet<number>;
}

/** How the parents completed by a write ended: done, or (recurring) open again at their next occurrence. */
export function completionsOf(parents: readonly TodoRow[]): Pick<ParentChange, 'completed' | 'restarted'> {
  const done = (parent: TodoRow) => Boolean(parent.completed);
  return {
    completed: new Set(parents.filter(done).map((parent) => parent.id)),
    restarted: new Set(parents.filter((parent) => !done(parent)).map((parent) => parent.id)),
  };
}

/** The columns a subtask's parent's change changes, or undefined when none would. */
function followingColumns(
  subtask: TodoRow,
  change: ParentChange,
): { list_id?: number; completed?: boolean } | undefined {
  const parent = subtask.parent_id ?? 0;
  const moved = change.listId !== undefined && subtask.list_id !== change.listId;
  const completes = (change.completed?.has(parent) ?? false) && !subtask.completed;
  const reopens = (change.restarted?.has(parent) ?? false) && Boolean(subtask.completed);
  if (!moved && !completes && !reopens) return undefined;
  return {
    ...(moved ? { list_id: change.listId } : {}),
    ...(completes ? { completed: true } : reopens ? { completed: false } : {}),
  };
}

/**
 * Applies `change` to `subtasks` (as lockSubtasks answered them, locked before
 * anything was recorded) and records it as `actor`'s; answers each subtask
 * changed, before and after. A recurring subtask completed moves on to its
 * next occurrence, as it would completed on its own.
 */
export async function followParents(
  db: Executor,
  actor: number,
  subtasks: readonly TodoRow[],
  change: ParentChange,
): Promise<{ before: TodoRow; after: TodoRow }[]> {
  if (change.listId === undefined && !change.completed?.size && !change.restarted?.size) return [];
  // One statement per kind of change: subtasks changed alike are written together.
  const groups = new Map<string, { columns: { list_id?: number; completed?: boolean }; subtasks: TodoRow[] }>();
  for (const subtask of subtasks) {
    const columns = followingColumns(subtask, change);
    if (!columns) continue;
    const key = JSON.stringify(columns);
    const group = groups.get(key) ?? { columns, subtasks: [] };
    group.subtasks.push(subtask);
    groups.set(key, group);
  }
  const now = new Date().toISOString();
  const changed: { before: TodoRow; after: TodoRow }[] = [];
  const recurrences = new Map<number, ChangedField[]>();
  for (const { columns, subtasks: group } of groups.values()) {
    const written = await db
      .updateTable('todos')
      .set((eb) => ({
        ...(columns.list_id === undefined ? {} : { list_id: columns.list_id }),
        ...(columns.completed === undefined
          ? {}
          : columns.completed
            ? { completed: sql<boolean>`true`, completed_at: eb.fn.coalesce('completed_at', sql<string>`${now}`) }
            : { completed: sql<boolean>`false`, completed_at: null }),
        updated_at: now,
        version: eb('version', '+', 1),
      }))
      .where(
        'id',
        'in',
        group.map((subtask) => subtask.id),
      )
      .returning(todoColumns)
      .execute();
    const before = new Map(group.map((subtask) => [subtask.id, subtask]));
    const recurring = await applyRecurrence(db, actor, { before, rows: written, now });
    for (const [id, fields] of recurring.changes) recurrences.set(id, fields);
    for (const after of recurring.rows) {
      const was = before.get(after.id);
      if (was) changed.push({ before: was, after });
    }
  }
  await recordChanges(
    db,
    actor,
    changed.map(({ before: was, after }) => withChanges(todoEntry(was, after), recurrences.get(after.id))),
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
