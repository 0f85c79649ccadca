/**
 * Data access for todos. Each function takes the database (or a transaction)
 * explicitly, so a caller can run several of them in one transaction. The
 * queries are compiled once (see preparedQuery): they run on every request.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import { preparedQuery } from '../db/prepared-query.js';
import { writeTransaction, type RollbackWith } from '../db/transaction.js';
import type { Tables, TodosTable } from '../db/tables.js';
import { formatDueDate } from './due-date.js';
import { priorityOfRank, type TodoRecord } from './todo.js';
import { accessibleListIds } from '../lists/list-access.js';
import { todoEntry } from '../history/field-changes.js';
import { recordChanges } from '../history/history.repository.js';
import { positionAfter } from '../subtasks/positions.js';
import { deleteSubtasks, followParents, lockSubtasks } from '../subtasks/subtask-cascade.js';
import { applyRecurrence, withChanges } from '../recurrence/recurrence.repository.js';

export type Executor = Kysely<Tables>;

export const todoColumns = [
  'id',
  'description',
  'completed',
  'due_date',
  'notes',
  'priority',
  'created_at',
  'updated_at',
  'completed_at',
  'list_id',
  'owner_id',
  'version',
  'parent_id',
  'position',
] as const;
export type TodoRow = Pick<Selectable<TodosTable>, (typeof todoColumns)[number]>;
const columns = todoColumns;

export function toTodoRecord(row: TodoRow): TodoRecord {
  return {
    id: row.id,
    description: row.description,
    completed: Boolean(row.completed),
    dueOn: row.due_date,
    dueDate: formatDueDate(row.due_date),
    notes: row.notes,
    priority: priorityOfRank(row.priority),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
    listId: row.list_id,
    ownerId: row.owner_id,
    version: row.version,
    parentId: row.parent_id,
    position: row.position,
  };
}

/**
 * About how many bytes a todo takes in an answer beside its text: ids, dates,
 * times, flags and field names. What a request's answer budget counts it as.
 */
const TODO_ANSWER_BYTES = 300;

/** About how many bytes `todos` take in an answer, for the request's budget (see request-budget.ts). */
export function answerBytes(todos: readonly TodoRecord[]): number {
  let bytes = 0;
  for (const todo of todos) bytes += TODO_ANSWER_BYTES + todo.description.length + (todo.notes?.length ?? 0);
  return bytes;
}

// Placeholders: the real values are passed at run time, in the order they appear.
const PLACEHOLDER_ID = 0;
const PLACEHOLDER_OWNER = 0;
const PLACEHOLDER_LIMIT = 1;

// The tutorial's `todos` lists the todos in the caller's own lists.
const listQuery = preparedQuery((db: Executor) =>
  db
    .selectFrom('todos')
    .select(columns)
    .where('list_id', 'in', accessibleListIds(db, PLACEHOLDER_OWNER, 'own'))
    .orderBy('id')
    .limit(PLACEHOLDER_LIMIT),
);

const findQuery = preparedQuery((db: Executor) =>
  db
    .selectFrom('todos')
    .select(columns)
    .where('id', '=', PLACEHOLDER_ID)
    .where('list_id', 'in', accessibleListIds(db, PLACEHOLDER_OWNER, 'read')),
);

// The owner's Inbox, locked for placing a todo last in it (src/subtasks/positions.ts), with its last key.
const inboxQuery = preparedQuery((db: Executor) =>
  db
    .selectFrom('lists')
    .select((eb) => [
      'lists.id',
      eb
        .selectFrom('todos')
        .select('todos.position')
        .whereRef('todos.list_id', '=', 'lists.id')
        .where('todos.parent_id', 'is', null)
        .orderBy('todos.position', 'desc')
        .orderBy('todos.id', 'desc')
        .limit(sql.lit(1))
        .as('last'),
    ])
    .where('lists.owner_id', '=', PLACEHOLDER_OWNER)
    .where('lists.is_inbox', '=', sql<boolean>`true`)
    .forNoKeyUpdate('lists'),
);

const insertQuery = preparedQuery((db: Executor) =>
  db
    .insertInto('todos')
    .values({
      description: '',
      due_date: '',
      owner_id: PLACEHOLDER_OWNER,
      created_at: '',
      updated_at: '',
      list_id: PLACEHOLDER_ID,
      position: '',
    })
    .returning(columns),
);

