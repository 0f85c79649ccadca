/**
 * Write transactions that hold under concurrency, on both databases.
 *
 * PostgreSQL runs them at READ COMMITTED, where two transactions that lock
 * the same rows in different orders can deadlock, and PostgreSQL then aborts
 * one of them (40P01). That is a retry, not a fault: the transaction is run
 * again from the start, a few times, before the error is let through. SQLite
 * runs one write transaction at a time (BEGIN IMMEDIATE, see
 * sqlite-dialect.ts), so it never needs one.
 *
 * A transaction that finds it cannot do all it was asked (a bulk operation
 * naming a todo another request deleted a moment ago) calls the `rollback`
 * it is given with its answer: nothing it wrote is kept, and
 * `writeTransaction` resolves to that answer instead of failing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely, Transaction } from 'kysely';

/** serialization_failure and deadlock_detected: the transaction lost a race and may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const ATTEMPTS = 5;

class Rollback extends Error {
  constructor(readonly answer: unknown) {
    super('rolled back');
  }
}

/** Ends the transaction without keeping anything it wrote; `writeTransaction` resolves to `answer`. */
export type RollbackWith<T> = (answer: T) => never;

const rollbackWith = (answer: unknown): never => {
  throw new Rollback(answer);
};

const isRetryable = (error: unknown): boolean =>
  error instanceof Error && RETRYABLE.has(String((error as Error & { code?: unknown }).code));

const isTransaction = <DB>(db: Kysely<DB>): db is Transaction<DB> => db.isTransaction;

/** Each open transaction's database: prepared queries compiled for it serve its transactions too. */
const parents = new WeakMap<object, object>();

/** The database `db` is a transaction of, or `db` itself. */
export const databaseOf = (db: object): object => parents.get(db) ?? db;

export async function writeTransaction<DB, T>(
  db: Kysely<DB>,
  work: (trx: Transaction<DB>, rollback: RollbackWith<T>) => Promise<T>,
): Promise<T> {
  // Already in the caller's transaction: the work joins it, and a rollback (or a
  // retry) is the caller's, so `rollback` fails their whole transaction.
  if (isTransaction(db)) return work(db, rollbackWith);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.transaction().execute((trx) => {
        parents.set(trx, db);
        return work(trx, rollbackWith);
      });
    } catch (error) {
      // Only `rollback` throws a Rollback, and only with a T.
      if (error instanceof Rollback) return error.answer as T;
      if (attempt >= ATTEMPTS || !isRetryable(error)) throw error;
      // Apart, so that the two that collided do not collide again.
      await sleep(Math.random() * 5 * attempt);
    }
  }
}
