/**
 * Changes to todos beyond the tutorial's: creating with every field, partial
 * updates, and bulk operations that apply to all the todos named or to none.
 * Access comes from list-access.ts: a todo or list the caller may not change is
 * reported as missing, and nothing is written.
 *
 * Each write holds under concurrency (docs/concurrency.md): the todos it
 * changes and the list it moves them into are locked first, the statement
 * that writes carries the caller's access as its own condition, and a bulk
 * write that changed fewer rows than it was given (another request deleted one,
 * or moved it out of the caller's reach, a moment before) rolls back and says which.
 */
import { sql, type Kysely } from 'kysely';
import type { Tables } from '../db/tables.js';
import { writeTransaction } from '../db/transaction.js';
import { accessibleListIds } from '../lists/list-access.js';
import type { InputError, TodoChanges } from './todo-input.js';
import { lockTodos, todoColumns, toTodoRecord, type TodoRow } from './todos.repository.js';
import { checkParent, placementsFor, positionColumns } from '../subtasks/placement.js';
import { positionsAtEnd } from '../subtasks/positions.js';
import { completionsOf, deleteSubtasks, followParents, lockSubtasks } from '../subtasks/subtask-cascade.js';
import { todoEntry } from '../history/field-changes.js';
import { recordChanges } from '../history/history.repository.js';
import type { TodoRecord } from './todo.js';
import { applyRecurrence, withChanges } from '../recurrence/recurrence.repository.js';

type Executor = Kysely<Tables>;

export type EditResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly missing: 'list' | readonly number[] }
  /** The todo was written by someone else since the version the caller gave: `version` is where it is now. */
  | { readonly ok: false; readonly conflict: { readonly id: number; readonly version: number } }
  /** The change breaks a rule about where a todo may be (a parent in another list, subtasks too deep). */
  | { readonly ok: false; readonly invalid: InputError };

const missingList = { ok: false, missing: 'list' } as const;

/**
 * The list a todo goes into, if the caller may change it: `listId`, or else the
 * caller's Inbox. The row is locked until the transaction ends, so the todo
 * never lands in a list deleted meanwhile, and FOR NO KEY UPDATE: the todo gets
 * a position there, made one writer at a time per list (src/subtasks/positions.ts).
 * Edits that move no todo into a list do not take it.
 */
async function lockWritableList(db: Executor, owner: number, listId: number | undefined): Promise<number | undefined> {
  const lists = db.selectFrom('lists').select('lists.id');
  const row = await (
    listId === undefined
      ? lists.where('lists.owner_id', '=', owner).where('lists.is_inbox', '=', sql<boolean>`true`)
      : lists.where('lists.id', '=', listId).where('lists.id', 'in', accessibleListIds(db, owner, 'write'))
  )
    .forNoKeyUpdate()
    .executeTakeFirst();
  return row?.id;
}

function columnsFor(changes: TodoChanges, now: string) {
  // `recurrence` is no column of todos: recurrence.repository.ts writes it.
  const { description, notes, due_date, priority, listId, completed, parentId } = changes;
  return {
    ...(description === undefined ? {} : { description }),
    ...(notes === undefined ? {} : { notes }),
    ...(due_date === undefined ? {} : { due_date }),
    ...(priority === undefined ? {} : { priority }),
    ...(parentId === undefined ? {} : { parent_id: parentId }),
    ...(listId === undefined ? {} : { list_id: listId }),
    ...(completed === undefined
      ? {}
      : { completed: completed ? sql<boolean>`true` : sql<boolean>`false`, completed_at: completed ? now : null }),
    updated_at: now,
  };
}

