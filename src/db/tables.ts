/** Row types of every table, as Kysely sees them. One interface per table. */
import type { Generated } from 'kysely';

export interface TodosTable {
  id: Generated<number>;
  description: string;
  /** SQLite stores 0/1; PostgreSQL a boolean. Read it through `Boolean()`. */
  completed: Generated<boolean | number>;
  /** Calendar date as ISO `YYYY-MM-DD` text on both dialects. */
  due_date: string;
}

export interface Tables {
  todos: TodosTable;
}
