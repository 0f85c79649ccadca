/**
 * Where a todo may be: the rules for parents, and placing a todo before or
 * after another (moveTodo). Subtasks are one level deep, like Google Tasks' and
 * Microsoft To Do's: a subtask has no subtasks, so no chain of parents can
 * loop and a list reads as a simple outline.
 */
import { sql, type Kysely } from 'kysely';
import type { Tables } from '../db/tables.js';
import { writeTransaction } from '../db/transaction.js';
import { todoEntry } from '../history/field-changes.js';
import { recordChanges } from '../history/history.repository.js';
import { accessibleListIds } from '../lists/list-access.js';
import type { EditResult } from '../todos/todo-edits.repository.js';
import { notFound, type InputError } from '../todos/todo-input.js';
import type { TodoRecord } from '../todos/todo.js';
import { lockTodos, todoColumns, toTodoRecord, type TodoRow } from '../todos/todos.repository.js';
import { lockListForPlacing, positionBeside, positionsAtEnd, type Siblings } from './positions.js';

type Executor = Kysely<Tables>;

const invalid = (field: string, message: string) =>
  ({
    ok: false,
    invalid: { code: field === 'parent' ? 'INVALID_PARENT' : 'INVALID_POSITION', field, message },
  }) as const;

const hasSubtasks = async (db: Executor, ids: readonly number[]): Promise<number | undefined> =>
  (await db.selectFrom('todos').select('parent_id').where('parent_id', 'in', ids).limit(1).executeTakeFirst())
    ?.parent_id ?? undefined;

/**
 * Whether `parentId` may be the parent of the todos `ids` (undefined for a todo
 * about to be made) going into `listId` (when the caller named one): answers
 * the parent's list, where they go. The parent is locked FOR KEY SHARE, so a
 * concurrent write making it a subtask waits for this one and then sees its
 * new subtask, and the reverse.
 */
export async function checkParent(
  db: Executor,
  owner: number,
  ids: readonly number[] | undefined,
  parentId: number,
  listId: number | undefined,
): Promise<{ ok: true; listId: number } | { ok: false; invalid: InputError }> {
  if (ids?.includes(parentId)) return invalid('parent', 'A todo cannot be its own parent.');
  const parent = await db
    .selectFrom('todos')
    .select(['id', 'list_id', 'parent_id'])
    .where('id', '=', parentId)
    .where('list_id', 'in', accessibleListIds(db, owner, 'write'))
    .forKeyShare()
    .executeTakeFirst();
  if (!parent) return { ok: false, invalid: notFound('parent', String(parentId)) };
  if (parent.parent_id !== null) {
    return invalid('parent', `Subtasks are one level deep: todo ${parentId} is a subtask itself.`);
  }
  if (listId !== undefined && listId !== parent.list_id) {
    return invalid('parent', `A subtask is in its parent's list: todo ${parentId} is in another list than "list".`);
  }
  const withSubtasks = ids && (await hasSubtasks(db, ids));
  if (withSubtasks !== undefined) {
    return invalid('parent', `Subtasks are one level deep: todo ${withSubtasks} has subtasks, so it cannot be one.`);
  }
  return { ok: true, listId: parent.list_id };
}

/** A todo's new parent and position, when a write moves it to other siblings. */
export type Placements = ReadonlyMap<number, { readonly parentId: number | null; readonly position: string }>;

/**
 * Where each todo of `ids` goes when they move into `listId` or under
 * `parentId` (null: to the top level): last among its new siblings, in id
 * order. A subtask moved to another list without its parent leaves it (it is
 * top-level there); one moved with its parent keeps its place under it.
 * Locks each list placed into for placing (again, for the one the caller locked).
 */