export async function createTodoItem(
  db: Executor,
  owner: number,
  changes: TodoChanges & { description: string; due_date: string },
): Promise<EditResult<TodoRecord>> {
  return writeTransaction(db, async (trx) => {
    const parentId = changes.parentId ?? null;
    let wanted = changes.listId;
    if (parentId !== null) {
      const parent = await checkParent(trx, owner, undefined, parentId, wanted);
      if (!parent.ok) return parent;
      wanted = parent.listId;
    }
    const listId = await lockWritableList(trx, owner, wanted);
    if (listId === undefined) return missingList;
    const [position = ''] = await positionsAtEnd(trx, { listId, parentId }, 1);
    const now = new Date().toISOString();
    const row = await trx
      .insertInto('todos')
      .values({
        ...columnsFor(changes, now),
        parent_id: parentId,
        position,
        list_id: listId,
        owner_id: owner,
        created_at: now,
        description: changes.description,
        due_date: changes.due_date,
      })
      .returning(todoColumns)
      .executeTakeFirstOrThrow();
    const recurring = await applyRecurrence(trx, owner, {
      before: new Map(),
      rows: [row],
      recurrence: changes.recurrence,
      now,
    });
    const [made = row] = recurring.rows;
    await recordChanges(trx, owner, [withChanges(todoEntry(undefined, made), recurring.changes.get(made.id))]);
    return { ok: true, value: toTodoRecord(made) } as const;
  });
}

/**
 * Applies `changes` to every todo named, or to none when any of them (or the
 * target list) is out of reach, or when `ifVersion` is given and a todo is at
 * another version. `previousLists` says where each todo was before a move.
 */
export async function updateTodos(
  db: Executor,
  owner: number,
  ids: readonly number[],
  changes: TodoChanges,
  ifVersion?: number,
): Promise<EditResult<UpdatedTodos>> {
  return writeTransaction(db, async (trx, rollback) => {
    // Each todo as it is now, held so until this commits.
    const locked = await lockTodos(trx, ids);
    const previousLists = new Map([...locked].map(([id, row]) => [id, row.list_id]));
    let target = changes.listId;
    if (changes.parentId !== undefined) {
      // Before any rule about parents answers anything about these todos, or locks their lists.
      const unwritable = await outOfReach(trx, owner, ids);
      if (unwritable.length > 0) return { ok: false, missing: unwritable } as const;
    }
    if (typeof changes.parentId === 'number') {
      const parent = await checkParent(trx, owner, ids, changes.parentId, target);
      if (!parent.ok) return parent;
      target = parent.listId;
    }
    if (target !== undefined && (await lockWritableList(trx, owner, target)) === undefined) return missingList;
    const placements = await placementsFor(trx, ids, locked, target, changes.parentId);
    // Locked now, before recordChanges takes the sync log's lock: no row lock may come after it.
    const subtasks = target !== undefined || changes.completed === true ? await lockSubtasks(trx, ids) : [];
    const now = new Date().toISOString();
    // Completing an already completed todo keeps its completion time.
    const { completed_at: completedAt, ...set } = columnsFor(changes, now);
    const rows = await trx
      .updateTable('todos')
      .set((eb) => ({
        ...set,
        ...(completedAt === undefined
          ? {}
          : {
              completed_at: completedAt === null ? null : eb.fn.coalesce('completed_at', sql<string>`${completedAt}`),
            }),
        ...(target === undefined ? {} : { list_id: target }),
        ...positionColumns(placements),
        version: eb('version', '+', 1),
      }))
      .where('id', 'in', ids)
      .$if(ifVersion !== undefined, (update) => update.where('version', '=', ifVersion ?? 0))
      // The caller's access, as it is when the row is written: a todo moved out
      // of the caller's reach a moment ago is not written, whatever was read before.
      .where('list_id', 'in', accessibleListIds(trx, owner, 'write'))
      .$if(target !== undefined, (update) =>
        update.where((eb) => eb(sql.val(target), 'in', accessibleListIds(trx, owner, 'write'))),
      )
      .returning(todoColumns)
      .execute();
    if (rows.length < ids.length) {
      const written = new Set(rows.map((row) => row.id));
      if (target !== undefined && (await lockWritableList(trx, owner, target)) === undefined) rollback(missingList);
      const unwritten = ids.filter((id) => !written.has(id));
      const moved = await movedOn(trx, owner, unwritten, locked, ifVersion);
      rollback(moved ? { ok: false, conflict: moved } : { ok: false, missing: unwritten });
    }
    const recurring = await applyRecurrence(trx, owner, { before: locked, rows, recurrence: changes.recurrence, now });
    await recordChanges(
      trx,
      owner,
      recurring.rows.map((row) => withChanges(todoEntry(locked.get(row.id), row), recurring.changes.get(row.id))),
    );
    const followed = await followParents(trx, owner, subtasks, {
      listId: target,
      ...(changes.completed === true ? completionsOf(recurring.rows) : {}),
    });
    for (const { before } of followed) previousLists.set(before.id, before.list_id);
    const byId = new Map(recurring.rows.map((row) => [row.id, toTodoRecord(row)]));
    const todos = ids.flatMap((id) => byId.get(id) ?? []);
    return {
      ok: true,
      value: { todos, subtasks: followed.map(({ after }) => toTodoRecord(after)), previousLists },
    } as const;
  });
}

