/**
 * The raw baseline: node:http, the same SQL through the same driver
 * (better-sqlite3, statements prepared once), JSON.stringify, no GraphQL. It
 * answers the workload's three requests with bodies byte-identical to the
 * project's, so the ratio between the two is the cost of everything else.
 *
 * Usage: DATABASE_FILE=… PORT=… node --import tsx bench/baseline-server.ts
 */
import http from 'node:http';
import SQLite from 'better-sqlite3';
import { operations } from './workload.js';

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

// The statements the project's repository sends, character for character
// (a todo is visible through its list; see src/lists/list-access.ts).
const columns =
  'select "id", "description", "completed", "due_date", "notes", "priority", "created_at", "updated_at", "completed_at", "list_id", "owner_id" from "todos"';
const returning =
  'returning "id", "description", "completed", "due_date", "notes", "priority", "created_at", "updated_at", "completed_at", "list_id", "owner_id"';
// Anonymous callers read and write the anonymous space, owner 0.
const ANONYMOUS_OWNER = 0;
const listTodos = db.prepare<[number], Row>(
  `${columns} where "list_id" in (select "lists"."id" from "lists" where "lists"."owner_id" = ?) order by "id"`,
);
const findTodo = db.prepare<[number, number, number], Row>(
  `${columns} where "id" = ? and "list_id" in (select "lists"."id" from "lists" where "lists"."owner_id" = ? union select "list_members"."list_id" as "id" from "list_members" where "list_members"."user_id" = ?)`,
);
const insertTodo = db.prepare<[string, string, number, string, string, number], Row>(
  `insert into "todos" ("description", "due_date", "owner_id", "created_at", "updated_at", "list_id") values (?, ?, ?, ?, ?, (select "lists"."id" from "lists" where "lists"."owner_id" = ? and "lists"."is_inbox" = true)) ${returning}`,
);

const now = () => new Date().toISOString();
const dueDate = (iso: string) => `${iso.slice(8, 10)}-${iso.slice(5, 7)}-${iso.slice(0, 4)}`;

const [list, one, create] = operations;
const queryOf = (body = '{}') => (JSON.parse(body) as { query: string }).query;
const handlers = new Map<string, () => unknown>([
  [
    queryOf(list?.body),
    () => ({
      data: {
        todos: {
          success: true,
          errors: null,
          todos: listTodos.all(ANONYMOUS_OWNER).map((row) => ({
            id: String(row.id),
            description: row.description,
            completed: Boolean(row.completed),
            dueDate: dueDate(row.due_date),
          })),
        },
      },
    }),
  ],
  [
    queryOf(one?.body),
    () => {
      const row = findTodo.get(42, ANONYMOUS_OWNER, ANONYMOUS_OWNER);
      return {
        data: {
          todo: row
            ? {
                success: true,
                errors: null,
                todo: {
                  id: String(row.id),
                  completed: Boolean(row.completed),
                  description: row.description,
                  dueDate: dueDate(row.due_date),
                },
              }
            : { success: false, errors: ['Todo item matching id 42 not found'], todo: null },
        },
      };
    },
  ],
  [
    queryOf(create?.body),
    () => {
      const row = insertTodo.get('Go to the dentist', '2027-10-24', ANONYMOUS_OWNER, now(), now(), ANONYMOUS_OWNER);
      if (!row) throw new Error('insert returned nothing');
      return {
        data: {
          createTodo: {
            success: true,
            errors: null,
            todo: { id: String(row.id), completed: Boolean(row.completed), description: row.description },
          },
        },
      };
    },
  ],
]);

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.end('{"status":"ok"}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const { query } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string };
    const handler = handlers.get(query);
    const body = JSON.stringify(handler ? handler() : { errors: [{ message: 'unknown operation' }] });
    res.writeHead(handler ? 200 : 400, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
});

server.listen(Number(process.env.PORT ?? 4001), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
