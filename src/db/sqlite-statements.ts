/**
 * The better-sqlite3 database as Kysely's SQLite dialect sees it, with two
 * fixes at the driver boundary:
 *
 * - Statements are prepared once per SQL text and reused (least recently used
 *   out): Kysely prepares every query anew, and preparing costs about as much as
 *   running a small query. Reuse is safe because Kysely runs one query at a time
 *   on its single SQLite connection.
 * - Rows come from SQLite as arrays and become objects here: better-sqlite3
 *   builds an object through V8's C++ API one property at a time, which made
 *   reading 100 todos of 11 columns cost about twice what it does this way.
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

/** Makes row objects from SQLite's arrays of values, for a statement with these columns. */
function rowMaker(names: readonly string[]): (values: readonly unknown[]) => Record<string, unknown> {
  return (values) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) row[names[i] as string] = values[i];
    return row;
  };
}

class Statement implements SqliteStatement {
  readonly reader: boolean;
  readonly #toRow: ((values: readonly unknown[]) => Record<string, unknown>) | undefined;

  constructor(private readonly statement: SQLite.Statement) {
    this.reader = statement.reader;
    if (this.reader) {
      statement.raw(true);
      this.#toRow = rowMaker(statement.columns().map((column) => column.name));
    }
  }

  all(parameters: readonly unknown[]): unknown[] {
    const rows = this.statement.all(bindable(parameters)) as unknown[][];
    return this.#toRow ? rows.map(this.#toRow) : rows;
  }

  run(parameters: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.statement.run(bindable(parameters));
  }

  *iterate(parameters: readonly unknown[]): IterableIterator<unknown> {
    const toRow = this.#toRow;
    for (const values of this.statement.iterate(bindable(parameters)) as IterableIterator<unknown[]>) {
      yield toRow ? toRow(values) : values;
    }
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
