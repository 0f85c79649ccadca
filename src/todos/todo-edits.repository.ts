/**
 * Changes to todos beyond the tutorial's: creating with every field, partial
 * updates, and bulk operations that apply to all the todos named or to none.
 * Access comes from list-access.ts: a todo or list the caller may not change is
 * reported as missing, and nothing is written.
 */
import { sql, type Kysely } from 'kysely';
import type { Tables } from '../db/tables.js';
import { accessibleListIds } from '../lists/list-access.js';
import type { TodoChanges } from './todo-input.js';
import { todoColumns, toTodoRecord } from './todos.repository.js';
import type { TodoRecord } from './todo.js';

type Executor = Kysely<Tables>;

export type EditResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly missing: 'list' | readonly number[] };

/** The list a todo goes into, if the caller may change it: `listId`, or else the caller's Inbox. */
async function writableList(db: Executor, owner: number, listId: number | undefined): Promise<number | undefined> {
  const lists = db.selectFrom('lists').select('lists.id');
  const row = await (
    listId === undefined
      ? lists.where('lists.owner_id', '=', owner).where('lists.is_inbox', '=', sql<boolean>`true`)
      : lists.where('lists.id', '=', listId).where('lists.id', 'in', accessibleListIds(db, owner, 'write'))
  ).executeTakeFirst();
  return row?.id;
}

function columnsFor(changes: TodoChanges, now: string) {
  const { listId, completed, ...rest } = changes;
  return {
    ...rest,
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
  return db.transaction().execute(async (trx) => {
    const listId = await writableList(trx, owner, changes.listId);
    if (listId === undefined) return { ok: false, missing: 'list' } as const;
    const now = new Date().toISOString();
    const row = await trx
      .insertInto('todos')
      .values({
        ...columnsFor(changes, now),
        list_id: listId,
        owner_id: owner,
        created_at: now,
        description: changes.description,
        due_date: changes.due_date,
      })
      .returning(todoColumns)
      .executeTakeFirstOrThrow();
    return { ok: true, value: toTodoRecord(row) } as const;
  });
}

/** The ids among `ids` the caller may not change (or that do not exist), and the list of each other one. */
async function reachable(
  trx: Executor,
  owner: number,
  ids: readonly number[],
): Promise<{ missing: number[]; lists: Map<number, number> }> {
  const found = await trx
    .selectFrom('todos')
    .select(['id', 'list_id'])
    .where('id', 'in', ids)
    .where('list_id', 'in', accessibleListIds(trx, owner, 'write'))
    .execute();
  const lists = new Map(found.map((row) => [row.id, row.list_id ?? 0]));
  return { missing: ids.filter((id) => !lists.has(id)), lists };
}

/** Applies `changes` to every todo named, or to none when any of them (or the target list) is out of reach. */
export async function updateTodos(
  db: Executor,
  owner: number,
  ids: readonly number[],
  changes: TodoChanges,
): Promise<EditResult<{ todos: TodoRecord[]; previousLists: ReadonlyMap<number, number> }>> {
  return db.transaction().execute(async (trx) => {
    const { missing, lists } = await reachable(trx, owner, ids);
    if (missing.length > 0) return { ok: false, missing } as const;
    if (changes.listId !== undefined && (await writableList(trx, owner, changes.listId)) === undefined) {
      return { ok: false, missing: 'list' } as const;
    }
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
      }))
      .where('id', 'in', ids)
      .returning(todoColumns)
      .execute();
    const byId = new Map(rows.map((row) => [row.id, toTodoRecord(row)]));
    const todos = ids.flatMap((id) => byId.get(id) ?? []);
    return { ok: true, value: { todos, previousLists: lists } } as const;
  });
}

/** Deletes every todo named, or none; returns each deleted id with the list it was in. */
export async function deleteTodos(
  db: Executor,
  owner: number,
  ids: readonly number[],
): Promise<EditResult<{ id: number; listId: number }[]>> {
  return db.transaction().execute(async (trx) => {
    const { missing, lists } = await reachable(trx, owner, ids);
    if (missing.length > 0) return { ok: false, missing } as const;
    await trx.deleteFrom('todos').where('id', 'in', ids).execute();
    return { ok: true, value: ids.map((id) => ({ id, listId: lists.get(id) ?? 0 })) } as const;
  });
}
