/**
 * Data access for todos. Each function takes the database (or a transaction)
 * explicitly, so a caller can run several of them in one transaction.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Tables, TodosTable } from '../db/tables.js';
import type { TodoRecord } from './todo.js';

export type Executor = Kysely<Tables>;

const columns = ['id', 'description', 'completed', 'due_date'] as const;

function toRecord(row: Pick<Selectable<TodosTable>, (typeof columns)[number]>): TodoRecord {
  return { id: row.id, description: row.description, completed: Boolean(row.completed), dueOn: row.due_date };
}

export async function listTodos(db: Executor): Promise<TodoRecord[]> {
  const rows = await db.selectFrom('todos').select(columns).orderBy('id').execute();
  return rows.map(toRecord);
}

export async function findTodo(db: Executor, id: number): Promise<TodoRecord | undefined> {
  const row = await db.selectFrom('todos').select(columns).where('id', '=', id).executeTakeFirst();
  return row && toRecord(row);
}

export async function insertTodo(db: Executor, todo: { description: string; dueOn: string }): Promise<TodoRecord> {
  const row = await db
    .insertInto('todos')
    .values({ description: todo.description, due_date: todo.dueOn })
    .returning(columns)
    .executeTakeFirstOrThrow();
  return toRecord(row);
}

export async function updateTodo(
  db: Executor,
  id: number,
  changes: { completed?: boolean; dueOn?: string },
): Promise<TodoRecord | undefined> {
  const row = await db
    .updateTable('todos')
    .set({ completed: changes.completed, due_date: changes.dueOn })
    .where('id', '=', id)
    .returning(columns)
    .executeTakeFirst();
  return row && toRecord(row);
}

/** Returns whether a todo with that id existed. */
export async function deleteTodo(db: Executor, id: number): Promise<boolean> {
  const result = await db.deleteFrom('todos').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