// TRUE as a literal: both SQLite and PostgreSQL read it as their own true.
const markDoneQuery = preparedQuery((db: Executor) =>
  db
    .updateTable('todos')
    .set((eb) => ({
      completed: sql<boolean>`true`,
      completed_at: eb.fn.coalesce('completed_at', sql<string>`${''}`),
      updated_at: '',
      version: eb('version', '+', sql.lit(1)),
    }))
    .where('id', '=', PLACEHOLDER_ID)
    .where('list_id', 'in', accessibleListIds(db, PLACEHOLDER_OWNER, 'write'))
    .returning(columns),
);

const setDueDateQuery = preparedQuery((db: Executor) =>
  db
    .updateTable('todos')
    .set((eb) => ({ due_date: '', updated_at: '', version: eb('version', '+', sql.lit(1)) }))
    .where('id', '=', PLACEHOLDER_ID)
    .where('list_id', 'in', accessibleListIds(db, PLACEHOLDER_OWNER, 'write'))
    .returning(columns),
);

const deleteQuery = preparedQuery((db: Executor) =>
  db
    .deleteFrom('todos')
    .where('id', '=', PLACEHOLDER_ID)
    .where('list_id', 'in', accessibleListIds(db, PLACEHOLDER_OWNER, 'write'))
    .returning('list_id'),
);

// Every function takes the owner (the caller) whose access decides what it may
// see: a todo in a list the caller may not act on is, to the caller, a todo that
// does not exist. The parameter arrays follow the placeholders' order in the SQL.

/** The todos in `owner`'s own lists, oldest first, at most `limit` of them. */
export async function listTodos(db: Executor, owner: number, limit: number): Promise<TodoRecord[]> {
  const { rows } = await listQuery(db, [owner, limit]);
  return rows.map(toTodoRecord);
}

export async function findTodo(db: Executor, owner: number, id: number): Promise<TodoRecord | undefined> {
  const [row] = (await findQuery(db, [id, owner, owner])).rows;
  return row && toTodoRecord(row);
}

/** The todos among `ids` that `owner` may read, in no particular order: one statement however many. */
export async function findTodos(db: Executor, owner: number, ids: readonly number[]): Promise<TodoRecord[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('todos')
    .select(columns)
    .where('id', 'in', ids)
    .where('list_id', 'in', accessibleListIds(db, owner, 'read'))
    .execute();
  return rows.map(toTodoRecord);
}

export async function insertTodo(
  db: Executor,
  owner: number,
  todo: { description: string; dueOn: string },
): Promise<TodoRecord> {
  const now = new Date().toISOString();
  return writeTransaction(db, async (trx) => {
    const [inbox] = (await inboxQuery(trx, [owner])).rows;
    if (!inbox) throw new Error(`User ${owner} has no Inbox`);
    const position = positionAfter(inbox.last ?? null);
    const [row] = (await insertQuery(trx, [todo.description, todo.dueOn, owner, now, now, inbox.id, position])).rows;
    if (!row) throw new Error('INSERT … RETURNING returned no row');
    await recordChanges(trx, owner, [todoEntry(undefined, row)]);
    return toTodoRecord(row);
  });
}

/**
 * Locks the todos with these ids until the transaction ends, in id order (so
 * two writers over the same todos queue rather than deadlock), and answers each
 * as it is now (its history records the old values from here); missing ids are
 * absent from the answer.
 *
 * A write then checks the caller's access in its own statement, against rows
 * that can no longer move. Without the lock first, PostgreSQL would re-check a
 * row another transaction just moved against the list row it was first joined
 * with, and skip it: a todo moved between two of the caller's lists would
 * answer "not found".
 */