/** What updateTodos changed. */
export interface UpdatedTodos {
  /** The todos named, as they are now, in the order named. */
  readonly todos: TodoRecord[];
  /** Subtasks that followed their parent: moved or completed with it. */
  readonly subtasks: TodoRecord[];
  /** The list each changed todo was in before. */
  readonly previousLists: ReadonlyMap<number, number>;
}

/** The todos of `ids` that `owner` may not change (or that do not exist). Call with them locked. */
async function outOfReach(db: Executor, owner: number, ids: readonly number[]): Promise<number[]> {
  const rows = await db
    .selectFrom('todos')
    .select('id')
    .where('id', 'in', ids)
    .where('list_id', 'in', accessibleListIds(db, owner, 'write'))
    .execute();
  const reachable = new Set(rows.map((row) => row.id));
  return ids.filter((id) => !reachable.has(id));
}

/**
 * Which of the todos not written was only refused for its version: one the
 * caller may change, at another version than `ifVersion`. A todo out of the
 * caller's reach is missing, whatever its version: its version is not theirs to know.
 */
async function movedOn(
  db: Executor,
  owner: number,
  unwritten: readonly number[],
  locked: ReadonlyMap<number, { readonly version: number; readonly list_id: number }>,
  ifVersion: number | undefined,
): Promise<{ id: number; version: number } | undefined> {
  if (ifVersion === undefined) return undefined;
  const candidates = unwritten.flatMap((id) => {
    const row = locked.get(id);
    return row && row.version !== ifVersion ? [{ id, ...row }] : [];
  });
  if (candidates.length === 0) return undefined;
  const writable = await db
    .selectFrom('lists')
    .select('lists.id')
    .where(
      'lists.id',
      'in',
      candidates.map((row) => row.list_id),
    )
    .where('lists.id', 'in', accessibleListIds(db, owner, 'write'))
    .execute();
  const reachable = new Set(writable.map((row) => row.id));
  const moved = candidates.find((row) => reachable.has(row.list_id));
  return moved && { id: moved.id, version: moved.version };
}

/** A deleted todo and the list it was in. */
export interface Gone {
  readonly id: number;
  readonly listId: number;
}

const gone = (row: TodoRow): Gone => ({ id: row.id, listId: row.list_id });

/**
 * Deletes every todo named and their subtasks, or none; answers each deleted
 * id with the list it was in, the named todos apart from their subtasks.
 */
export async function deleteTodos(
  db: Executor,
  owner: number,
  ids: readonly number[],
): Promise<EditResult<{ todos: Gone[]; subtasks: Gone[] }>> {
  return writeTransaction(db, async (trx, rollback) => {
    const locked = await lockTodos(trx, ids);
    // Deleted by someone else a moment ago (or never within reach): all or none, decided before anything is written.
    const unwritable = await outOfReach(trx, owner, ids);
    if (unwritable.length > 0) return { ok: false, missing: unwritable } as const;
    // First, so each is recorded: the parents' deletion would take them along unrecorded.
    const subtasks = await deleteSubtasks(trx, owner, ids);
    const rows = await trx
      .deleteFrom('todos')
      .where('id', 'in', ids)
      .where('list_id', 'in', accessibleListIds(trx, owner, 'write'))
      .returning(['id', 'list_id'])
      .execute();
    const lists = new Map(rows.map((row) => [row.id, row.list_id]));
    // Deleted by someone else a moment ago (or never within reach): all or none.
    if (rows.length < ids.length) rollback({ ok: false, missing: ids.filter((id) => !lists.has(id)) });
    await recordChanges(
      trx,
      owner,
      ids.map((id) => todoEntry(locked.get(id), undefined)),
    );
    const todos = ids.map((id) => ({ id, listId: lists.get(id) ?? 0 }));
    return { ok: true, value: { todos, subtasks: subtasks.map(gone) } } as const;
  });
}
