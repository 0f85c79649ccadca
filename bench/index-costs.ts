/**
 * What each index on `todos` costs a write and buys a read, on SQLite in WAL
 * mode (synchronous=NORMAL) with todo-graphql's schema: createTodo's INSERT,
 * exactly as the repository sends it, timed with every index and with each
 * sort index dropped; and the first page of 10 in each order from a list of
 * 100,000 todos, with and without the index that serves it.
 *
 *   node --import tsx bench/index-costs.ts
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { seedTemplate } from './seed.js';

const INSERTS = 20_000;
const PAGES = 200;
const LIST_SIZE = 100_000;

/** The sort indexes, each with the first page it serves (the list is the anonymous Inbox, id 1). */
const SORT_INDEXES: readonly { readonly name: string; readonly page: string }[] = [
  { name: 'todos_by_list_and_due_date', page: 'order by due_date, id' },
  { name: 'todos_by_list_and_priority', page: 'order by priority, id' },
  { name: 'todos_by_list_and_created_at', page: 'order by created_at, id' },
  { name: 'todos_by_list_and_completed_at', page: "order by coalesce(completed_at, ''), id" },
];

const INSERT = `insert into "todos" ("description", "due_date", "owner_id", "created_at", "updated_at", "list_id") values (?, ?, ?, ?, ?, (select "lists"."id" from "lists" where "lists"."owner_id" = ? and "lists"."is_inbox" = true)) returning "id", "description", "completed", "due_date", "notes", "priority", "created_at", "updated_at", "completed_at", "list_id", "owner_id"`;

const workDir = mkdtempSync(path.join(tmpdir(), 'todo-graphql-indexes-'));
const template = path.join(workDir, 'template.db');

function open(drop: readonly string[]): SQLite.Database {
  const file = path.join(workDir, `db-${drop.join('-') || 'all'}.db`);
  copyFileSync(template, file);
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  for (const index of drop) db.exec(`drop index ${index}`);
  return db;
}

function microsPer(count: number, run: () => void): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) run();
  return Number(process.hrtime.bigint() - started) / count / 1000;
}

function insertCost(drop: readonly string[]): number {
  const db = open(drop);
  const insert = db.prepare(INSERT);
  const now = new Date().toISOString();
  const once = () => insert.get('Go to the dentist', '2027-10-24', 0, now, now, 0);
  microsPer(2000, once);
  const micros = microsPer(INSERTS, once);
  db.close();
  return micros;
}

try {
  await seedTemplate(template);
  console.log(`createTodo's INSERT, µs each over ${INSERTS.toLocaleString('en')} in a row (autocommit):\n`);
  console.log('| indexes | µs per insert | saved |');
  console.log('| --- | ---: | ---: |');
  const all = insertCost([]);
  console.log(`| all (primary key, by list, four sort orders) | ${all.toFixed(1)} | |`);
  for (const { name } of SORT_INDEXES) {
    const without = insertCost([name]);
    console.log(`| all but ${name} | ${without.toFixed(1)} | ${(all - without).toFixed(1)} |`);
  }
  const bare = insertCost(SORT_INDEXES.map((index) => index.name));
  console.log(`| no sort index | ${bare.toFixed(1)} | ${(all - bare).toFixed(1)} |`);

  console.log(`\nThe first page of 10 from a list of ${LIST_SIZE.toLocaleString('en')} todos, µs each:\n`);
  console.log('| order | with its index | without |');
  console.log('| --- | ---: | ---: |');
  const db = open([]);
  const fill = db.prepare(
    "insert into todos (description, due_date, owner_id, created_at, updated_at, list_id, priority, completed_at) values ('x', ?, 0, ?, ?, 1, ?, ?)",
  );
  db.transaction(() => {
    for (let i = 0; i < LIST_SIZE; i++) {
      const day = new Date(Date.UTC(2027, 0, 1) + (i % 3650) * 86_400_000).toISOString();
      fill.run(day.slice(0, 10), day, day, i % 4, i % 3 === 0 ? day : null);
    }
  })();
  for (const { name, page } of SORT_INDEXES) {
    const read = db.prepare(`select id from todos where list_id = 1 ${page} limit 10`);
    const withIndex = microsPer(PAGES, () => read.all());
    const definition = (db.prepare('select sql from sqlite_master where name = ?').get(name) as { sql: string }).sql;
    db.exec(`drop index ${name}`);
    const scan = db.prepare(`select id from todos where list_id = 1 ${page} limit 10`);
    const without = microsPer(PAGES / 10, () => scan.all());
    db.exec(definition);
    console.log(`| ${page} | ${withIndex.toFixed(1)} | ${without.toFixed(0)} |`);
  }
  db.close();
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
