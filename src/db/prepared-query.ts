import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import { sqliteUnder } from './sqlite-statements.js';
import { databaseOf } from './transaction.js';

/**
 * A query built and compiled once per database, then run with new parameter
 * values. Building and compiling a Kysely query costs about twice as much as
 * running a small one on SQLite (≈10 µs against ≈5 µs), and the hot queries
 * never change shape.
 *
 * On SQLite the compiled statement runs directly on the connection (it is
 * synchronous anyway), skipping Kysely's executor, connection mutex and promise
 * chain; inside a transaction, and on PostgreSQL, Kysely runs it.
 *
 * `build` writes the query with placeholder values; `run` passes the real
 * values in the order their placeholders appear in the compiled SQL.
 */
export function preparedQuery<DB, Row>(
  build: (db: Kysely<DB>) => Compilable<Row>,
): (db: Kysely<DB>, parameters: readonly unknown[]) => Promise<QueryResult<Row>> {
  // Per database, and shared by its transactions (writeTransaction's), whose SQL is the same.
  const compiledFor = new WeakMap<object, CompiledQuery<Row>>();
  return (db, parameters) => {
    const key = databaseOf(db);
    let compiled = compiledFor.get(key);
    if (!compiled) {
      compiled = build(db).compile();
      compiledFor.set(key, compiled);
    }
    if (compiled.parameters.length !== parameters.length) {
      throw new Error(
        `Query takes ${compiled.parameters.length} parameters, got ${parameters.length}: ${compiled.sql}`,
      );
    }
    const direct = sqliteUnder(db)?.execute<Row>(compiled.sql, parameters);
    return direct ? Promise.resolve(direct) : db.executeQuery({ ...compiled, parameters });
  };
}
