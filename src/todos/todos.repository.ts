/**
 * Data access for todos. Each function takes the database (or a transaction)
 * explicitly, so a caller can run several of them in one transaction. The
 * queries are compiled once (see preparedQuery): they run on every request.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import { preparedQuery } from '../db/prepared-query.js';
import type { Tables, TodosTable } from '../db/tables.js';
import { formatDueDate } from './due-date.js';
import type { TodoRecord } from './todo.js';

export type Executor = Kysely<Tables>;

const columns = ['id', 'description', 'completed', 'due_date'] as const;
type TodoRow = Pick<Selectable<TodosTable>, (typeof columns)[number]>;

function toRecord(row: TodoRow): TodoRecord {
  return {
    id: row.id,
    description: row.description,
    completed: Boolean(row.completed),
    dueOn: row.due_date,
    dueDate: formatDueDate(row.due_date),
  };
}

// Placeholders: the real values are passed at run time, in the order they appear.
const PLACEHOLDER_ID = 0;
const PLACEHOLDER_OWNER = 0;

const listQuery = preparedQuery((db: Executor) =>
  db.selectFrom('todos').select(columns).where('owner_id', '=', PLACEHOLDER_OWNER).orderBy('id'),
);

const findQuery = preparedQuery((db: Executor) =>
  db.selectFrom('todos').select(columns).where('id', '=', PLACEHOLDER_ID).where('owner_id', '=', PLACEHOLDER_OWNER),
);

const insertQuery = preparedQuery((db: Executor) =>
  db.insertInto('todos').values({ description: '', due_date: '', owner_id: PLACEHOLDER_OWNER }).returning(columns),
);

// TRUE as a literal: both SQLite and PostgreSQL read it as their own true.
const markDoneQuery = preparedQuery((db: Executor) =>
  db
    .updateTable('todos')
    .set({ completed: sql<boolean>`true` })
    .where('id', '=', PLACEHOLDER_ID)
    .where('owner_id', '=', PLACEHOLDER_OWNER)
    .returning(columns),
);

const setDueDateQuery = preparedQuery((db: Executor) =>
  db
    .updateTable('todos')
    .set({ due_date: '' })
    .where('id', '=', PLACEHOLDER_ID)
    .where('owner_id', '=', PLACEHOLDER_OWNER)
    .returning(columns),
);

const deleteQuery = preparedQuery((db: Executor) =>
  db.deleteFrom('todos').where('id', '=', PLACEHOLDER_ID).where('owner_id', '=', PLACEHOLDER_OWNER),
);

// Every function takes the owner whose todos it may see: a todo of anyone else
// is, to the caller, a todo that does not exist.

export async function listTodos(db: Executor, owner: number): Promise<TodoRecord[]> {
  const { rows } = await listQuery(db, [owner]);
  return rows.map(toRecord);
}

export async function findTodo(db: Executor, owner: number, id: number): Promise<TodoRecord | undefined> {
  const [row] = (await findQuery(db, [id, owner])).rows;
  return row && toRecord(row);
}

export async function insertTodo(
  db: Executor,
  owner: number,
  todo: { description: string; dueOn: string },
): Promise<TodoRecord> {
  const [row] = (await insertQuery(db, [todo.description, todo.dueOn, owner])).rows;
  if (!row) throw new Error('INSERT … RETURNING returned no row');
  return toRecord(row);
}

export async function markTodoDone(db: Executor, owner: number, id: number): Promise<TodoRecord | undefined> {
  const [row] = (await markDoneQuery(db, [id, owner])).rows;
  return row && toRecord(row);
}

export async function setTodoDueDate(
  db: Executor,
  owner: number,
  id: number,
  dueOn: string,
): Promise<TodoRecord | undefined> {
  const [row] = (await setDueDateQuery(db, [dueOn, id, owner])).rows;
  return row && toRecord(row);
}

/** Returns whether a todo with that id existed for this owner. */
export async function deleteTodo(db: Executor, owner: number, id: number): Promise<boolean> {
  const { numAffectedRows } = await deleteQuery(db, [id, owner]);
  return (numAffectedRows ?? 0n) > 0n;
}
