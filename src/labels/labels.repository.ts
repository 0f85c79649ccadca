/**
 * Labels themselves: making, renaming, recolouring, and reading them. Which
 * todos carry which label, and every write that changes that, are in
 * label-edits.repository.ts.
 *
 * Who sees a label: its owner, and anyone who can read a todo carrying it
 * (a shared list shows its todos whole). Only the owner changes it.
 */
import type { Kysely, Selectable } from 'kysely';
import type { LabelsTable, Tables } from '../db/tables.js';
import { writeTransaction } from '../db/transaction.js';
import { recordChanges } from '../history/history.repository.js';
import { accessibleListIds } from '../lists/list-access.js';
import { todoColumns, toTodoRecord } from '../todos/todos.repository.js';
import type { TodoRecord } from '../todos/todo.js';
import { MAX_LABELS_PER_USER, type LabelFields } from './label-input.js';

export type Executor = Kysely<Tables>;

export interface LabelRecord {
  readonly id: number;
  readonly name: string;
  readonly color: string;
  readonly ownerId: number;
  readonly createdAt: string;
}

export const labelColumns = [
  'labels.id',
  'labels.name',
  'labels.color',
  'labels.owner_id',
  'labels.created_at',
] as const;

export const toLabelRecord = (
  row: Pick<Selectable<LabelsTable>, 'id' | 'name' | 'color' | 'owner_id' | 'created_at'>,
): LabelRecord => ({ id: row.id, name: row.name, color: row.color, ownerId: row.owner_id, createdAt: row.created_at });

/** How a label's name is compared: letter case ignored, the same on both databases. */
export const nameKey = (name: string): string => name.toLowerCase();

/** The order labels are shown in: by name ignoring case, then by id (two owners' labels may share a name). */
export const byName = (a: LabelRecord, b: LabelRecord): number => {
  const [x, y] = [nameKey(a.name), nameKey(b.name)];
  return x < y ? -1 : x > y ? 1 : a.id - b.id;
};

/** `owner`'s own labels, by name. */
export async function ownLabels(db: Executor, owner: number): Promise<LabelRecord[]> {
  const rows = await db
    .selectFrom('labels')
    .select(labelColumns)
    .where('labels.owner_id', '=', owner)
    .orderBy('labels.name_key')
    .orderBy('labels.id')
    .limit(MAX_LABELS_PER_USER)
    .execute();
  return rows.map(toLabelRecord);
}

/** The labels on each of `todoIds`, by name: one statement however many todos. */
export async function labelsOn(db: Executor, todoIds: readonly number[]): Promise<Map<number, LabelRecord[]>> {
  const byTodo = new Map<number, LabelRecord[]>(todoIds.map((id) => [id, []]));
  if (todoIds.length === 0) return byTodo;
  const rows = await db
    .selectFrom('todo_labels')
    .innerJoin('labels', 'labels.id', 'todo_labels.label_id')
    .select([...labelColumns, 'todo_labels.todo_id'])
    .where('todo_labels.todo_id', 'in', todoIds)
    .orderBy('labels.name_key')
    .orderBy('labels.id')
    .execute();
  for (const row of rows) byTodo.get(row.todo_id)?.push(toLabelRecord(row));
  return byTodo;
}

/** The labels among `ids` that `reader` may see: their own, and those on a todo they can read. */
export async function visibleLabels(db: Executor, reader: number, ids: readonly number[]): Promise<LabelRecord[]> {
  if (ids.length === 0) return [];
  const onReadableTodos = db
    .selectFrom('todo_labels')
    .innerJoin('todos', 'todos.id', 'todo_labels.todo_id')
    .select('todo_labels.label_id')
    .where('todo_labels.label_id', 'in', ids)
    .where('todos.list_id', 'in', accessibleListIds(db, reader, 'read'));
  const rows = await db
    .selectFrom('labels')
    .select(labelColumns)
    .where('labels.id', 'in', ids)
    .where((eb) => eb.or([eb('labels.owner_id', '=', reader), eb('labels.id', 'in', onReadableTodos)]))
    .execute();
  return rows.map(toLabelRecord);
}

export type LabelRefusal = 'NOT_FOUND' | 'NAME_TAKEN' | 'TOO_MANY';

/**
 * Holds `owner`'s row until the transaction ends, so two labels made at once
 * are counted in turn against the cap. FOR NO KEY UPDATE, as lists do: rows
 * that merely reference the user do not wait.
 */
async function lockOwner(db: Executor, owner: number): Promise<void> {
  await db.selectFrom('users').select('id').where('id', '=', owner).forNoKeyUpdate().execute();
}

export async function createLabel(
  db: Executor,
  owner: number,
  fields: Required<LabelFields>,
): Promise<LabelRecord | LabelRefusal> {
  return writeTransaction(db, async (trx) => {
    await lockOwner(trx, owner);
    const count = await trx
      .selectFrom('labels')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('owner_id', '=', owner)
      .executeTakeFirst();
    if (Number(count?.count ?? 0) >= MAX_LABELS_PER_USER) return 'TOO_MANY';
    const row = await trx
      .insertInto('labels')
      .values({
        owner_id: owner,
        name: fields.name,
        name_key: nameKey(fields.name),
        color: fields.color,
        created_at: new Date().toISOString(),
      })
      .onConflict((conflict) => conflict.columns(['owner_id', 'name_key']).doNothing())
      .returning(['id', 'name', 'color', 'owner_id', 'created_at'])
      .executeTakeFirst();
    return row ? toLabelRecord(row) : 'NAME_TAKEN';
  });
}

/**
 * Renames or recolours a label `owner` owns. The todos carrying it do not
 * change (their versions stay), but they read differently now: the sync log
 * tells each of their readers, so `changesSince` sends them again. Answers the
 * label and those todos (for live events).
 */
export async function updateLabel(
  db: Executor,
  owner: number,
  id: number,
  fields: LabelFields,
): Promise<{ label: LabelRecord; todos: TodoRecord[] } | LabelRefusal> {
  return writeTransaction(db, async (trx, rollback) => {
    const update = trx
      .updateTable('labels')
      .set({
        ...(fields.name === undefined ? {} : { name: fields.name, name_key: nameKey(fields.name) }),
        ...(fields.color === undefined ? {} : { color: fields.color }),
      })
      .where('id', '=', id)
      .where('owner_id', '=', owner)
      .returning(['id', 'name', 'color', 'owner_id', 'created_at']);
    let row;
    try {
      row = await update.executeTakeFirst();
    } catch (error) {
      // Another of the owner's labels has the name: PostgreSQL has aborted the transaction anyway.
      if (isUniqueViolation(error)) rollback('NAME_TAKEN');
      throw error;
    }
    if (!row) return 'NOT_FOUND';
    const todos = await trx
      .selectFrom('todos')
      .select(todoColumns)
      .where('id', 'in', trx.selectFrom('todo_labels').select('todo_id').where('label_id', '=', id))
      .execute();
    // Entries without changes: history has nothing to record, the sync log tells every reader.
    await recordChanges(
      trx,
      owner,
      todos.map((todo) => ({
        action: 'UPDATED',
        listId: todo.list_id,
        previousListId: null,
        todoId: todo.id,
        memberId: null,
        changes: [],
      })),
    );
    return { label: toLabelRecord(row), todos: todos.map(toTodoRecord) };
  });
}

/** A unique index refused the row: PostgreSQL's 23505, SQLite's SQLITE_CONSTRAINT_UNIQUE. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