export async function placementsFor(
  db: Executor,
  ids: readonly number[],
  locked: ReadonlyMap<number, TodoRow>,
  listId: number | undefined,
  parentId: number | null | undefined,
): Promise<Placements> {
  const moving = new Set(ids);
  const groups = new Map<string, { siblings: Siblings; ids: number[] }>();
  for (const row of [...locked.values()].sort((a, b) => a.id - b.id)) {
    const siblings = {
      listId: listId ?? row.list_id,
      parentId:
        parentId !== undefined
          ? parentId
          : listId !== undefined && listId !== row.list_id && !moving.has(row.parent_id ?? 0)
            ? null
            : row.parent_id,
    };
    if (siblings.listId === row.list_id && siblings.parentId === row.parent_id) continue;
    // Moving along with its parent: its siblings move too, and it keeps its key among them.
    if (parentId === undefined && row.parent_id !== null && moving.has(row.parent_id)) continue;
    const key = `${siblings.listId}:${siblings.parentId}`;
    const group = groups.get(key) ?? { siblings, ids: [] };
    group.ids.push(row.id);
    groups.set(key, group);
  }
  const placements = new Map<number, { parentId: number | null; position: string }>();
  for (const { siblings, ids: placed } of groups.values()) {
    // A subtask made top-level stays in its list, which nothing else locked.
    await lockListForPlacing(db, siblings.listId);
    const keys = await positionsAtEnd(db, siblings, placed.length);
    placed.forEach((id, i) => placements.set(id, { parentId: siblings.parentId, position: keys[i] ?? '' }));
  }
  return placements;
}

/** The SET clause giving each placed todo its parent and position (nothing when none is placed). */
export function positionColumns(placements: Placements) {
  if (placements.size === 0) return {};
  const cases = <T>(value: (placement: { parentId: number | null; position: string }) => T, column: string) =>
    sql<T>`case ${sql.ref('id')} ${sql.join(
      [...placements].map(([id, placement]) => sql`when ${id} then ${value(placement)}`),
      sql` `,
    )} else ${sql.ref(column)} end`;
  return {
    position: cases((placement) => placement.position, 'position'),
    parent_id: cases((placement) => placement.parentId, 'parent_id'),
  };
}

/** Right before or right after a todo. */
export type Anchor = { readonly side: 'before' | 'after'; readonly id: number };

/**
 * Places the todo `id` right before or after `anchor` among the anchor's
 * siblings (taking the anchor's parent), if the caller may change both and,
 * with `ifVersion`, the todo is still at that version. Answers the todo, and
 * any sibling whose key was rewritten on the way (see respace).
 */
export async function placeTodo(
  db: Executor,
  owner: number,
  id: number,
  anchor: Anchor,
  ifVersion?: number,
): Promise<EditResult<{ todo: TodoRecord; respaced: TodoRecord[] }>> {
  return writeTransaction(db, async (trx) => {
    const field = anchor.side;
    if (anchor.id === id) return invalid(field, 'A todo cannot be placed before or after itself.');
    const locked = await lockTodos(trx, [id, anchor.id]);
    const writable = new Set(
      (
        await trx
          .selectFrom('lists')
          .select('lists.id')
          .where(
            'lists.id',
            'in',
            [...locked.values()].map((row) => row.list_id),
          )
          .where('lists.id', 'in', accessibleListIds(trx, owner, 'write'))
          .execute()
      ).map((row) => row.id),
    );
    const todo = locked.get(id);
    const target = locked.get(anchor.id);
    if (!todo || !writable.has(todo.list_id)) return { ok: false, missing: [id] } as const;
    if (!target || !writable.has(target.list_id)) return { ok: false, invalid: notFound(field, String(anchor.id)) };
    if (ifVersion !== undefined && todo.version !== ifVersion) {
      return { ok: false, conflict: { id, version: todo.version } } as const;
    }
    if (target.list_id !== todo.list_id) {
      return invalid(field, `Todo ${anchor.id} is in another list: move the todo there first (moveTodos).`);
    }
    if (target.parent_id === id) return invalid(field, `Todo ${anchor.id} is a subtask of the todo being placed.`);
    if (target.parent_id !== null && todo.parent_id === null && (await hasSubtasks(trx, [id])) !== undefined) {
      return invalid(field, `Subtasks are one level deep: todo ${id} has subtasks, so it cannot be one.`);
    }
    await lockListForPlacing(trx, todo.list_id);
    const { position, respaced } = await positionBeside(trx, owner, target, anchor.side, id);
    const row = await trx
      .updateTable('todos')
      .set((eb) => ({
        position,
        parent_id: target.parent_id,
        updated_at: new Date().toISOString(),
        version: eb('version', '+', 1),
      }))
      .where('id', '=', id)
      .returning(todoColumns)
      .executeTakeFirstOrThrow();
    await recordChanges(trx, owner, [todoEntry(todo, row)]);
    return {
      ok: true,
      value: { todo: toTodoRecord(row), respaced: respaced.map(toTodoRecord) },
    } as const;
  });
}
