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

const PLACEHOLDER_ID = 0;

const listQuery = preparedQuery((db: Executor) => db.selectFrom('todos').select(columns).orderBy('id'));

const findQuery = preparedQuery((db: Executor) =>
  db.selectFrom('todos').select(columns).where('id', '=', PLACEHOLDER_ID),
);

const insertQuery = preparedQuery((db: Executor) =>
  db.insertInto('todos').values({ description: '', due_date: '' }).returning(columns),
);

// TRUE as a literal: both SQLite and PostgreSQL read it as their own true.
const markDoneQuery = preparedQuery((db: Executor) =>
  db
    .updateTable('todos')
    .set({ completed: sql<boolean>`true` })
    .where('id', '=', PLACEHOLDER_ID)
    .returning(columns),
);

const setDueDateQuery = preparedQuery((db: Executor) =>
  db.updateTable('todos').set({ due_date: '' }).where('id', '=', PLACEHOLDER_ID).returning(columns),
);

const deleteQuery = preparedQuery((db: Executor) => db.deleteFrom('todos').where('id', '=', PLACEHOLDER_ID));

export async function listTodos(db: Executor): Promise<TodoRecord[]> {
  const { rows } = await listQuery(db, []);
  return rows.map(toRecord);
}

export async function findTodo(db: Executor, id: number): Promise<TodoRecord | undefined> {
  const [row] = (await findQuery(db, [id])).rows;
  return row && toRecord(row);
}

export async function insertTodo(db: Executor, todo: { description: string; dueOn: string }): Promise<TodoRecord> {
  const [row] = (await insertQuery(db, [todo.description, todo.dueOn])).rows;
  if (!row) throw new Error('INSERT … RETURNING returned no row');
  return toRecord(row);
}

export async function markTodoDone(db: Executor, id: number): Promise<TodoRecord | undefined> {
  const [row] = (await markDoneQuery(db, [id])).rows;
  return row && toRecord(row);
}

export async function setTodoDueDate(db: Executor, id: number, dueOn: string): Promise<TodoRecord | undefined> {
  const [row] = (await setDueDateQuery(db, [dueOn, id])).rows;
  return row && toRecord(row);
}

/** Returns whether a todo with that id existed. */
export async function deleteTodo(db: Executor, id: number): Promise<boolean> {
  const { numAffectedRows } = await deleteQuery(db, [id]);
  return (numAffectedRows ?? 0n) > 0n;
}
