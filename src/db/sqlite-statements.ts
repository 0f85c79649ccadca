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
 */
import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

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

export function sqliteForKysely(database: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, Statement>();
  return {
    close: () => database.close(),
    prepare(sqlText: string) {
      let statement = statements.get(sqlText);
      if (statement) {
        statements.delete(sqlText);
      } else {
        statement = new Statement(database.prepare(sqlText));
        if (statements.size >= STATEMENT_CACHE_SIZE) {
          const oldest = statements.keys().next().value;
          if (oldest !== undefined) statements.delete(oldest);
        }
      }
      statements.set(sqlText, statement);
      return statement;
    },
  };
}
