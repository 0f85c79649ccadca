/**
 * The better-sqlite3 database as Kysely's SQLite dialect sees it, with two
 * fixes at the driver boundary:
 *
 * - Statements are prepared once per SQL text and reused (least recently used
 *   out): Kysely prepares every query anew, and preparing costs about as much as
 *   running a small query. Reuse is safe because Kysely runs one query at a time
 *   on its single SQLite connection.
 * - Booleans are bound as 1 and 0, which is how SQLite stores them; better-sqlite3
 *   refuses JavaScript booleans. Repositories then bind booleans the same way on
 *   both dialects.
 *
 * It also runs compiled queries directly (`execute`), skipping Kysely's
 * executor, connection mutex and promise chain; see preparedQuery.
 */
import type SQLite from 'better-sqlite3';
import type { Kysely, QueryResult, SqliteDatabase, SqliteStatement } from 'kysely';
import { LRUCache } from 'lru-cache';

/** Distinct SQL texts kept prepared; the application's queries are far fewer. */
const STATEMENT_CACHE_SIZE = 500;

function bindable(parameters: readonly unknown[]): unknown[] {
  return parameters.map((value) => (typeof value === 'boolean' ? Number(value) : value));
}

class Statement implements SqliteStatement {
  readonly reader: boolean;

  constructor(private readonly statement: SQLite.Statement) {
    this.reader = statement.reader;
  }

  all(parameters: readonly unknown[]): unknown[] {
    return this.statement.all(bindable(parameters));
  }

  run(parameters: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.statement.run(bindable(parameters));
  }

  iterate(parameters: readonly unknown[]): IterableIterator<unknown> {
    return this.statement.iterate(bindable(parameters));
  }
}

export interface SqliteStatements extends SqliteDatabase {
  prepare(sqlText: string): Statement;
  /**
   * Runs one compiled query at once, with Kysely's semantics, or returns
   * undefined while a transaction is open: the transaction's owner holds the
   * connection, and a statement run now would become part of its transaction.
   */
  execute<Row>(sqlText: string, parameters: readonly unknown[]): QueryResult<Row> | undefined;
}

/** `report` is told of each statement run directly (`execute`): Kysely reports the others. */
export function sqliteForKysely(
  database: SQLite.Database,
  report: (sqlText: string, ms: number, failed: boolean) => void,
): SqliteStatements {
  const statements = new LRUCache<string, Statement>({ max: STATEMENT_CACHE_SIZE });
  return {
    close: () => database.close(),
    execute<Row>(sqlText: string, parameters: readonly unknown[]): QueryResult<Row> | undefined {
      if (database.inTransaction) return undefined;
      const started = performance.now();
      let failed = true;
      try {
        const statement = this.prepare(sqlText);
        if (statement.reader) {
          const rows = statement.all(parameters) as Row[];
          failed = false;
          return { rows };
        }
        const { changes, lastInsertRowid } = statement.run(parameters);
        failed = false;
        return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
      } finally {
        report(sqlText, performance.now() - started, failed);
      }
    },
    prepare(sqlText: string) {
      let statement = statements.get(sqlText);
      if (!statement) {
        statement = new Statement(database.prepare(sqlText));
        statements.set(sqlText, statement);
      }
      return statement;
    },
  };
}

const directAccess = new WeakMap<object, SqliteStatements>();

/** Records that `db` runs on this SQLite connection, for preparedQuery's direct path. */
export function registerSqlite(db: Kysely<unknown>, statements: SqliteStatements): void {
  directAccess.set(db, statements);
}

/** The SQLite connection under `db`, unless `db` is PostgreSQL or a transaction. */
export function sqliteUnder(db: object): SqliteStatements | undefined {
  return directAccess.get(db);
}
