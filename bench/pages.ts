/**
 * Pages at scale: with 1,000 and 1,000,000 todos in one list on SQLite, how long
 * `allTodos` takes for the first page, the 1,000th page (reached by walking the
 * cursors) and the last page, in every order and under two filters. Keyset reads make depth free; this
 * shows it. Each figure is the median of repeated identical requests, over HTTP,
 * to the server as users run it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { withProjectServer } from './servers.js';
import { percentiles } from './stats.js';

export const ORDERS = ['DUE_ON', 'PRIORITY', 'CREATED_AT', 'COMPLETED_AT'] as const;

/** The orders, then two filters under one order: depth must not matter with a filter either. */
const CASES: readonly { readonly label: string; readonly order: (typeof ORDERS)[number]; readonly filter?: object }[] =
  [
    ...ORDERS.map((order) => ({ label: order, order })),
    { label: 'DUE_ON, open only', order: 'DUE_ON', filter: { completed: false } },
    { label: 'CREATED_AT, URGENT only', order: 'CREATED_AT', filter: { priority: ['URGENT'] } },
  ];
const PAGE_SIZE = 10;
const DEEP_PAGE = 1000;

export interface PageTiming {
  readonly rows: number;
  /** The order, and the filter when there is one. */
  readonly order: string;
  readonly firstPageMs: number;
  /** Null when there are fewer than 1,000 pages. */
  readonly page1000Ms: number | null;
  readonly lastPageMs: number;
}

const QUERY = `query ($first: Int, $after: String, $last: Int, $orderBy: TodoOrder, $filter: TodoFilter) {
  allTodos(first: $first, after: $after, last: $last, orderBy: $orderBy, filter: $filter) {
    edges { node { id description completed dueOn priority } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface PageAnswer {
  data?: { allTodos: { edges: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
  errors?: unknown[];
}

/** `rows` todos in the anonymous space's Inbox, written straight to the file in one transaction. */
async function seed(file: string, rows: number): Promise<void> {
  const database = openDatabase({ dialect: 'sqlite', file });
  await migrateToLatest(database);
  await database.close();
  const db = new SQLite(file);
  const inbox = db.prepare<[], { id: number }>('select id from lists where owner_id = 0 and is_inbox = 1').get();
  const insert = db.prepare(
    `insert into todos (description, due_date, completed, owner_id, list_id, priority, created_at, updated_at, completed_at)
     values (?, ?, ?, 0, ?, ?, ?, ?, ?)`,
  );
  const start = Date.UTC(2026, 0, 1);
  db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const done = i % 3 === 0;
      const time = new Date(start + i * 1000).toISOString();
      const due = new Date(start + (i % 730) * 86_400_000).toISOString().slice(0, 10);
      insert.run(`Todo #${i}`, due, done ? 1 : 0, inbox?.id, i % 4, time, time, done ? time : null);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

async function timed(url: string, variables: object, repeats: number): Promise<{ ms: number; answer: PageAnswer }> {
  const times: number[] = [];
  let answer: PageAnswer = {};
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: QUERY, variables }),
    });
    answer = (await response.json()) as PageAnswer;
    times.push(performance.now() - started);
    if (answer.errors) throw new Error(`page request failed: ${JSON.stringify(answer.errors)}`);
  }
  return { ms: percentiles(times).p50, answer };
}

export async function measurePages(options: { smoke: boolean }): Promise<PageTiming[]> {
  const sizes = options.smoke ? [1_000] : [1_000, 1_000_000];
  const repeats = options.smoke ? 3 : 21;
  const cases = options.smoke ? CASES.slice(0, 1) : CASES;
  const results: PageTiming[] = [];
  const workDir = mkdtempSync(path.join(tmpdir(), 'todo-graphql-pages-'));
  try {
    for (const rows of sizes) {
      const file = path.join(workDir, `pages-${rows}.db`);
      await seed(file, rows);
      await withProjectServer({ dbFile: file }, async ({ url }) => {
        for (const { label, order, filter } of cases) {
          const orderBy = { field: order };
          const first = await timed(`${url}/graphql`, { first: PAGE_SIZE, orderBy, filter }, repeats);
          let cursor = first.answer.data?.allTodos.pageInfo.endCursor ?? null;
          let page = 1;
          while (page < DEEP_PAGE - 1 && cursor) {
            const { answer } = await timed(`${url}/graphql`, { first: PAGE_SIZE, after: cursor, orderBy, filter }, 1);
            cursor = answer.data?.allTodos.pageInfo.hasNextPage ? answer.data.allTodos.pageInfo.endCursor : null;
            page++;
          }
          const deep =
            page === DEEP_PAGE - 1 && cursor
              ? (await timed(`${url}/graphql`, { first: PAGE_SIZE, after: cursor, orderBy, filter }, repeats)).ms
              : null;
          const last = await timed(`${url}/graphql`, { last: PAGE_SIZE, orderBy, filter }, repeats);
          results.push({ rows, order: label, firstPageMs: first.ms, page1000Ms: deep, lastPageMs: last.ms });
        }
      });
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return results;
}
