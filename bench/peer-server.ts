/**
 * The peer: the tutorial's API as a user would write it on Fastify and
 * Mercurius instead of taking todo-graphql. The tutorial's schema, its
 * one-table model (id, description, completed, due date) on SQLite in WAL mode,
 * statements prepared once, Mercurius with `jit: 1`, and Fastify's own request
 * logging at info. The benchmark reports todo-graphql as a ratio to it.
 *
 * It seeds its own database file (the workload's 100 todos) when the table is
 * missing, so it never reads todo-graphql's schema.
 *
 * Usage: DATABASE_FILE=… PORT=… node --import tsx bench/peer-server.ts
 */
import SQLite from 'better-sqlite3';
import Fastify from 'fastify';
import mercurius from 'mercurius';
import { seedTodos } from './workload.js';

const schema = `
  schema { query: Query mutation: Mutation }
  type Todo { id: ID! description: String! completed: Boolean! dueDate: String! }
  type TodoResult { success: Boolean! errors: [String] todo: Todo }
  type TodosResult { success: Boolean! errors: [String] todos: [Todo] }
  type Query { todos: TodosResult! todo(todoId: ID!): TodoResult! }
  type DeleteTodoResult { success: Boolean! errors: [String] }
  type Mutation {
    createTodo(description: String!, dueDate: String!): TodoResult!
    deleteTodo(todoId: ID!): DeleteTodoResult!
    markDone(todoId: String!): TodoResult!
    updateDueDate(todoId: String, newDate: String!): TodoResult!
  }
`;

interface Row {
  id: number;
  description: string;
  completed: number;
  due_date: string;
}

const file = process.env.DATABASE_FILE;
if (!file) throw new Error('DATABASE_FILE is required');
const db = new SQLite(file);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${process.env.SQLITE_SYNCHRONOUS ?? 'NORMAL'}`);
db.exec(
  'create table if not exists todo (id integer primary key, description text not null, completed integer not null default 0, due_date text not null)',
);
if ((db.prepare('select count(*) as n from todo').get() as { n: number }).n === 0) {
  const insert = db.prepare('insert into todo (description, completed, due_date) values (?, ?, ?)');
  db.transaction(() => {
    for (const todo of seedTodos()) insert.run(todo.description, todo.completed ? 1 : 0, todo.due_date);
  })();
}

const all = db.prepare<[], Row>('select id, description, completed, due_date from todo order by id');
const byId = db.prepare<[number], Row>('select id, description, completed, due_date from todo where id = ?');
const insert = db.prepare<[string, string], Row>(
  'insert into todo (description, due_date) values (?, ?) returning id, description, completed, due_date',
);
const remove = db.prepare<[number]>('delete from todo where id = ?');
const complete = db.prepare<[number], Row>(
  'update todo set completed = 1 where id = ? returning id, description, completed, due_date',
);
const reschedule = db.prepare<[string, number], Row>(
  'update todo set due_date = ? where id = ? returning id, description, completed, due_date',
);

/** dd-mm-yyyy in the API, yyyy-mm-dd in the table. */
const toApi = (iso: string) => `${iso.slice(8, 10)}-${iso.slice(5, 7)}-${iso.slice(0, 4)}`;
const fromApi = (date: string): string | undefined => {
  const match = /^(\d{2})-(\d{2})-(\d{4})$/.exec(date);
  return match ? `${match[3]}-${match[2]}-${match[1]}` : undefined;
};
const todo = (row: Row) => ({
  id: String(row.id),
  description: row.description,
  completed: Boolean(row.completed),
  dueDate: toApi(row.due_date),
});
const found = (row: Row | undefined, id: string) =>
  row
    ? { success: true, errors: null, todo: todo(row) }
    : { success: false, errors: [`Todo item matching id ${id} not found`], todo: null };
const badDate = (date: string) => ({
  success: false,
  errors: [`Incorrect date format provided. Date should be in the format dd-mm-yyyy, got "${date}"`],
  todo: null,
});

const resolvers = {
  Query: {
    todos: () => ({ success: true, errors: null, todos: all.all().map(todo) }),
    todo: (_: unknown, { todoId }: { todoId: string }) => found(byId.get(Number(todoId)), todoId),
  },
  Mutation: {
    createTodo: (_: unknown, { description, dueDate }: { description: string; dueDate: string }) => {
      const iso = fromApi(dueDate);
      return iso ? found(insert.get(description, iso), '') : badDate(dueDate);
    },
    deleteTodo: (_: unknown, { todoId }: { todoId: string }) =>
      remove.run(Number(todoId)).changes > 0
        ? { success: true, errors: null }
        : { success: false, errors: [`Todo matching id ${todoId} not found`] },
    markDone: (_: unknown, { todoId }: { todoId: string }) => found(complete.get(Number(todoId)), todoId),
    updateDueDate: (_: unknown, { todoId, newDate }: { todoId?: string; newDate: string }) => {
      const iso = fromApi(newDate);
      return iso ? found(reschedule.get(iso, Number(todoId)), todoId ?? '') : badDate(newDate);
    },
  },
};

const app = Fastify({ logger: { level: 'info' } });
await app.register(mercurius, { schema, resolvers, jit: 1 });
app.get('/healthz', () => ({ status: 'ok' }));
await app.listen({ port: Number(process.env.PORT ?? 4002), host: '127.0.0.1' });
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
