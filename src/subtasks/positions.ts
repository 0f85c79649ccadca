/**
 * Manual order: each todo has a `position` among its siblings (the top-level
 * todos of its list, or the subtasks of its parent), a fractional index from
 * rocicorp's fractional-indexing. A key can always be made between two others,
 * so placing a todo rewrites that todo alone: its neighbours keep their keys,
 * versions and sync rows.
 *
 * Keys must be made one writer at a time per list, or two writers placing at
 * the same spot make the same key: every write that places a todo first locks
 * its list row for that (lockListForPlacing). Renames of the list wait for it,
 * todo edits that place nothing do not.
 */
import { generateKeyBetween, generateNKeysBetween } from 'fractional-indexing';
import { sql, type Kysely, type SqlBool } from 'kysely';
import { preparedQuery } from '../db/prepared-query.js';
import type { Tables } from '../db/tables.js';
import { todoEntry } from '../history/field-changes.js';
import { recordChanges } from '../history/history.repository.js';
import { todoColumns, type TodoRow } from '../todos/todos.repository.js';

type Executor = Kysely<Tables>;

/** Where a todo sits: its list, and its parent (null at the top level). */
export interface Siblings {
  readonly listId: number;
  readonly parentId: number | null;
}

/**
 * Longest key kept. Each placement between the same two neighbours makes the
 * key about a sixth of a character longer; past this, the siblings get short,
 * evenly spaced keys again (respace) before the next key is made.
 */
export const MAX_POSITION_LENGTH = 100;

const PLACEHOLDER = 0;

const lastTopLevel = preparedQuery((db: Executor) =>
  db
    .selectFrom('todos')
    .select('position')
    .where('list_id', '=', PLACEHOLDER)
    .where('parent_id', 'is', null)
    .orderBy('position', 'desc')
    .orderBy('id', 'desc')
    .limit(sql.lit(1)),
);

const lastSubtask = preparedQuery((db: Executor) =>
  db
    .selectFrom('todos')
    .select('position')
    .where('parent_id', '=', PLACEHOLDER)
    .orderBy('position', 'desc')
    .orderBy('id', 'desc')
    .limit(sql.lit(1)),
);

/** Locks `listId` for making keys in it until the transaction ends (a no-op on SQLite, whose writers queue anyway). */
export async function lockListForPlacing(db: Executor, listId: number): Promise<void> {
  await db.selectFrom('lists').select('id').where('id', '=', listId).forNoKeyUpdate().execute();
}

/** The last key among `siblings`, or null when there are none. Call with the list locked for placing. */
export async function lastPosition(db: Executor, siblings: Siblings): Promise<string | null> {
  const { rows } =
    siblings.parentId === null ? await lastTopLevel(db, [siblings.listId]) : await lastSubtask(db, [siblings.parentId]);
  return rows[0]?.position ?? null;
}

/** `count` keys after every sibling's, in order. Call with the list locked for placing. */
export async function positionsAtEnd(db: Executor, siblings: Siblings, count: number): Promise<string[]> {
  if (count === 0) return [];
  return generateNKeysBetween(await lastPosition(db, siblings), null, count);
}

/** The key after `last`, for a todo appended after it. */
export const positionAfter = (last: string | null): string => generateKeyBetween(last, null);

const inScope = (db: Executor, siblings: Siblings) =>
  db
    .selectFrom('todos')
    .where('list_id', '=', siblings.listId)
    .where('parent_id', siblings.parentId === null ? 'is' : '=', siblings.parentId);

/**
 * A key right before or right after `anchor` among its siblings, leaving out
 * `moving` (the todo being placed, which may sit there already). Respaces the
 * siblings first when the key would be too long or the neighbours share a key.
 * Answers the key and the siblings respaced on the way (already recorded).
 */
export async function positionBeside(
  db: Executor,
  actor: number,
  anchor: TodoRow,
  side: 'before' | 'after',
  moving: number,
): Promise<{ position: string; respaced: TodoRow[] }> {
  const siblings = { listId: anchor.list_id, parentId: anchor.parent_id };
  const neighbour = async (at: { position: string; id: number }) =>
    (
      await inScope(db, siblings)
        .select('position')
        .where('id', '!=', moving)
        .where(sql<SqlBool>`(position, id) ${sql.raw(side === 'after' ? '>' : '<')} (${at.position}, ${at.id})`)
        .orderBy('position', side === 'after' ? 'asc' : 'desc')
        .orderBy('id', side === 'after' ? 'asc' : 'desc')
        .limit(1)
        .executeTakeFirst()
    )?.position ?? null;
  const between = (at: string, next: string | null): string | null => {
    if (next === at) return null;
    const key = side === 'after' ? generateKeyBetween(at, next) : generateKeyBetween(next, at);
    return key.length > MAX_POSITION_LENGTH ? null : key;
  };

  const key = between(anchor.position, await neighbour(anchor));
  if (key !== null) return { position: key, respaced: [] };
  const respaced = await respace(db, actor, siblings, moving);
  const fresh = respaced.find((row) => row.id === anchor.id)?.position ?? anchor.position;
  const next = await neighbour({ position: fresh, id: anchor.id });
  return { position: side === 'after' ? generateKeyBetween(fresh, next) : generateKeyBetween(next, fresh), respaced };
}

/**
 * Gives `siblings` (but `moving`) short, evenly spaced keys in their current order. Each one
 * rewritten is a write to it like any other (version, history, sync).
 */
export async function respace(db: Executor, actor: number, siblings: Siblings, moving: number): Promise<TodoRow[]> {
  // Not the todo being placed: it gets its one new key from the caller, a write of its own.
  const before = await inScope(db, siblings)
    .select(todoColumns)
    .where('id', '!=', moving)
    .orderBy('position')
    .orderBy('id')
    .forUpdate()
    .execute();
  const keys = generateNKeysBetween(null, null, before.length);
  const now = new Date().toISOString();
  const after: TodoRow[] = [];
  for (const [i, row] of before.entries()) {
    const position = keys[i] ?? row.position;
    const updated = await db
      .updateTable('todos')
      .set((eb) => ({ position, updated_at: now, version: eb('version', '+', 1) }))
      .where('id', '=', row.id)
      .returning(todoColumns)
      .executeTakeFirstOrThrow();
    after.push(updated);
  }
  await recordChanges(
    db,
    actor,
    before.map((row, i) => todoEntry(row, after[i])),
  );
  return after;
}