export async function lockTodos(db: Executor, ids: readonly number[]): Promise<Map<number, TodoRow>> {
  const rows = await db.selectFrom('todos').select(columns).where('id', 'in', ids).orderBy('id').forUpdate().execute();
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * One write by `owner` to the todo `id`, locked first (see lockTodos) and
 * recorded in its history; undefined when the caller may not make it. `write`
 * answers the row as it is after, or `deleted` when it is gone; `subtasks`
 * then applies it to the todo's subtasks (src/subtasks/subtask-cascade.ts),
 * before the write when it deletes, and answers those it changed.
 */
function writeOne<Row extends object>(
  db: Executor,
  owner: number,
  id: number,
  write: (trx: Executor) => Promise<Row | undefined>,
  { deleted = false, subtasks }: { deleted?: boolean; subtasks?: (trx: Executor) => Promise<TodoRow[]> } = {},
): Promise<{ row: Row; subtasks: TodoRecord[] } | undefined> {
  type Written = { row: Row; subtasks: TodoRecord[] } | undefined;
  return writeTransaction(db, async (trx, rollback: RollbackWith<Written>): Promise<Written> => {
    const before = (await lockTodos(trx, [id])).get(id);
    if (!before) return undefined;
    const deletedFirst = deleted && subtasks ? await subtasks(trx) : [];
    const after = await write(trx);
    if (!after) return deletedFirst.length > 0 ? rollback(undefined) : undefined;
    await recordChanges(trx, owner, [todoEntry(before, deleted ? undefined : { ...before, ...after })]);
    const followed = !deleted && subtasks ? await subtasks(trx) : deletedFirst;
    return { row: after, subtasks: followed.map(toTodoRecord) };
  });
}

/** Whether `owner` may change the todo `id`. */
const mayChange = async (db: Executor, owner: number, id: number): Promise<boolean> =>
  (await db
    .selectFrom('todos')
    .select('id')
    .where('id', '=', id)
    .where('list_id', 'in', accessibleListIds(db, owner, 'write'))
    .executeTakeFirst()) !== undefined;

/** A tutorial mutation's todo, and the subtasks that followed it. */
export interface WithSubtasks<T> {
  readonly todo: T;
  readonly subtasks: TodoRecord[];
}

/**
 * Completes a todo and its open subtasks. A recurring one moves to its next
 * occurrence instead (see recurrence.repository.ts), and its subtasks start
 * over (see subtask-cascade.ts).
 */
export async function markTodoDone(
  db: Executor,
  owner: number,
  id: number,
): Promise<WithSubtasks<TodoRecord> | undefined> {
  const now = new Date().toISOString();
  const done = await writeTransaction(db, async (trx) => {
    const before = (await lockTodos(trx, [id])).get(id);
    if (!before) return undefined;
    const [written] = (await markDoneQuery(trx, [now, now, id, owner, owner])).rows;
    if (!written) return undefined;
    // Locked before recordChanges takes the sync log's lock: no row lock may come after it.
    const subtasks = await lockSubtasks(trx, [id]);
    const recurring = await applyRecurrence(trx, owner, { before: new Map([[id, before]]), rows: [written], now });
    const [after = written] = recurring.rows;
    await recordChanges(trx, owner, [withChanges(todoEntry(before, after), recurring.changes.get(id))]);
    const parents = new Set([id]);
    const followed = await followParents(
      trx,
      owner,
      subtasks,
      after.completed ? { completed: parents } : { restarted: parents },
    );
    return { todo: toTodoRecord(after), subtasks: followed.map((subtask) => toTodoRecord(subtask.after)) };
  });
  return done;
}

export async function setTodoDueDate(
  db: Executor,
  owner: number,
  id: number,
  dueOn: string,
): Promise<TodoRecord | undefined> {
  const now = new Date().toISOString();
  const written = await writeOne(
    db,
    owner,
    id,
    async (trx) => (await setDueDateQuery(trx, [dueOn, now, id, owner, owner])).rows[0],
  );
  return written && toTodoRecord(written.row);
}

/**
 * Deletes a todo the caller may change, and its subtasks; answers the list it
 * was in, or undefined when there was none.
 */
export async function deleteTodo(
  db: Executor,
  owner: number,
  id: number,
): Promise<WithSubtasks<{ listId: number }> | undefined> {
  const deleted = await writeOne(db, owner, id, async (trx) => (await deleteQuery(trx, [id, owner, owner])).rows[0], {
    deleted: true,
    // Only once the todo is known to be the caller's to delete: nothing is written for anyone else.
    subtasks: async (trx) => ((await mayChange(trx, owner, id)) ? deleteSubtasks(trx, owner, [id]) : []),
  });
  return deleted && { todo: { listId: deleted.row.list_id }, subtasks: deleted.subtasks };
}
